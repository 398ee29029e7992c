# RetinaNet† with mmgranet's earlier recipe, a named variant of the paper's
# (Adam 1e-5, batch 6, affine + noise + blur): SGD at 0.0025 for one GPU x
# 4 images (mmdet's 0.01 at 16, scaled linearly), flip only.
_base_ = './retinanet-dagger_seresnext101_fpn-p2_1xb6-12e_rsna.py'

train_pipeline = [
    t for t in _base_.train_pipeline
    if t['type'] not in ('RandomAffineBoxes', 'GaussianNoiseBlur')
]
train_dataloader = dict(batch_size=4, dataset=dict(pipeline=train_pipeline))
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.0025, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=35, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=4)
