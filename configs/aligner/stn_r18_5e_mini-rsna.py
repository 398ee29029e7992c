# The STN aligner on mini-RSNA at 64 px (its VGG loss dominates the time at
# 128): trains on 2 CPU cores in a few minutes.
_base_ = './stn_r18_20e_rsna.py'

data_root = '{{$MMGRANET_DATA_ROOT:data/mini-rsna/}}'
setting = '{{$MMGRANET_SETTING:fold0}}'
work_root = '{{$MMGRANET_WORK_ROOT:work_dirs/pipeline_mini/}}'
input_size = 64
# random VGG16 features (offline; the perceptual loss still trains)
model = dict(reference=work_root + setting + '/reference.png',
             input_size=input_size, perceptual=dict(vgg_weights=None))
pipeline = [
    dict(type='LoadDicomFromFile', color_type='grayscale',
         load_scale=(input_size, input_size)), _base_.pack
]
train_dataloader = dict(
    num_workers=2,
    dataset=dict(data_root=data_root, pipeline=pipeline))
max_epochs = 5
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True,
         eta_min=1e-6)
]
optim_wrapper = dict(optimizer=dict(lr=3e-4))
default_hooks = dict(logger=dict(interval=10),
                     checkpoint=dict(interval=max_epochs))
