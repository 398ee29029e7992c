# Table 2 "Mask R-CNN + align + attn": GRANet around Mask R-CNN (the
# attention weights the FPN levels that feed both the RPN and the RoI
# heads), 2:2 schedule, on the 600-patient holdout setting.
_base_ = '../mask_rcnn/mask-rcnn_r50_fpn_align_rsna.py'

pairs_root = _base_.data_root + 'aligned/pairs/'
# tools/run_pipeline.py --preset rsna, stage abn2nor
abn2nor_checkpoint = 'work_dirs/pipeline_rsna/abn2nor/epoch_100.pth'
max_epochs = 12
generator = dict(type='mmagic.ResnetGenerator', in_channels=1,
                 out_channels=1, base_channels=64, num_blocks=9)
model = dict(
    _delete_=True,
    type='GRANet',
    detector=_base_.model,
    generator=generator,
    generator_checkpoint=abn2nor_checkpoint,
    generator_size=256)

train_pipeline = [
    dict(type='LoadDicomFromFile', load_scale=(512, 512),
         cache_dir=_base_.cache_dir),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='AffineAlign', affine_file=_base_.affine_file),
    dict(type='LoadGeneratorTarget',
         target_root=pairs_root + 'realistic_targets/'),
    dict(type='BoxesToMasks'),
    dict(type='mmdet.RandomFlip', prob=0.5),
    dict(type='mmdet.PackDetInputs',
         meta_keys=_base_.meta_keys + ('gen_target_kind', )),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

train_cfg = dict(_delete_=True, type='AlternatingEpochBasedTrainLoop',
                 schedule='2:2', max_epochs=max_epochs, val_interval=1)
optim_wrapper = dict(
    _delete_=True,
    constructor='mmagic.MultiOptimWrapperConstructor',
    detector=dict(
        type='OptimWrapper',
        optimizer=dict(type='SGD', lr=0.01, momentum=0.9,
                       weight_decay=0.0001),
        clip_grad=dict(max_norm=35, norm_type=2)),
    generator=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-4, betas=(0.5, 0.999))))
param_scheduler = dict(
    _delete_=True,
    detector=[
        dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
             end=500),
        dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
             milestones=[8, 11], gamma=0.1)
    ],
    generator=[dict(type='ConstantLR', factor=1.0, by_epoch=True)])
model_wrapper_cfg = dict(type='mmgranet.DeviceAgnosticSeparateDDP')
