"""--amp for every config: one optimizer or a dict of them, GRANet's joint
phase included; on the CPU autocast runs in bfloat16 (the plumbing a GPU
run uses with float16)."""
import os.path as osp

import torch
from conftest import MINI_GRANET, REPO_ROOT
from mmengine import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

from mmgranet.engine.optimizers import AmpOptimWrapper, enable_amp
from mmgranet.registry import MODELS
from mmgranet.testing import demo_det_inputs

CGAN = osp.join(REPO_ROOT, 'configs', 'cgan',
                'abn2nor_resnet6-32c_1xb4-10e_mini-rsna.py')


def conv_dtypes(module):
    """dtypes the convolutions of ``module`` compute in, recorded."""
    seen = set()
    for m in module.modules():
        if isinstance(m, torch.nn.Conv2d):
            m.register_forward_hook(
                lambda mod, inp, out: seen.add(out.dtype))
    return seen


def test_granet_trains_under_amp_in_every_phase(pipeline_env):
    init_default_scope('mmgranet')
    cfg = Config.fromfile(MINI_GRANET)
    enable_amp(cfg)
    model = MODELS.build(cfg.model)
    model.detector.init_weights()
    model.generator.init_weights()
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    assert all(isinstance(optim[k], AmpOptimWrapper)
               for k in ('detector', 'generator'))
    dtypes = conv_dtypes(model)
    torch.manual_seed(0)
    packed = demo_det_inputs([(4, 64, 64), (4, 64, 64)], num_boxes=[2, 0])
    for sample, kind in zip(packed['data_samples'], ('pseudo', 'identity')):
        sample.set_metainfo(dict(gen_target_kind=kind, image_label=1))
    for phase in ('detector', 'generator', 'joint'):
        model.set_phase(phase)
        model.train()
        before = {n: p.clone() for n, p in model.named_parameters()}
        log = model.train_step(dict(packed), optim)
        assert all(torch.isfinite(v) for v in log.values()), (phase, log)
        moved = {n.split('.')[0] for n, p in model.named_parameters()
                 if not torch.equal(before[n], p)}
        assert moved == {'detector': {'detector'}, 'generator':
                         {'generator'}, 'joint': {'detector', 'generator'}
                         }[phase], (phase, moved)
    assert torch.bfloat16 in dtypes  # autocast was on


def test_cgan_trains_under_amp():
    init_default_scope('mmgranet')
    cfg = Config.fromfile(CGAN)
    enable_amp(cfg)
    model = MODELS.build(cfg.model)
    model.init_weights()
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    assert isinstance(optim['generator'], AmpOptimWrapper)
    dtypes = conv_dtypes(model.discriminator)
    gen = torch.Generator().manual_seed(0)
    imgs = [torch.randint(0, 256, (2, 1, 64, 64), generator=gen,
                          dtype=torch.uint8) for _ in range(3)]
    g0 = [p.clone() for p in model.generator.parameters()]
    mask = torch.zeros(2, 1, 64, 64, dtype=torch.uint8)  # the pairs' boxes
    mask[:, :, 10:30, 12:40] = 255  # (the configs' box-balanced L1)
    log = model.train_step(
        dict(inputs=dict(input=imgs[0], target=imgs[1], real=imgs[2],
                         mask=mask)), optim)
    assert all(torch.isfinite(v) for v in log.values())
    assert any(not torch.equal(a, b)
               for a, b in zip(g0, model.generator.parameters()))
    assert torch.bfloat16 in dtypes
    # the scaler state travels with checkpoints
    assert 'loss_scaler' in optim['generator'].state_dict()
