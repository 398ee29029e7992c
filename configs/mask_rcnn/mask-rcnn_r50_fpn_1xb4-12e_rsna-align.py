# Mask R-CNN R50-FPN + align (the paper's table 2 baseline): masks are the
# filled ground-truth boxes (BoxesToMasks); table 2's metric (TP / (TP +
# FP) at IoU 0.4, 0.5 and 0.6; images with boxes but no prediction left
# out). The paper's setting is the holdout: run it with
# MMGRANET_SETTING=holdout600 (tools/run_pipeline.py --setting holdout600).
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
    '../_base_/datasets/rsna_detection.py',
    '../_base_/schedules/schedule_1x.py',
    '../_base_/default_runtime.py',
]

model = dict(
    # torchvision's ImageNet ResNet50 (downloaded when online; or a local
    # copy of the file), every key checked
    backbone=dict(init_cfg=dict(type='Pretrained',
                                checkpoint='torchvision://resnet50')),
    roi_head=dict(bbox_head=dict(num_classes=1),
                  mask_head=dict(num_classes=1)))

train_pipeline = [
    _base_.load, _base_.annotations, _base_.align, _base_.affine,
    _base_.masks, _base_.flip, _base_.noise_blur, _base_.pack
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.align_test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=_base_.align_test_pipeline))
val_evaluator = dict(iou_thrs=(0.4, 0.5, 0.6), no_fn=True)
test_evaluator = val_evaluator
# mmdet's 0.02 at 16 images, scaled to one GPU x 4
optim_wrapper = dict(
    optimizer=dict(lr=0.005), clip_grad=dict(max_norm=35, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=4)
env_cfg = dict(cudnn_benchmark=True)
