# Table 1 "+ align" at mini scale: the mini RetinaNet† on STN-aligned
# images; predictions are mapped back to original pixels for the metric.
_base_ = './retinanet-dagger_r18_fpn-p2_1xb8-8e_mini-rsna.py'

train_dataloader = dict(dataset=dict(pipeline=_base_.align_train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.align_test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=_base_.align_test_pipeline))
