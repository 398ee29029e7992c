# Table 1 "+ align" at mini scale: the mini RetinaNet† on STN-aligned
# images (AffineAlign with the affines of tools/align_dataset.py);
# predictions are mapped back to original pixels for the metric.
_base_ = './retinanet-dagger_r18_mini-rsna.py'

scale = (_base_.image_size, _base_.image_size)
affine_file = _base_.data_root + 'aligned/affines.csv'
train_pipeline = [
    dict(type='LoadDicomFromFile', load_scale=scale),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='AffineAlign', affine_file=affine_file),
    dict(type='mmdet.RandomFlip', prob=0.5),
    dict(type='mmdet.PackDetInputs', meta_keys=_base_.meta_keys),
]
test_pipeline = [
    dict(type='LoadDicomFromFile', load_scale=scale),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='AffineAlign', affine_file=affine_file),
    dict(type='mmdet.PackDetInputs', meta_keys=_base_.meta_keys),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
