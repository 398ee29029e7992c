# Table 1 "+ align + attn": GRANet without pseudo-abnormal augmentation.
_base_ = './granet_retinanet-dagger_seresnext101_fpn-p2_1xb6-12e-alt2-2_' \
    'rsna-align-syn.py'

train_pipeline = [
    t for t in _base_.granet_train_pipeline if t['type'] != 'PseudoPair'
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
