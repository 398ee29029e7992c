# Abn2Nor, the generator GRANet uses (paper eq. 3): G maps the abnormal
# image x to G_realistic(I_b(x)) (L1), against real Normal images (D).
# Targets: tools/stages/make_realistic_targets.py with the setting's eq. 2
# model
# (WORK_ROOT/<setting>/realistic_targets).
_base_ = ['./realistic_resnet9-64c_1xb4-100e_rsna.py']

# > 0 adds L1(G(y), y) on the real normals: GRANet wants G to be the
# identity on normal images (not in the paper's eq. 3)
identity_weight = 1.0

model = dict(identity_weight=identity_weight)
train_dataloader = dict(
    dataset=dict(input_root=_base_.aligned_root,
                 target_root=_base_.targets_root))
