# Abn2Nor, the generator GRANet uses (paper eq. 3): G maps the abnormal
# image x to G_realistic(I_b(x)) (L1), against real Normal images (D).
# Targets: tools/make_realistic_targets.py with a trained eq. 2 model.
_base_ = ['./realistic_resnet9_100e_rsna.py']

# the STN-aligned copy of RSNA (tools/align_dataset.py): pairs and cGANs
# work on aligned images (paper 2.2); GRANet aligns online with its affines
data_root = 'data/rsna/aligned/'
pairs_root = data_root + 'pairs/'
# > 0 adds L1(G(y), y) on the real normals: GRANet wants G to be the
# identity on normal images (not in the paper's eq. 3)
identity_weight = 0.0

model = dict(identity_weight=identity_weight)
train_dataloader = dict(
    dataset=dict(input_root=data_root,
                 target_root=pairs_root + 'realistic_targets/',
                 normal_root=data_root))
