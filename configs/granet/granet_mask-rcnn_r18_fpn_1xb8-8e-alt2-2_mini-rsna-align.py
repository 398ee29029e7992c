# Table 2's "Mask R-CNN + align + attn" at mini scale: GRANet around the
# mini Mask R-CNN with the small Abn2Nor generator, 2:2, the detector 10
# epochs; run in the holdout setting (MMGRANET_SETTING=holdout60).
_base_ = '../mask_rcnn/mask-rcnn_r18_fpn_1xb8-8e_mini-rsna-align.py'

schedule = '2:2'
abn2nor_checkpoint = _base_.artifact_root + 'abn2nor/epoch_10.pth'
generator = dict(type='mmagic.ResnetGenerator', in_channels=1,
                 out_channels=1, base_channels=32, num_blocks=6)
model = dict(
    _delete_=True,
    type='GRANet',
    detector=_base_.model,
    generator=generator,
    generator_checkpoint=abn2nor_checkpoint,
    generator_size=128,
    residual_generator=True,  # as the Abn2Nor config's model.residual
    recon_balance='boxes')  # ... and its model.recon_balance

train_pipeline = [
    _base_.load, _base_.annotations, _base_.align, _base_.generator_target,
    _base_.masks, _base_.flip, _base_.pack_granet
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

train_cfg = dict(_delete_=True, type='AlternatingEpochBasedTrainLoop',
                 schedule=schedule, detector_epochs=_base_.max_epochs,
                 val_interval=1000)
optim_wrapper = dict(
    _delete_=True,
    constructor='mmagic.MultiOptimWrapperConstructor',
    detector=_base_.optim_wrapper,
    generator=dict(type='OptimWrapper',
                   optimizer=dict(type='Adam', lr=1e-4, betas=(0.5, 0.999))))
param_scheduler = dict(
    _delete_=True,
    detector=_base_.param_scheduler,
    generator=[dict(type='ConstantLR', factor=1.0, by_epoch=True)])
default_hooks = dict(
    param_scheduler=dict(type='AlternatingParamSchedulerHook'),
    checkpoint=dict(interval=1000))
model_wrapper_cfg = dict(type='mmgranet.DeviceAgnosticSeparateDDP')
