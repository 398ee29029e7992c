# eq. 2 on mini-RSNA at 128 px with a small generator (32 channels, 6
# blocks): minutes on 2 CPU cores. It only makes eq. 3's targets, so 8
# epochs (README: the quality each knob buys).
_base_ = './realistic_resnet9-64c_1xb4-100e_rsna.py'

data_root = '{{$MMGRANET_DATA_ROOT:data/mini-rsna/}}'
setting = '{{$MMGRANET_SETTING:fold0}}'
work_root = '{{$MMGRANET_WORK_ROOT:work_dirs/pipeline_mini/}}'
artifact_root = work_root + setting + '/'
aligned_root = artifact_root + 'aligned/'
pairs_root = artifact_root + 'pairs/'
targets_root = artifact_root + 'realistic_targets/'
train_split = data_root + f'splits/{setting}_train.txt'
image_size = 128
model = dict(generator=dict(base_channels=32, num_blocks=6),
             discriminator=dict(base_channels=32))
train_dataloader = dict(
    num_workers=2,
    dataset=dict(input_root=pairs_root + 'pseudo_normal/',
                 target_root=pairs_root + 'pseudo_normal/',
                 normal_root=aligned_root, split_file=train_split,
                 size=image_size))
max_epochs = 8
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs),
                     logger=dict(interval=10))
