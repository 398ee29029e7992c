# Table 2 "Mask R-CNN + align + attn": GRANet around Mask R-CNN (the
# attention weights the FPN levels that feed both the RPN and the RoI
# heads), 2:2 schedule, the detector 12 epochs. The paper's setting is the
# holdout: MMGRANET_SETTING=holdout600.
_base_ = '../mask_rcnn/mask-rcnn_r50_fpn_1xb4-12e_rsna-align.py'

schedule = '2:2'
abn2nor_checkpoint = _base_.artifact_root + 'abn2nor/epoch_100.pth'
generator = dict(type='mmagic.ResnetGenerator', in_channels=1,
                 out_channels=1, base_channels=64, num_blocks=9)
model = dict(
    _delete_=True,
    type='GRANet',
    detector=_base_.model,
    generator=generator,
    generator_checkpoint=abn2nor_checkpoint,
    generator_size=256,
    residual_generator=True,  # as the Abn2Nor config's model.residual
    recon_balance='boxes')  # ... and its model.recon_balance

train_pipeline = [
    _base_.load, _base_.annotations, _base_.align, _base_.generator_target,
    _base_.affine, _base_.masks, _base_.flip, _base_.noise_blur,
    _base_.pack_granet
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
    param_scheduler=dict(type='AlternatingParamSchedulerHook'))
model_wrapper_cfg = dict(type='mmgranet.DeviceAgnosticSeparateDDP')
