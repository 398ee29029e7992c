# Runtime shared by every mmgranet config.
# Unprefixed types resolve in mmgranet, then mmengine/mmcv; other packages'
# types carry their scope (mmdet.RetinaHead, mmagic.ResnetGenerator).
default_scope = 'mmgranet'
custom_imports = dict(imports=['mmgranet'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # tools/test.py --show-dir; reads DICOM (mmdet's hook cannot), draws in
    # original pixels, adds GRANet's G(x) and residual panels
    visualization=dict(type='RSNAVisualizationHook'))

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # without CUDA, tools/train.py starts a gloo group before the Runner
    dist_cfg=dict(backend='nccl'),
)
# DDP that also runs on CPU-only machines (mmengine passes device_ids,
# which PyTorch rejects for CPU modules).
model_wrapper_cfg = dict(
    # prefixed: the Runner looks the wrapper up in mmengine's root registry
    type='mmgranet.DeviceAgnosticDDP',
    broadcast_buffers=False,
    find_unused_parameters=False)

# tools/train.py --tensorboard adds dict(type='TensorboardVisBackend')
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='mmdet.DetLocalVisualizer', vis_backends=vis_backends,
    name='visualizer')
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=True)

log_level = 'INFO'
load_from = None
resume = False
