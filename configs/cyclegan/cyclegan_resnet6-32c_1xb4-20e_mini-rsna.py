# CycleGAN on mini-RSNA at 128 px with the mini cGANs' sizes (32 channels,
# 6 blocks).
_base_ = './cyclegan_resnet9-64c_1xb4-100e_rsna.py'

data_root = '{{$MMGRANET_DATA_ROOT:data/mini-rsna/}}'
setting = '{{$MMGRANET_SETTING:fold0}}'
work_root = '{{$MMGRANET_WORK_ROOT:work_dirs/pipeline_mini/}}'
aligned_root = work_root + setting + '/aligned/'
train_split = data_root + f'splits/{setting}_train.txt'
model = dict(generator=dict(base_channels=32, num_blocks=6),
             discriminator=dict(base_channels=32))
train_dataloader = dict(
    num_workers=2,
    dataset=dict(data_root=aligned_root, split_file=train_split, size=128))
max_epochs = 20
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs),
                     logger=dict(interval=10))
