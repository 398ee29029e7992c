# eq. 3 on mini-RSNA at 128 px with the small generator of the mini eq. 2.
_base_ = './realistic_resnet6-32c_1xb4-8e_mini-rsna.py'

identity_weight = 1.0
model = dict(identity_weight=identity_weight)
train_dataloader = dict(
    dataset=dict(input_root=_base_.aligned_root,
                 target_root=_base_.targets_root))
max_epochs = 10
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs))
