# Table 1 "+ align + syn" at mini scale: aligned images and pseudo-abnormal
# augmentation (p = 0.5), no attention.
_base_ = './retinanet-dagger_r18_fpn-p2_1xb8-8e_mini-rsna-align.py'

train_dataloader = dict(
    dataset=dict(pipeline=_base_.align_syn_train_pipeline))
