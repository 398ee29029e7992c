# GRANet at mini scale: the full method (align + attention + pseudo-abnormal
# augmentation, alternating 2:2) on mini-RSNA at 128 px with the mini
# RetinaNet† (ResNet18, random init, AdamW) and the small Abn2Nor generator
# (32 channels, 6 blocks, at 128 px as trained). The detector trains its
# 8 epochs, as the mini RetinaNet† does, G 8 in between (16 in all).
# `make demo` runs it after the stages it reads (WORK_ROOT/<setting>/, see
# configs/_base_/datasets/rsna_detection.py).
#
# The GRANet part below is the full config's
# (granet_retinanet-dagger_seresnext101_..._rsna-align-syn.py) with the
# mini generator; the detector, data and recipe are the mini RetinaNet†'s.
_base_ = '../retinanet/' \
    'retinanet-dagger_r18_fpn-p2_1xb8-8e_mini-rsna-align-syn.py'

# ======================= Frequently modified parameters =====================
schedule = '2:2'  # detector n epochs, then G m epochs; or 'joint'
detector_epochs = _base_.max_epochs  # equal to the plain detector's
abn2nor_checkpoint = _base_.artifact_root + 'abn2nor/epoch_10.pth'
generator = dict(type='mmagic.ResnetGenerator', in_channels=1,
                 out_channels=1, base_channels=32, num_blocks=6)
generator_size = 128
residual_generator = True  # as the Abn2Nor config's model.residual
attention = dict(mode='residual', norm='none')
# ======================= Possible modified parameters =======================
recon_weight = 1.0
recon_balance = 'boxes'  # as the Abn2Nor config's model.recon_balance
identity_weight = 1.0
lambda_det = 1.0
generator_lr = 1e-4
# ============================================================================

model = dict(
    _delete_=True,
    type='GRANet',
    detector=_base_.model,
    generator=generator,
    generator_checkpoint=abn2nor_checkpoint,
    generator_size=generator_size,
    residual_generator=residual_generator,
    attention=attention,
    recon_weight=recon_weight,
    recon_balance=recon_balance,
    identity_weight=identity_weight,
    lambda_det=lambda_det)

train_dataloader = dict(dataset=dict(pipeline=_base_.granet_train_pipeline))

train_cfg = dict(_delete_=True, type='AlternatingEpochBasedTrainLoop',
                 schedule=schedule, detector_epochs=detector_epochs,
                 val_interval=1000)  # validated after the last epoch
optim_wrapper = dict(
    _delete_=True,
    constructor='mmagic.MultiOptimWrapperConstructor',
    detector=_base_.optim_wrapper,
    generator=dict(type='OptimWrapper',
                   optimizer=dict(type='Adam', lr=generator_lr,
                                  betas=(0.5, 0.999))))
param_scheduler = dict(
    _delete_=True,
    detector=_base_.param_scheduler,
    generator=[dict(type='ConstantLR', factor=1.0, by_epoch=True)])
default_hooks = dict(
    param_scheduler=dict(type='AlternatingParamSchedulerHook'),
    checkpoint=dict(interval=1000))  # the last epoch is always saved
model_wrapper_cfg = dict(type='mmgranet.DeviceAgnosticSeparateDDP')
