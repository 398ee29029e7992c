# RetinaNet† (the paper's table 1 baseline, after its reference [6]) on
# RSNA at 512 px: SE-ResNeXt101 32x4d backbone, an extra P2 level (stride
# 4) for small anchors, dropout before the classification output, a global
# 3-class image head (Normal / Lung Opacity / No Lung Opacity-Not Normal,
# loss weight 0.1) on the last stage; images without boxes are trained on
# (RSNADataset keeps them). The paper's recipe (3.2, after ref. [6]): Adam
# at 1e-5, batch 6, affine + flip + Gaussian noise + blur augmentation,
# ImageNet SE-ResNeXt101 weights.
_base_ = './retinanet_r50_fpn_1xb4-12e_rsna.py'

# ImageNet weights in mmpretrain's names, every key checked
# (tools/model_converters/seresnext_to_mmpretrain.py; docs/rsna.md). A
# missing or mismatched file is an error, never random weights.
pretrained = 'data/pretrained/seresnext101_32x4d.pth'
stem_pool = 'pytorch'  # 'cadene' for Cadene's (ref. [6]) converted weights
image_score_power = 0.0  # > 0: box score * p(Lung Opacity) ** power

model = dict(
    type='mmgranet.GlobalLabelRetinaNet',
    backbone=dict(
        _delete_=True,
        type='mmgranet.SEResNeXt',
        stem_pool=stem_pool,
        depth=101,
        groups=32,
        width_per_group=4,
        out_indices=(0, 1, 2, 3),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        style='pytorch',
        init_cfg=dict(type='Pretrained',
                      checkpoint=pretrained)),
    neck=dict(in_channels=[256, 512, 1024, 2048], start_level=0,
              add_extra_convs='on_input', num_outs=6),
    bbox_head=dict(
        type='mmgranet.DropoutRetinaHead',
        dropout=0.5,
        anchor_generator=dict(strides=[4, 8, 16, 32, 64, 128])),
    image_head=dict(type='mmgranet.ImageLabelHead', in_channels=2048,
                    dropout=0.5, loss_weight=0.1),
    image_score_power=image_score_power)
train_dataloader = dict(batch_size=6)
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-5),
    clip_grad=dict(max_norm=35, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=6)
# fixed-size inputs: let cuDNN pick its fastest kernels
env_cfg = dict(cudnn_benchmark=True)
