# mini-RSNA (tools/stages/make_mini_rsna.py +
# tools/stages/make_rsna_splits.py --test 0):
# the RSNA layout and pipeline pieces for CPU runs, the demo and tests.
# Images are generated at 256 px and loaded at 128 (RSNA: 1024 -> 512).
# The held-out test patients are mini-RSNA's own: stage_2_test_images with
# their labels in test_labels.csv. mmengine derives variables when a file
# is read, so the paths and pieces that depend on the values changed here
# are restated (same names as in rsna_detection.py).
_base_ = './rsna_detection.py'

data_root = '{{$MMGRANET_DATA_ROOT:data/mini-rsna/}}'
setting = '{{$MMGRANET_SETTING:fold0}}'
work_root = '{{$MMGRANET_WORK_ROOT:work_dirs/pipeline_mini/}}'
artifact_root = work_root + setting + '/'
aligned_root = artifact_root + 'aligned/'
affine_file = aligned_root + 'affines.csv'
pairs_root = artifact_root + 'pairs/'
neighbour_file = pairs_root + 'neighbours.csv'
targets_root = artifact_root + 'realistic_targets/'
train_split = f'splits/{setting}_train.txt'
val_split = f'splits/{setting}_val.txt'
test_img_dir = 'stage_2_test_images/'
test_ann_file = 'test_labels.csv'
test_class_info_file = ''  # the image label from the boxes
test_split = None
image_size = 128

load = dict(type='LoadDicomFromFile', load_scale=(image_size, image_size))
align = dict(type='AffineAlign', affine_file=affine_file)
syn = dict(type='PseudoPair', mode='abnormal', prob=0.5,
           neighbour_file=neighbour_file, data_root=aligned_root)
generator_target = dict(type='LoadGeneratorTarget', target_root=targets_root)
annotations, flip, pack = _base_.annotations, _base_.flip, _base_.pack
pack_granet = _base_.pack_granet

train_pipeline = [load, annotations, flip, pack]
test_pipeline = [load, annotations, pack]
align_train_pipeline = [load, annotations, align, flip, pack]
align_test_pipeline = [load, annotations, align, pack]
align_syn_train_pipeline = [load, annotations, align, syn, flip, pack]
granet_train_pipeline = [
    load, annotations, align, syn, generator_target, flip, pack_granet
]

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    dataset=dict(data_root=data_root, split_file=train_split,
                 pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=2,
    dataset=dict(data_root=data_root, split_file=val_split,
                 pipeline=test_pipeline))
test_dataloader = dict(
    num_workers=2,
    dataset=dict(data_root=data_root, data_prefix=dict(img=test_img_dir),
                 ann_file=test_ann_file,
                 class_info_file=test_class_info_file,
                 split_file=test_split, pipeline=test_pipeline))
