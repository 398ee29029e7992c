# GRANet, the full method (paper table 1, last row): RetinaNet† whose
# pyramid features are weighted by |x - G(x)| (G: the Abn2Nor generator,
# eq. 3), on STN-aligned images, with pseudo-abnormal augmentation, trained
# with the alternating 2:2 schedule (table 3's best): the detector trains
# 12 epochs (as the RetinaNet† baseline), G 12 in between, 24 in all.
#
# Stages this config reads, per setting (MMGRANET_SETTING, default fold0;
# configs/_base_/datasets/rsna_detection.py), all made by
# `tools/run_pipeline.py --preset rsna --setting fold0`:
#   WORK_ROOT/<setting>/aligned/affines.csv    tools/stages/align_dataset.py
#   WORK_ROOT/<setting>/pairs/neighbours.csv
#       tools/stages/make_pseudo_pairs.py
#   WORK_ROOT/<setting>/realistic_targets/
#       tools/stages/make_realistic_targets.py
#   WORK_ROOT/<setting>/abn2nor/epoch_100.pth  configs/cgan/abn2nor_*_rsna.py
_base_ = '../retinanet/' \
    'retinanet-dagger_seresnext101_fpn-p2_1xb6-12e_rsna-align-syn.py'

# ======================= Frequently modified parameters =====================
schedule = '2:2'  # detector n epochs, then G m epochs; or 'joint'
detector_epochs = _base_.max_epochs  # equal to the plain detector's
# G: its architecture must match the Abn2Nor checkpoint; G runs at 256 px
# (docs/benchmarks.md: GRANet's inference cost against the plain detector)
abn2nor_checkpoint = _base_.artifact_root + 'abn2nor/epoch_100.pth'
generator = dict(type='mmagic.ResnetGenerator', in_channels=1,
                 out_channels=1, base_channels=64, num_blocks=9)
generator_size = 256
residual_generator = True  # as the Abn2Nor config's model.residual
# the residual's weighting of the pyramid (ResidualAttentionNeck)
attention = dict(mode='residual', norm='none')
# ======================= Possible modified parameters =======================
recon_weight = 1.0  # G's phase: L1 to eq. 3's target on abnormal images
recon_balance = 'boxes'  # as the Abn2Nor config's model.recon_balance
identity_weight = 1.0  # ... and to itself on images without lesions
lambda_det = 1.0  # ... plus this times the detection loss through I_r
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
# the detector keeps its own recipe; G fine-tunes with the cGANs' Adam
optim_wrapper = dict(
    _delete_=True,
    constructor='mmagic.MultiOptimWrapperConstructor',
    detector=_base_.optim_wrapper,
    generator=dict(type='OptimWrapper',
                   optimizer=dict(type='Adam', lr=generator_lr,
                                  betas=(0.5, 0.999))))
# the detector's schedule counts its own epochs (only the training
# subnet's schedulers step: AlternatingParamSchedulerHook)
param_scheduler = dict(
    _delete_=True,
    detector=_base_.param_scheduler,
    generator=[dict(type='ConstantLR', factor=1.0, by_epoch=True)])
default_hooks = dict(
    param_scheduler=dict(type='AlternatingParamSchedulerHook'))
# one DDP per subnet: a frozen subnet is simply not synchronised
model_wrapper_cfg = dict(type='mmgranet.DeviceAgnosticSeparateDDP')
