# GRANet at mini scale: the full method (align + attention + pseudo-abnormal
# augmentation, alternating 2:2) on mini-RSNA at 128 px with the mini
# RetinaNet† (ResNet18, random init, AdamW) and the small Abn2Nor generator
# (32 channels, 6 blocks, at 128 px as trained). Trains on 2 CPU cores in
# minutes; `make demo` runs it after the stages it reads.
_base_ = '../retinanet/retinanet-dagger_r18_mini-rsna.py'

aligned_root = _base_.data_root + 'aligned/'
pairs_root = aligned_root + 'pairs/'
affine_file = aligned_root + 'affines.csv'
# written by `make demo` (tools/run_pipeline.py, stage abn2nor)
abn2nor_checkpoint = 'work_dirs/pipeline_mini/abn2nor/epoch_10.pth'
schedule = '2:2'
max_epochs = 12
pseudo_abnormal_prob = 0.5
image_size = _base_.image_size
generator = dict(type='mmagic.ResnetGenerator', in_channels=1,
                 out_channels=1, base_channels=32, num_blocks=6)

model = dict(
    _delete_=True,
    type='GRANet',
    detector=_base_.model,
    generator=generator,
    generator_checkpoint=abn2nor_checkpoint,
    generator_size=128,
    attention=dict(mode='residual', norm='none'),
    recon_weight=1.0,
    identity_weight=1.0,
    lambda_det=1.0)

meta_keys = _base_.meta_keys + ('gen_target_kind', )
train_pipeline = [
    dict(type='LoadDicomFromFile', load_scale=(image_size, image_size)),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='AffineAlign', affine_file=affine_file),
    dict(type='PseudoPair', mode='abnormal', prob=pseudo_abnormal_prob,
         neighbour_file=pairs_root + 'neighbours.csv',
         data_root=aligned_root),
    dict(type='LoadGeneratorTarget',
         target_root=pairs_root + 'realistic_targets/'),
    dict(type='mmdet.RandomFlip', prob=0.5),
    dict(type='mmdet.PackDetInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='LoadDicomFromFile', load_scale=(image_size, image_size)),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='AffineAlign', affine_file=affine_file),
    dict(type='mmdet.PackDetInputs', meta_keys=_base_.meta_keys),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

train_cfg = dict(_delete_=True, type='AlternatingEpochBasedTrainLoop',
                 schedule=schedule, max_epochs=max_epochs, val_interval=4)
optim_wrapper = dict(
    _delete_=True,
    constructor='mmagic.MultiOptimWrapperConstructor',
    detector=_base_.optim_wrapper,
    generator=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-4, betas=(0.5, 0.999))))
param_scheduler = dict(
    _delete_=True,
    detector=_base_.param_scheduler,
    generator=[dict(type='ConstantLR', factor=1.0, by_epoch=True)])
model_wrapper_cfg = dict(type='mmgranet.DeviceAgnosticSeparateDDP')
