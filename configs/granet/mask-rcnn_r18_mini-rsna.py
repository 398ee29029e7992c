# Table 2's GRANet Mask R-CNN at mini scale: ResNet18 (random init), 128 px,
# the small Abn2Nor generator, mini-RSNA's 60-patient holdout.
_base_ = './mask-rcnn_r50_fpn_align-attn_rsna.py'

data_root = 'data/mini-rsna/'
image_size = 128
aligned_root = data_root + 'aligned/'
pairs_root = aligned_root + 'pairs/'
affine_file = aligned_root + 'affines.csv'
model = dict(
    detector=dict(
        backbone=dict(depth=18, init_cfg=None, frozen_stages=-1,
                      norm_eval=False),
        neck=dict(in_channels=[64, 128, 256, 512], out_channels=64),
        rpn_head=dict(in_channels=64, feat_channels=64),
        roi_head=dict(
            bbox_roi_extractor=dict(out_channels=64),
            bbox_head=dict(in_channels=64, fc_out_channels=256),
            mask_roi_extractor=dict(out_channels=64),
            mask_head=dict(in_channels=64, conv_out_channels=64))),
    generator=dict(base_channels=32, num_blocks=6),
    generator_checkpoint='work_dirs/pipeline_mini/abn2nor/epoch_10.pth',
    generator_size=128)

train_pipeline = [
    dict(type='LoadDicomFromFile', load_scale=(image_size, image_size)),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='AffineAlign', affine_file=affine_file),
    dict(type='LoadGeneratorTarget',
         target_root=pairs_root + 'realistic_targets/'),
    dict(type='BoxesToMasks'),
    dict(type='mmdet.RandomFlip', prob=0.5),
    dict(type='mmdet.PackDetInputs',
         meta_keys=_base_.meta_keys + ('gen_target_kind', )),
]
test_pipeline = [
    dict(type='LoadDicomFromFile', load_scale=(image_size, image_size)),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='AffineAlign', affine_file=affine_file),
    dict(type='mmdet.PackDetInputs', meta_keys=_base_.meta_keys),
]
train_dataloader = dict(
    num_workers=2,
    dataset=dict(data_root=data_root,
                 split_file='splits/holdout60_train.txt',
                 pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=2,
    dataset=dict(data_root=data_root,
                 split_file='splits/holdout60_test.txt',
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
default_hooks = dict(logger=dict(interval=10))
