# The mini GRANet with eq. 3's adversarial term in G's phase: the Abn2Nor
# PatchGAN continues from its checkpoint, the batch's lesion-free images as
# reals against G's pseudo-normals (the paper's eq. 3 has the term; the
# default loop fine-tunes G with L1 + the detection loss only). A knob of
# configs/cgan/README.md's generator study.
_base_ = './granet_retinanet-dagger_r18_fpn-p2_1xb8-8e-alt2-2_' \
    'mini-rsna-align-syn.py'

adversarial_weight = 1.0
model = dict(
    discriminator=dict(type='mmagic.PatchDiscriminator', in_channels=1,
                       base_channels=32, num_conv=3),
    adversarial_weight=adversarial_weight)
optim_wrapper = dict(
    discriminator=dict(type='OptimWrapper',
                       optimizer=dict(type='Adam', lr=_base_.generator_lr,
                                      betas=(0.5, 0.999))))
param_scheduler = dict(
    discriminator=[dict(type='ConstantLR', factor=1.0, by_epoch=True)])
