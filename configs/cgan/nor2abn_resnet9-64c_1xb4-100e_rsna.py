# GRANet's other direction (paper 2.3, fig. 3): the eq. 3 cGAN structure
# from a lesion-free image to its pseudo-abnormal version (the nearest
# "Lung Opacity" training patient's lesions pasted and blended,
# tools/stages/make_pseudo_pairs.py), told where to put them: the input is the
# image plus a mask of the boxes asked for. D sees real "Lung Opacity"
# images. MMagic's CycleGAN generator and PatchGAN, as the other cGANs.
_base_ = ['./realistic_resnet9-64c_1xb4-100e_rsna.py']

# the inputs have no lesions: the plain L1 (box balance is Abn2Nor's)
model = dict(generator=dict(in_channels=2), recon_balance=None)
train_dataloader = dict(
    dataset=dict(box_mask=False, input_root=_base_.aligned_root,
                 target_root=_base_.pairs_root + 'pseudo_abnormal/',
                 normal_root=_base_.aligned_root, real_class=1,
                 input_from_provenance=True, region_mask=True))
