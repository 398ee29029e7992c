# The STN aligner on mini-RSNA at 128 px: trains on 2 CPU cores in minutes.
_base_ = './stn_r18_20e_rsna.py'

data_root = 'data/mini-rsna/'
input_size = 128
model = dict(reference=data_root + 'reference.png', input_size=input_size)
pipeline = [
    dict(type='LoadDicomFromFile', color_type='grayscale',
         load_scale=(input_size, input_size)),
    dict(type='mmdet.PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor', 'patient_id')),
]
train_dataloader = dict(
    num_workers=2,
    dataset=dict(data_root=data_root, pipeline=pipeline))
max_epochs = 10
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True,
         eta_min=1e-6)
]
optim_wrapper = dict(optimizer=dict(lr=3e-4))
default_hooks = dict(logger=dict(interval=10))
