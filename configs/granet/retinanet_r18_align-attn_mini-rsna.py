# Table 1 "+ align + attn" at mini scale: GRANet without pseudo-abnormal
# augmentation.
_base_ = './retinanet_r18_mini-rsna.py'

pseudo_abnormal_prob = 0.0
train_pipeline = [
    t for t in _base_.train_pipeline if t['type'] != 'PseudoPair'
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
