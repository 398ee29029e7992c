# A RetinaNet small enough to train for a few iterations on a CPU, on a tiny
# COCO-format dataset that tests write (data_root set by the test).
_base_ = [
    '../../../configs/_base_/models/retinanet_r50_fpn.py',
    '../../../configs/_base_/default_runtime.py',
]

data_root = None  # tests set train_dataloader.dataset.data_root
image_size = 64

model = dict(
    data_preprocessor=dict(pad_size_divisor=32),
    backbone=dict(depth=18, init_cfg=None, frozen_stages=-1,
                  norm_eval=False),
    neck=dict(in_channels=[64, 128, 256, 512], out_channels=16),
    bbox_head=dict(in_channels=16, feat_channels=16, stacked_convs=1))

pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='mmdet.Resize', scale=(image_size, image_size), keep_ratio=True),
    dict(type='mmdet.PackDetInputs'),
]
dataset = dict(
    type='mmdet.CocoDataset',
    data_root=data_root,
    ann_file='annotations.json',
    data_prefix=dict(img='images/'),
    metainfo=dict(classes=('Lung Opacity', )),
    # RSNA: most images have no box, and they are kept
    filter_cfg=dict(filter_empty_gt=False),
    pipeline=pipeline)
train_dataloader = dict(
    batch_size=1,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dataset)

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1, val_interval=1)
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='SGD', lr=0.001, momentum=0.9))
default_hooks = dict(logger=dict(interval=1))
randomness = dict(seed=0)

test_dataloader = dict(
    batch_size=1,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(dataset, test_mode=True))
test_cfg = dict(type='TestLoop')
# tests set test_evaluator.ann_file to <data_root>/annotations.json
test_evaluator = dict(type='mmdet.CocoMetric', metric='bbox', ann_file=None)
