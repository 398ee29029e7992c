# RetinaNet† + align (table 1): images warped onto the reference by their
# STN affine (the setting's aligned/affines.csv); metric and submission
# map predictions back to original pixels.
_base_ = './retinanet-dagger_seresnext101_fpn-p2_1xb6-12e_rsna.py'

train_dataloader = dict(dataset=dict(pipeline=_base_.align_train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.align_test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=_base_.align_test_pipeline))
