# The mini-RSNA baseline on aligned images ("+ align", table 1): each image
# is warped with its STN affine (tools/align_dataset.py writes
# affines.csv) after loading; the metric and the submission writer map the
# predictions back with the inverse, so scores stay in original pixels.
_base_ = './retinanet_r18_fpn_1x_mini-rsna.py'

scale = (_base_.image_size, _base_.image_size)
affine_file = _base_.data_root + 'aligned/affines.csv'
meta_keys = _base_.meta_keys
train_pipeline = [
    dict(type='LoadDicomFromFile', load_scale=scale),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='AffineAlign', affine_file=affine_file),
    dict(type='mmdet.RandomFlip', prob=0.5),
    dict(type='mmdet.PackDetInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='LoadDicomFromFile', load_scale=scale),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='AffineAlign', affine_file=affine_file),
    dict(type='mmdet.PackDetInputs', meta_keys=meta_keys),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
