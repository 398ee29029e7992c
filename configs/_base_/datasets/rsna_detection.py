# RSNA Pneumonia Detection Challenge (stage 2) for detection: 512 px, fold 0
# of the patient-level 4-fold CV (tools/make_rsna_splits.py writes splits/).
# Another fold in a child config:
#   fold = 1
#   train_dataloader = dict(
#       dataset=dict(split_file=f'splits/fold{fold}_train.txt'))
#   val_dataloader = dict(
#       dataset=dict(split_file=f'splits/fold{fold}_val.txt'))
dataset_type = 'RSNADataset'
data_root = 'data/rsna/'
fold = 0
image_size = 512  # the paper downsamples 1024 -> 512
# decode + resize each DICOM once; e.g. data_root + 'decode_cache_512/'
cache_dir = None

meta_keys = ('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor',
             'flip', 'flip_direction', 'patient_id', 'image_label',
             'ori_gt_bboxes', 'align_matrix')
train_pipeline = [
    dict(type='LoadDicomFromFile', load_scale=(image_size, image_size),
         cache_dir=cache_dir),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='mmdet.RandomFlip', prob=0.5),
    dict(type='mmdet.PackDetInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='LoadDicomFromFile', load_scale=(image_size, image_size),
         cache_dir=cache_dir),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='mmdet.PackDetInputs', meta_keys=meta_keys),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split_file=f'splits/fold{fold}_train.txt',
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
        split_file=f'splits/fold{fold}_val.txt',
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(type='RSNAMetric')
test_evaluator = val_evaluator
