# normal -> abnormal on mini-RSNA at 128 px with the mini cGANs' sizes.
_base_ = './realistic_resnet6-32c_1xb4-8e_mini-rsna.py'

model = dict(generator=dict(in_channels=2))
train_dataloader = dict(
    dataset=dict(input_root=_base_.aligned_root,
                 target_root=_base_.pairs_root + 'pseudo_abnormal/',
                 normal_root=_base_.aligned_root, real_class=1,
                 input_from_provenance=True, region_mask=True))
max_epochs = 10
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs))
