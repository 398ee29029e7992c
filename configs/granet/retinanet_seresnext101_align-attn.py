# Table 1 "+ align + attn": GRANet without pseudo-abnormal augmentation.
_base_ = './retinanet_seresnext101.py'

pseudo_abnormal_prob = 0.0
train_pipeline = [
    t for t in _base_.train_pipeline if t['type'] != 'PseudoPair'
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
