import cv2
import numpy as np
import pytest
import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint, save_checkpoint

from mmgranet.registry import MODELS


def build(**kwargs):
    init_default_scope('mmgranet')
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='PseudoNormalGAN',
        generator=dict(type='mmagic.ResnetGenerator', in_channels=1,
                       out_channels=1, base_channels=8, num_blocks=2),
        discriminator=dict(type='mmagic.PatchDiscriminator', in_channels=1,
                           base_channels=8, num_conv=2),
        **kwargs))
    model.init_weights()
    return model


def optimizers(model, lr=2e-4):
    return OptimWrapperDict(
        generator=OptimWrapper(torch.optim.Adam(
            model.generator.parameters(), lr=lr, betas=(0.5, 0.999))),
        discriminator=OptimWrapper(torch.optim.Adam(
            model.discriminator.parameters(), lr=lr, betas=(0.5, 0.999))))


def images(n, seed, size=32):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        img = np.full((size, size), 60, np.uint8)
        cx, cy = rng.integers(8, size - 8, 2)
        cv2.circle(img, (int(cx), int(cy)), 6, 200, -1)
        out.append(cv2.GaussianBlur(img, (0, 0), 1.5))
    return torch.as_tensor(np.stack(out))[:, None]


def batch(seed=0):
    x = images(4, seed)
    return dict(inputs=dict(input=x, target=images(4, seed + 1),
                            real=images(4, seed + 2)))


@pytest.mark.parametrize('gan_loss', ['vanilla', 'lsgan'])
def test_shapes_and_finite_losses(gan_loss):
    model = build(gan_loss=gan_loss, identity_weight=1.0)
    out = model(images(2, 0), mode='tensor')
    assert out.shape == (2, 1, 32, 32) and out.abs().max() <= 1
    pred = model(images(2, 0), mode='predict')
    assert pred.dtype == torch.uint8 and pred.shape == (2, 1, 32, 32)
    log = model.train_step(batch(), optimizers(model))
    assert set(log) == {'loss_d', 'loss_g_gan', 'loss_l1', 'loss_g',
                        'loss_identity'}
    assert all(torch.isfinite(v) for v in log.values())


def test_one_step_changes_both_networks():
    model = build()
    g0 = [p.clone() for p in model.generator.parameters()]
    d0 = [p.clone() for p in model.discriminator.parameters()]
    model.train_step(batch(), optimizers(model))
    assert any(not torch.equal(a, b)
               for a, b in zip(g0, model.generator.parameters()))
    assert any(not torch.equal(a, b)
               for a, b in zip(d0, model.discriminator.parameters()))
    assert all(p.requires_grad for p in model.discriminator.parameters())


def test_short_fit_on_normals_is_near_identity():
    model = build(l1_weight=10.0, identity_weight=10.0)
    optim = optimizers(model, lr=2e-3)
    y = images(8, 5)
    before = (model(y).detach() - model.to_model_range(y)).abs().mean()
    for step in range(60):
        model.train_step(dict(inputs=dict(input=y, target=y, real=y)), optim)
    after = (model(y).detach() - model.to_model_range(y)).abs().mean()
    assert after < 0.1 < before  # mean |G(y) - y| in [-1, 1] units
    held_out = images(4, 99)
    err = (model(held_out).detach() -
           model.to_model_range(held_out)).abs().mean()
    assert err < 0.15


def test_checkpoint_round_trip(tmp_path):
    model = build()
    model.train_step(batch(), optimizers(model))
    path = str(tmp_path / 'gan.pth')
    save_checkpoint(model.state_dict(), path)
    other = build()
    load_checkpoint(other, path, map_location='cpu')
    x = images(2, 3)
    torch.testing.assert_close(model(x), other(x))


def test_bad_loss_name():
    with pytest.raises(ValueError, match='gan_loss'):
        build(gan_loss='wgan')


def test_box_balanced_reconstruction():
    """recon_balance='boxes': an error confined to the boxes (here 1/16 of
    the image) weighs half the loss instead of 1/16 of it; an image
    without boxes keeps the plain mean."""
    model = build(recon_balance='boxes')
    fake = torch.zeros(2, 1, 16, 16)
    target = torch.zeros(2, 1, 16, 16)
    target[:, :, :4, :4] = 1.0  # the error: inside the boxes only
    mask = torch.zeros(2, 1, 16, 16, dtype=torch.uint8)
    mask[0, :, :4, :4] = 255  # image 1 has the boxes, image 2 none
    loss = model.reconstruction(fake, target, mask)
    plain = (fake - target).abs().mean()
    assert torch.isclose(plain, torch.tensor(1 / 16))
    assert torch.isclose(loss, torch.tensor((0.5 + 1 / 16) / 2))
    assert torch.isclose(build().reconstruction(fake, target, None), plain)
    with pytest.raises(ValueError, match='needs the lesion boxes'):
        model.reconstruction(fake, target, None)
    with pytest.raises(ValueError, match='recon_balance'):
        build(recon_balance='pixels')


def test_train_step_with_box_masks_and_no_adversarial_term():
    model = build(recon_balance='boxes', adversarial_weight=0.0)
    data = batch()
    data['inputs']['mask'] = (data['inputs']['input'] > 128).to(
        torch.uint8) * 255
    log = model.train_step(data, optimizers(model))
    assert log['loss_g_gan'] == 0 and log['loss_d'] > 0
    assert torch.isclose(log['loss_g'], log['loss_l1'])
