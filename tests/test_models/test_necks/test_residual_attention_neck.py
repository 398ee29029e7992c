"""The residual attention neck's maths and variants."""

import pytest
import torch

from mmgranet.models.necks import (apply_attention, normalise_attention,
                                   resize_attention)


def test_attention_maths():
    a = torch.rand(2, 1, 32, 32)
    assert torch.allclose(normalise_attention(a, 'max').flatten(1).amax(1),
                          torch.ones(2), atol=1e-5)
    assert torch.allclose(normalise_attention(a, 'mean').flatten(1).mean(1),
                          torch.ones(2), atol=1e-4)
    assert normalise_attention(a, 'none') is a
    # area resizing keeps the mean (every pixel counts once)
    small = resize_attention(a, (8, 8))
    assert small.shape == (2, 1, 8, 8)
    assert torch.allclose(small.mean(), a.mean(), atol=1e-6)
    f = [torch.randn(2, 4, 16, 16), torch.randn(2, 4, 4, 4)]
    res = apply_attention(f, torch.zeros(2, 1, 32, 32), 'residual')
    assert all(torch.equal(x, y) for x, y in zip(f, res))
    mul = apply_attention(f, torch.full((2, 1, 32, 32), 0.5), 'multiply')
    assert all(torch.allclose(x * 0.5, y) for x, y in zip(f, mul))
    with pytest.raises(ValueError, match='mode'):
        apply_attention(f, a, 'add')
    with pytest.raises(ValueError, match='norm'):
        normalise_attention(a, 'softmax')


def build_neck(**kwargs):
    from mmengine.registry import init_default_scope

    from mmgranet.registry import MODELS
    init_default_scope('mmgranet')
    return MODELS.build(dict(
        type='ResidualAttentionNeck',
        neck=dict(type='mmdet.FPN', in_channels=[8, 16], out_channels=8,
                  num_outs=3), **kwargs))


def test_learnable_gamma_per_level():
    neck = build_neck(learnable_gamma=True, gamma_init=2.0)
    assert len(neck.gamma) == 3
    assert all(float(g) == 2.0 for g in neck.gamma)
    feats = [torch.randn(1, 8, 16, 16), torch.randn(1, 16, 8, 8)]
    plain = neck(feats)
    a = torch.zeros(1, 1, 32, 32)
    a[..., :16, :16] = 0.5
    with neck.attending(a):
        weighted = neck(feats)
    # F * (1 + gamma A): doubled where A = 0.5, gamma = 2
    top = weighted[0][..., :8, :8] / plain[0][..., :8, :8]
    assert torch.allclose(top, torch.full_like(top, 2.0), atol=1e-4)
    assert torch.allclose(weighted[0][..., 8:, 8:], plain[0][..., 8:, 8:])
    # gamma learns: it gets a gradient
    weighted[0].sum().backward()
    assert neck.gamma[0].grad is not None
    with pytest.raises(ValueError, match="mode must be 'residual'"):
        build_neck(learnable_gamma=True, mode='multiply')
