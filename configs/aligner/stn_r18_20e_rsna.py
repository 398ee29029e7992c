# STN aligner (paper 2.2, eq. 1): ResNet18 -> affine, identity at start,
# loss = VGG16 feature reconstruction + L2 to the reference image. It uses
# no labels and trains on every training image; the reference is chosen
# among the setting's training Normal patients
# (tools/stages/propose_reference.py
# --split-file, written to WORK_ROOT/<setting>/reference.png; the paper
# picked one by hand, any image path works). Paths from the environment as
# in configs/_base_/datasets/rsna_detection.py.
_base_ = ['../_base_/default_runtime.py']

data_root = '{{$MMGRANET_DATA_ROOT:data/rsna/}}'
setting = '{{$MMGRANET_SETTING:fold0}}'
work_root = '{{$MMGRANET_WORK_ROOT:work_dirs/pipeline_rsna/}}'
reference = work_root + setting + '/reference.png'
input_size = 256
# torchvision's ImageNet VGG16 state dict (vgg16-397923af.pth, docs/rsna.md;
# torchvision://vgg16 fetches it when online), checked strictly
vgg_weights = 'data/pretrained/vgg16-397923af.pth'

model = dict(
    type='STNAligner',
    reference=reference,
    input_size=input_size,
    perceptual=dict(vgg_weights=vgg_weights, weight=0.1),
    l2_weight=1.0,
    bounds=dict(translation=0.25, rotation=20.0, scale=1.3, shear=0.2))

pack = dict(type='mmdet.PackDetInputs',
            meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                       'scale_factor', 'patient_id'))
pipeline = [
    dict(type='LoadDicomFromFile', color_type='grayscale',
         load_scale=(input_size, input_size)), pack
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='RSNADataset', data_root=data_root, pipeline=pipeline))

max_epochs = 20
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='Adam', lr=1e-4))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True,
         eta_min=1e-6)
]
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=2))
