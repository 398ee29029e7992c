# Mask R-CNN R50-FPN + align (the paper's table 2 baseline): masks are the
# filled ground-truth boxes (BoxesToMasks); trained on holdout600_train,
# scored on the 600-patient holdout with table 2's metric (TP / (TP + FP)
# at IoU 0.4, 0.5 and 0.6; images with boxes but no prediction left out).
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
    '../_base_/datasets/rsna_detection.py',
    '../_base_/schedules/schedule_1x.py',
    '../_base_/default_runtime.py',
]

affine_file = _base_.data_root + 'aligned/affines.csv'
model = dict(
    backbone=dict(init_cfg=dict(type='mmgranet.PretrainedOrWarn',
                                checkpoint='torchvision://resnet50')),
    roi_head=dict(bbox_head=dict(num_classes=1),
                  mask_head=dict(num_classes=1)))

train_pipeline = [
    dict(type='LoadDicomFromFile', load_scale=(512, 512),
         cache_dir=_base_.cache_dir),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='AffineAlign', affine_file=affine_file),
    dict(type='BoxesToMasks'),
    dict(type='mmdet.RandomFlip', prob=0.5),
    dict(type='mmdet.PackDetInputs', meta_keys=_base_.meta_keys),
]
test_pipeline = [
    dict(type='LoadDicomFromFile', load_scale=(512, 512),
         cache_dir=_base_.cache_dir),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='AffineAlign', affine_file=affine_file),
    dict(type='mmdet.PackDetInputs', meta_keys=_base_.meta_keys),
]
train_dataloader = dict(dataset=dict(
    split_file='splits/holdout600_train.txt', pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    split_file='splits/holdout600_test.txt', pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(iou_thrs=(0.4, 0.5, 0.6), no_fn=True)
test_evaluator = val_evaluator
optim_wrapper = dict(
    optimizer=dict(lr=0.01), clip_grad=dict(max_norm=35, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=8)
