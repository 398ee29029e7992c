# mini-RSNA (tools/make_mini_rsna.py + tools/make_rsna_splits.py): the same
# layout and pipeline as RSNA, for CPU runs, the demo and tests. Images are
# generated at 256 px and loaded at 128 (RSNA: 1024 -> 512 in the paper).
_base_ = './rsna_detection.py'

data_root = 'data/mini-rsna/'
image_size = 128

train_pipeline = [
    dict(type='LoadDicomFromFile', load_scale=(image_size, image_size)),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='mmdet.RandomFlip', prob=0.5),
    dict(type='mmdet.PackDetInputs', meta_keys={{_base_.meta_keys}}),
]
test_pipeline = [
    dict(type='LoadDicomFromFile', load_scale=(image_size, image_size)),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='mmdet.PackDetInputs', meta_keys={{_base_.meta_keys}}),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=2,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
