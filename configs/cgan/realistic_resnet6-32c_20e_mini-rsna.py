# eq. 2 on mini-RSNA at 128 px with a small generator (32 channels, 6
# blocks): minutes on 2 CPU cores.
_base_ = './realistic_resnet9_100e_rsna.py'

data_root = 'data/mini-rsna/aligned/'  # the STN-aligned copy
pairs_root = data_root + 'pairs/'
image_size = 128
model = dict(generator=dict(base_channels=32, num_blocks=6),
             discriminator=dict(base_channels=32))
train_dataloader = dict(
    num_workers=2,
    dataset=dict(input_root=pairs_root + 'pseudo_normal/',
                 target_root=pairs_root + 'pseudo_normal/',
                 normal_root=data_root, size=image_size))
max_epochs = 20
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(checkpoint=dict(interval=5), logger=dict(interval=10))
