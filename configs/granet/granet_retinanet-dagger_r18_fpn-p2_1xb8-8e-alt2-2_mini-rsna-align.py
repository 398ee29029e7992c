# Table 1 "+ align + attn" at mini scale: GRANet without pseudo-abnormal
# augmentation.
_base_ = './granet_retinanet-dagger_r18_fpn-p2_1xb8-8e-alt2-2_' \
    'mini-rsna-align-syn.py'

train_pipeline = [
    t for t in _base_.granet_train_pipeline if t['type'] != 'PseudoPair'
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
