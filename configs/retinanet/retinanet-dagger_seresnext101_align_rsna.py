# RetinaNet† + align (table 1): images warped onto the reference by their
# STN affine (tools/align_dataset.py -> data/rsna/aligned/affines.csv);
# metric and submission map predictions back to original pixels.
_base_ = './retinanet-dagger_seresnext101_rsna.py'

affine_file = _base_.data_root + 'aligned/affines.csv'
train_pipeline = [
    dict(type='LoadDicomFromFile', load_scale=(512, 512),
         cache_dir=_base_.cache_dir),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='AffineAlign', affine_file=affine_file),
    dict(type='mmdet.RandomFlip', prob=0.5),
    dict(type='mmdet.PackDetInputs', meta_keys=_base_.meta_keys),
]
test_pipeline = [
    dict(type='LoadDicomFromFile', load_scale=(512, 512),
         cache_dir=_base_.cache_dir),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='AffineAlign', affine_file=affine_file),
    dict(type='mmdet.PackDetInputs', meta_keys=_base_.meta_keys),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
