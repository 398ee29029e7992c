import warnings

import cv2
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import BaseDataElement

from mmgranet.fileio import InputError
from mmgranet.registry import MODELS


def blob_image(cx, cy, size=64):
    img = np.zeros((size, size), np.float32)
    cv2.circle(img, (cx, cy), 9, 1.0, -1)
    cv2.rectangle(img, (8, 8), (20, 50), 0.6, -1)
    return (cv2.GaussianBlur(img, (0, 0), 2) * 255).astype(np.uint8)


def build(reference, **kwargs):
    init_default_scope('mmgranet')
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        model = MODELS.build(dict(type='STNAligner', reference=reference,
                                  input_size=64, **kwargs))
    model.init_weights()
    return model, w


def test_identity_at_initialisation_and_warning_without_vgg():
    model, caught = build(blob_image(32, 32))
    assert any('no VGG16 weights' in str(w.message) for w in caught)
    x = torch.as_tensor(blob_image(40, 30))[None, None].repeat(2, 3, 1, 1)
    theta = model(x, mode='tensor')
    torch.testing.assert_close(theta, torch.eye(2, 3).expand(2, 2, 3))
    warped, _ = model.warp(model._prepare(x))
    torch.testing.assert_close(warped, model._prepare(x), atol=1e-5,
                               rtol=0)


def test_one_training_step_lowers_the_loss():
    torch.manual_seed(0)
    model, _ = build(blob_image(32, 32), perceptual=dict(weight=0.1))
    x = torch.as_tensor(blob_image(38, 28))[None, None].repeat(4, 3, 1, 1)
    optim = torch.optim.Adam(
        [p for p in model.parameters() if p.requires_grad], lr=1e-3)
    model.train()

    def total():
        return sum(model(x, mode='loss').values())

    before = total()
    optim.zero_grad()
    before.backward()
    optim.step()
    with torch.no_grad():
        after = total()
    assert after < before


def test_predict_gives_a_pixel_affine_in_original_pixels():
    model, _ = build(blob_image(32, 32))
    x = torch.as_tensor(blob_image(32, 32))[None, None]
    sample = BaseDataElement(metainfo=dict(ori_shape=(1024, 1024),
                                           patient_id='p'))
    out = model(x, [sample], mode='predict')[0]
    np.testing.assert_allclose(out['align_matrix'], np.eye(2, 3), atol=1e-9)
    assert out['patient_id'] == 'p' and out['warped'].shape == (64, 64)


def test_bounds_limit_the_transform():
    model, _ = build(blob_image(32, 32), perceptual=dict(weight=0.0))
    theta = model.theta(torch.full((1, 6), 50.0))[0]
    # translation at most 2 * 0.25 in normalised units, scale at most 1.3
    assert theta[:, 2].abs().max() <= 0.5 + 1e-6
    assert torch.linalg.det(theta[:, :2]).abs() <= 1.3**2 * 1.2 + 1e-6


def test_vgg_weights_file(tmp_path):
    from torchvision.models import vgg16
    path = tmp_path / 'vgg16.pth'
    state = vgg16(weights=None).state_dict()
    torch.save(state, path)
    model, caught = build(blob_image(32, 32),
                          perceptual=dict(vgg_weights=str(path)))
    assert not any('no VGG16 weights' in str(w.message) for w in caught)
    loaded = model.vgg.slices[0][0].weight
    assert torch.equal(loaded, state['features.0.weight'])
    with pytest.raises(InputError, match='VGG16 weights not found'):
        build(blob_image(32, 32),
              perceptual=dict(vgg_weights=str(tmp_path / 'none.pth')))
    # a prefixed (wrapped) file loads nothing: an error, not zero tensors
    torch.save({f'backbone.{k}': v for k, v in state.items()},
               tmp_path / 'prefixed.pth')
    with pytest.raises(InputError, match='0 of the 14 VGG16 tensors'):
        build(blob_image(32, 32), perceptual=dict(
            vgg_weights=str(tmp_path / 'prefixed.pth')))
    (tmp_path / 'bad.pth').write_bytes(b'not a checkpoint')
    with pytest.raises(InputError, match='not a readable state dict'):
        build(blob_image(32, 32), perceptual=dict(
            vgg_weights=str(tmp_path / 'bad.pth')))


def test_reference_of_another_size_or_channel_count_is_converted(tmp_path):
    ref = np.dstack([blob_image(50, 50, size=100)] * 3)
    model, _ = build(ref, perceptual=dict(weight=0.0))
    assert model.reference.shape == (1, 1, 64, 64)
    assert 0 <= float(model.reference.min()) and \
        float(model.reference.max()) <= 1
    path = str(tmp_path / 'ref.png')
    cv2.imwrite(path, ref)
    model, _ = build(path, perceptual=dict(weight=0.0))
    assert model.reference.shape == (1, 1, 64, 64)
    with pytest.raises(FileNotFoundError, match='cannot read'):
        build(str(tmp_path / 'none.png'))
