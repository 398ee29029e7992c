# The second unpaired baseline of the paper's fig. 3: UNIT (Liu et al.
# 2017, shared latent space; mmgranet's implementation from MMagic / mmcv
# blocks) between "Lung Opacity" and "Normal" images of the setting's
# training patients, the cGANs' widths (64 channels, PatchGAN 64).
_base_ = '../cyclegan/cyclegan_resnet9-64c_1xb4-100e_rsna.py'

model = dict(
    _delete_=True,
    type='UNIT',
    domains=('abnormal', 'normal'),
    in_channels=1,
    base_channels=64,
    num_blocks=4,
    loss_weights=dict(gan=1.0, recon=10.0, kl=0.01, cycle=10.0,
                      cycle_kl=0.01))
