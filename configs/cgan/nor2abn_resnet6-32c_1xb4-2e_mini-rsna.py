# normal -> abnormal on mini-RSNA at 128 px with the mini cGANs' sizes.
# Every normal training image is an input (~10x the abnormal pairs), so 2
# epochs give about as many generator updates (262 at batch 4) as CycleGAN's
# and UNIT's 20 epochs on the unpaired set (260): the generation comparison
# trains every method for the same number of steps.
_base_ = './realistic_resnet6-32c_1xb4-8e_mini-rsna.py'

# the inputs have no lesions: the plain L1 (box balance is Abn2Nor's)
model = dict(generator=dict(in_channels=2), recon_balance=None)
train_dataloader = dict(
    dataset=dict(box_mask=False, input_root=_base_.aligned_root,
                 target_root=_base_.pairs_root + 'pseudo_abnormal/',
                 normal_root=_base_.aligned_root, real_class=1,
                 input_from_provenance=True, region_mask=True))
max_epochs = 2
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs))
