# Table 1 "+ align + syn" at mini scale: aligned images and pseudo-abnormal
# augmentation (p = 0.5), no attention.
_base_ = './retinanet-dagger_r18_align_mini-rsna.py'

scale = (_base_.image_size, _base_.image_size)
pairs_root = _base_.data_root + 'aligned/pairs/'
train_pipeline = [
    dict(type='LoadDicomFromFile', load_scale=scale),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='AffineAlign', affine_file=_base_.affine_file),
    dict(type='PseudoPair', mode='abnormal', prob=0.5,
         neighbour_file=pairs_root + 'neighbours.csv',
         data_root=_base_.data_root + 'aligned/'),
    dict(type='mmdet.RandomFlip', prob=0.5),
    dict(type='mmdet.PackDetInputs', meta_keys=_base_.meta_keys),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
