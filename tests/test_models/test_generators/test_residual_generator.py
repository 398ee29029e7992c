import pytest
import torch
from mmengine.registry import init_default_scope

from mmgranet.models.generators import (PseudoNormalGAN, ResidualGenerator,
                                        build_generator)

RESNET = dict(type='mmagic.ResnetGenerator', in_channels=1, out_channels=1,
              base_channels=8, num_blocks=1)


def test_starts_as_the_identity_and_learns_a_change():
    init_default_scope('mmgranet')
    torch.manual_seed(0)
    g = ResidualGenerator(RESNET)
    g.init_weights()
    x = torch.rand(2, 1, 32, 32) * 2 - 1
    assert torch.equal(g(x), x)
    # one step towards a target that differs in a patch moves G off the
    # identity there
    target = x.clone()
    target[:, :, 8:16, 8:16] = -1
    opt = torch.optim.Adam(g.parameters(), lr=1e-2)
    for _ in range(5):
        opt.zero_grad()
        loss = (g(x) - target).abs().mean()
        loss.backward()
        opt.step()
    out = g(x).detach()
    assert (out - x).abs()[:, :, 8:16, 8:16].mean() > \
        (out - x).abs()[:, :, 20:, 20:].mean()
    assert out.min() >= -1 and out.max() <= 1


def test_build_and_cgan_knob():
    init_default_scope('mmgranet')
    assert isinstance(build_generator(RESNET, residual=True),
                      ResidualGenerator)
    assert not isinstance(build_generator(RESNET), ResidualGenerator)
    gan = PseudoNormalGAN(RESNET, dict(type='mmagic.PatchDiscriminator',
                                       in_channels=1, base_channels=8,
                                       num_conv=1), residual=True)
    gan.init_weights()
    x = torch.randint(0, 256, (1, 1, 32, 32), dtype=torch.uint8)
    assert torch.equal(gan(x, mode='predict'), x)
    assert any(k.startswith('generator.residual.')
               for k in gan.state_dict())


def test_a_generator_without_layers_is_refused():
    init_default_scope('mmgranet')
    g = ResidualGenerator(RESNET)
    g.residual = torch.nn.Identity()
    with pytest.raises(TypeError, match='no conv or linear layer'):
        g.init_weights()


def test_a_one_sided_change_only_darkens():
    """change='remove': G starts as the identity, can learn to darken a
    patch, and cannot brighten anything."""
    init_default_scope('mmgranet')
    torch.manual_seed(0)
    g = build_generator(RESNET, residual='remove')
    g.init_weights()
    x = torch.rand(2, 1, 32, 32) * 1.6 - 0.8
    assert torch.equal(g(x), x)
    target = x.clone()
    target[:, :, 8:16, 8:16] -= 0.5  # remove brightness here
    target[:, :, 20:28, 20:28] += 0.5  # ask for brightness there
    opt = torch.optim.Adam(g.parameters(), lr=2e-3)
    for _ in range(20):
        opt.zero_grad()
        (g(x) - target).abs().mean().backward()
        opt.step()
    out = g(x).detach()
    assert (out - x)[:, :, 8:16, 8:16].mean() < -0.3  # it learnt removal
    assert (out - x).max() <= 0  # and never brightens
    with pytest.raises(ValueError, match='change must be one of'):
        ResidualGenerator(RESNET, change='add')
