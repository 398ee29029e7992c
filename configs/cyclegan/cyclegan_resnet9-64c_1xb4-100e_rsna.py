# The unpaired baseline of the paper's fig. 3: MMagic's CycleGAN between
# "Lung Opacity" (abnormal) and "Normal" images of the setting's training
# patients (the aligned copy, as the cGANs see it), with the cGANs'
# generator and PatchGAN sizes; both directions in one model
# (tools/experiments/generation_comparison.py). Paths from the environment as
# in configs/_base_/datasets/rsna_detection.py.
_base_ = ['../_base_/default_runtime.py']

data_root = '{{$MMGRANET_DATA_ROOT:data/rsna/}}'
setting = '{{$MMGRANET_SETTING:fold0}}'
work_root = '{{$MMGRANET_WORK_ROOT:work_dirs/pipeline_rsna/}}'
aligned_root = work_root + setting + '/aligned/'
train_split = data_root + f'splits/{setting}_train.txt'
image_size = 256
base_channels = 64
num_blocks = 9

model = dict(
    type='CycleGAN',
    data_preprocessor=dict(type='mmagic.DataPreprocessor'),
    generator=dict(type='mmagic.ResnetGenerator', in_channels=1,
                   out_channels=1, base_channels=base_channels,
                   num_blocks=num_blocks),
    discriminator=dict(type='mmagic.PatchDiscriminator', in_channels=1,
                       base_channels=base_channels, num_conv=3),
    default_domain='normal',
    reachable_domains=['normal', 'abnormal'],
    related_domains=['normal', 'abnormal'],
    loss_config=dict(cycle_loss_weight=10.0, id_loss_weight=0.5))

train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='UnpairedCXRDataset', data_root=aligned_root,
                 split_file=train_split, size=image_size))

max_epochs = 100
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
optim_wrapper = dict(
    constructor='mmagic.MultiOptimWrapperConstructor',
    generators=dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))),
    discriminators=dict(
        optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))))
default_hooks = dict(checkpoint=dict(interval=max_epochs))
