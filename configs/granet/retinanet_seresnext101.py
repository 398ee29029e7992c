# GRANet, the full method (paper table 1, last row): RetinaNet† whose
# pyramid features are weighted by |x - G(x)| (G: the Abn2Nor generator,
# eq. 3), on STN-aligned images, with pseudo-abnormal augmentation, trained
# with the alternating 2:2 schedule (table 3's best). RSNA in data/rsna.
#
# Stages this config reads (see README "The pipeline on RSNA"):
#   data/rsna/aligned/                  tools/align_dataset.py (+affines.csv)
#   data/rsna/aligned/pairs/            tools/make_pseudo_pairs.py
#   .../pairs/realistic_targets/        tools/make_realistic_targets.py
#   abn2nor_checkpoint                  configs/cgan/abn2nor_resnet9_100e_rsna
_base_ = '../retinanet/retinanet-dagger_seresnext101_rsna.py'

aligned_root = _base_.data_root + 'aligned/'
pairs_root = aligned_root + 'pairs/'
affine_file = aligned_root + 'affines.csv'
# tools/run_pipeline.py --preset rsna, stage abn2nor
abn2nor_checkpoint = 'work_dirs/pipeline_rsna/abn2nor/epoch_100.pth'
schedule = '2:2'
max_epochs = 12
pseudo_abnormal_prob = 0.5
# G's architecture must match the Abn2Nor checkpoint; G runs at 256 px
# (README: GRANet's inference cost vs the plain detector)
generator = dict(type='mmagic.ResnetGenerator', in_channels=1,
                 out_channels=1, base_channels=64, num_blocks=9)
generator_size = 256

model = dict(
    _delete_=True,
    type='GRANet',
    detector=_base_.model,
    generator=generator,
    generator_checkpoint=abn2nor_checkpoint,
    generator_size=generator_size,
    attention=dict(mode='residual', norm='none'),
    recon_weight=1.0,
    identity_weight=1.0,
    lambda_det=1.0)

meta_keys = _base_.meta_keys + ('gen_target_kind', )
train_pipeline = [
    dict(type='LoadDicomFromFile', load_scale=(512, 512),
         cache_dir=_base_.cache_dir),
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
    dict(type='LoadDicomFromFile', load_scale=(512, 512),
         cache_dir=_base_.cache_dir),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='AffineAlign', affine_file=affine_file),
    dict(type='mmdet.PackDetInputs', meta_keys=_base_.meta_keys),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

train_cfg = dict(_delete_=True, type='AlternatingEpochBasedTrainLoop',
                 schedule=schedule, max_epochs=max_epochs, val_interval=1)
# the detector keeps RetinaNet's SGD; G fine-tunes with the cGANs' Adam
optim_wrapper = dict(
    _delete_=True,
    constructor='mmagic.MultiOptimWrapperConstructor',
    detector=dict(
        type='OptimWrapper',
        optimizer=dict(type='SGD', lr=0.005, momentum=0.9,
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
# one DDP per subnet: a frozen subnet is simply not synchronised
model_wrapper_cfg = dict(type='mmgranet.DeviceAgnosticSeparateDDP')
