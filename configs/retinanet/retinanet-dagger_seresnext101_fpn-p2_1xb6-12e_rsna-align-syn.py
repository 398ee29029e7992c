# RetinaNet† + align + syn (table 1): aligned images with pseudo-abnormal
# augmentation (a normal training image gets the lesions of one of its
# nearest "Lung Opacity" training patients pasted and blended, p = 0.5).
_base_ = './retinanet-dagger_seresnext101_fpn-p2_1xb6-12e_rsna-align.py'

train_dataloader = dict(
    dataset=dict(pipeline=_base_.align_syn_train_pipeline))
