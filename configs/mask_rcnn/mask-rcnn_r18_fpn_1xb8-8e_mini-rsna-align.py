# Table 2's Mask R-CNN + align at mini scale: ResNet18 (random init), 128
# px, the mini recipe (AdamW, cosine, 8 epochs); run in the holdout
# setting (MMGRANET_SETTING=holdout60).
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
    '../_base_/datasets/mini-rsna_detection.py',
    '../_base_/schedules/schedule_adamw-cosine_8e_mini.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(depth=18, init_cfg=None, frozen_stages=-1,
                  norm_eval=False),
    neck=dict(in_channels=[64, 128, 256, 512], out_channels=64),
    rpn_head=dict(in_channels=64, feat_channels=64),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=64),
        bbox_head=dict(in_channels=64, fc_out_channels=256, num_classes=1),
        mask_roi_extractor=dict(out_channels=64),
        mask_head=dict(in_channels=64, conv_out_channels=64,
                       num_classes=1)))

train_pipeline = [
    _base_.load, _base_.annotations, _base_.align, _base_.masks,
    _base_.flip, _base_.pack
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.align_test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=_base_.align_test_pipeline))
val_evaluator = dict(iou_thrs=(0.4, 0.5, 0.6), no_fn=True)
test_evaluator = val_evaluator

max_epochs = 8  # the recipe's (schedules/schedule_adamw-cosine_8e_mini.py)
auto_scale_lr = dict(base_batch_size=8)
default_hooks = dict(logger=dict(interval=10),
                     checkpoint=dict(interval=max_epochs))
