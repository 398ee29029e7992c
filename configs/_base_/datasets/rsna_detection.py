# RSNA Pneumonia Detection Challenge (stage 2) for detection at 512 px (the
# paper downsamples 1024 -> 512).
#
# Paths are reached by name. Three environment variables choose them (the
# pipeline, tools/run_pipeline.py, sets all three; defaults in brackets):
#   MMGRANET_DATA_ROOT  the RSNA layout                      [data/rsna/]
#   MMGRANET_SETTING    fold{k} (4-fold CV) or holdout{n}     [fold0]
#   MMGRANET_WORK_ROOT  the pipeline's work dir  [work_dirs/pipeline_rsna/]
# e.g. `MMGRANET_SETTING=fold1 python tools/train.py CONFIG`. A setting's
# train patients are all that anything learns from (the detector, and the
# alignment reference, pseudo pairs, cGANs and targets under
# WORK_ROOT/<setting>/, made by the pipeline); its val patients choose the
# score cut-off; the test patients
# (tools/stages/make_rsna_splits.py --test 600)
# are scored at it (docs/evaluation.md).
dataset_type = 'RSNADataset'
data_root = '{{$MMGRANET_DATA_ROOT:data/rsna/}}'
setting = '{{$MMGRANET_SETTING:fold0}}'
work_root = '{{$MMGRANET_WORK_ROOT:work_dirs/pipeline_rsna/}}'
artifact_root = work_root + setting + '/'
aligned_root = artifact_root + 'aligned/'  # tools/stages/align_dataset.py
affine_file = aligned_root + 'affines.csv'
pairs_root = artifact_root + 'pairs/'  # tools/stages/make_pseudo_pairs.py
neighbour_file = pairs_root + 'neighbours.csv'
targets_root = artifact_root + 'realistic_targets/'  # G_realistic(I_b)
train_split = f'splits/{setting}_train.txt'
val_split = f'splits/{setting}_val.txt'
# held-out test patients: on RSNA carved out of the labelled data
test_img_dir = 'stage_2_train_images/'
test_ann_file = 'stage_2_train_labels.csv'
test_class_info_file = 'stage_2_detailed_class_info.csv'
test_split = 'splits/test.txt'
image_size = 512
# decode + resize each DICOM once; e.g. data_root + 'decode_cache_512/'
cache_dir = None

meta_keys = ('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor',
             'flip', 'flip_direction', 'patient_id', 'image_label',
             'ori_gt_bboxes', 'align_matrix')

# pipeline pieces, composed below and by the model configs
load = dict(type='LoadDicomFromFile', load_scale=(image_size, image_size),
            cache_dir=cache_dir)
annotations = dict(type='mmdet.LoadAnnotations', with_bbox=True)
align = dict(type='AffineAlign', affine_file=affine_file)  # "+ align"
# "+ syn": a normal image gets a neighbour's lesions pasted and blended
syn = dict(type='PseudoPair', mode='abnormal', prob=0.5,
           neighbour_file=neighbour_file, data_root=aligned_root)
generator_target = dict(type='LoadGeneratorTarget', target_root=targets_root)
masks = dict(type='BoxesToMasks')  # Mask R-CNN: filled boxes
flip = dict(type='mmdet.RandomFlip', prob=0.5)
# the paper's detector augmentation (3.2, after ref. [6]): affine + flip +
# Gaussian noise + blur; boxes cross the affine without inflation
affine = dict(type='RandomAffineBoxes', prob=0.5, max_rotate=10.0,
              scale=(0.9, 1.1), max_shear=0.05, max_translate=0.05)
noise_blur = dict(type='GaussianNoiseBlur', noise_prob=0.5,
                  noise_std=(2.0, 8.0), blur_prob=0.3, blur_sigma=(0.3, 1.2))
pack = dict(type='mmdet.PackDetInputs', meta_keys=meta_keys)
pack_granet = dict(type='mmdet.PackDetInputs',
                   meta_keys=meta_keys + ('gen_target_kind', ))

train_pipeline = [load, annotations, affine, flip, noise_blur, pack]
test_pipeline = [load, annotations, pack]
align_train_pipeline = [
    load, annotations, align, affine, flip, noise_blur, pack
]
align_test_pipeline = [load, annotations, align, pack]
align_syn_train_pipeline = [
    load, annotations, align, syn, affine, flip, noise_blur, pack
]
# G's target rides along as an extra channel: warped and flipped with the
# image, kept clean of the noise
granet_train_pipeline = [
    load, annotations, align, syn, generator_target, affine, flip,
    noise_blur, pack_granet
]

train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split_file=train_split,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split_file=val_split,
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img=test_img_dir),
        ann_file=test_ann_file,
        class_info_file=test_class_info_file,
        split_file=test_split,
        test_mode=True,
        pipeline=test_pipeline))

val_evaluator = dict(type='RSNAMetric')
test_evaluator = val_evaluator
