# Radio-realistic pseudo-normal generation (paper eq. 2): G maps I_b(x) to
# a realistic normal image; D (70x70 PatchGAN) sees real Normal images;
# L1(G(I_b), I_b) keeps G near its input. Adam 2e-4, batch 4 (paper 3.2).
# I_b: the setting's pseudo-normal set (tools/stages/make_pseudo_pairs.py
# --split-file, WORK_ROOT/<setting>/pairs/pseudo_normal); the real normals
# are the setting's training patients. Paths from the environment as in
# configs/_base_/datasets/rsna_detection.py.
_base_ = ['../_base_/default_runtime.py']

data_root = '{{$MMGRANET_DATA_ROOT:data/rsna/}}'
setting = '{{$MMGRANET_SETTING:fold0}}'
work_root = '{{$MMGRANET_WORK_ROOT:work_dirs/pipeline_rsna/}}'
artifact_root = work_root + setting + '/'
aligned_root = artifact_root + 'aligned/'
pairs_root = artifact_root + 'pairs/'
targets_root = artifact_root + 'realistic_targets/'
train_split = data_root + f'splits/{setting}_train.txt'
image_size = 256  # the resolution G runs at (see README for its cost)
base_channels = 64
num_blocks = 9
gan_loss = 'vanilla'
l1_weight = 10.0
# G(x) = x + D(x) with D starting at zero: G begins as the identity
# (ResidualGenerator; beyond the paper, whose G is a plain CycleGAN
# generator: False). On mini-RSNA it is what makes |x - G(x)| point at the
# lesions (configs/cgan/README.md). GRANet's config must say the same.
residual_generator = True
# The L1 term with the lesion boxes and the rest of the image at equal
# weight ('boxes'; beyond the paper, whose L1 is a mean over all pixels:
# None). The boxes are ~5 % of a radiograph: with the plain mean a G that
# changes nothing is almost optimal and learns to remove nothing (the
# generator study, configs/cgan/README.md, chose 'boxes' on validation
# patients). The dataset then gives each pair its boxes; GRANet's config
# must say the same (its G phases continue this objective).
recon_balance = 'boxes'

model = dict(
    type='PseudoNormalGAN',
    generator=dict(type='mmagic.ResnetGenerator', in_channels=1,
                   out_channels=1, base_channels=base_channels,
                   num_blocks=num_blocks),
    discriminator=dict(type='mmagic.PatchDiscriminator', in_channels=1,
                       base_channels=64, num_conv=3),
    gan_loss=gan_loss,
    l1_weight=l1_weight,
    identity_weight=0.0,
    recon_balance=recon_balance,
    residual=residual_generator)

train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='CGANPairDataset',
        input_root=pairs_root + 'pseudo_normal/',
        target_root=pairs_root + 'pseudo_normal/',
        normal_root=aligned_root,
        split_file=train_split,
        size=image_size,
        box_mask=recon_balance is not None))

max_epochs = 100
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
optim_wrapper = dict(
    constructor='mmagic.MultiOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))),
    discriminator=dict(
        optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))))
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=2))
