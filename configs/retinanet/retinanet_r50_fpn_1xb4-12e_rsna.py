# Plain RetinaNet R50-FPN on RSNA (the paper's RetinaNet* row): mmdet's 1x
# schedule, the learning rate scaled linearly from mmdet's 0.01 at 16
# images to one GPU x 4 images.
_base_ = [
    '../_base_/models/retinanet_r50_fpn.py',
    '../_base_/datasets/rsna_detection.py',
    '../_base_/schedules/schedule_1x.py',
    '../_base_/default_runtime.py',
]

# grayscale radiographs replicated to 3 channels; ImageNet statistics
# still fit the pretrained backbone
optim_wrapper = dict(
    optimizer=dict(lr=0.0025), clip_grad=dict(max_norm=35, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=4)
