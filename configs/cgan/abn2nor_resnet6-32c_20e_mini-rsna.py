# eq. 3 on mini-RSNA at 128 px with the small generator of the mini eq. 2.
_base_ = './realistic_resnet6-32c_20e_mini-rsna.py'

data_root = 'data/mini-rsna/aligned/'  # the STN-aligned copy
pairs_root = data_root + 'pairs/'
train_dataloader = dict(
    dataset=dict(input_root=data_root,
                 target_root=pairs_root + 'realistic_targets/',
                 normal_root=data_root))
