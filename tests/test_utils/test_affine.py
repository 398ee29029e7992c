import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmgranet.utils.affine import (check_affine, compose, invert_affine,
                                   pixel_to_theta, scale_affine,
                                   theta_to_pixel, transform_boxes,
                                   transform_points)


def rotation(angle, scale=1.0, centre=(32, 32), shift=(0, 0)):
    m = cv2.getRotationMatrix2D(centre, angle, scale)
    m[:, 2] += shift
    return m


def test_known_affine_then_inverse_returns_the_boxes():
    boxes = np.array([[10, 12, 30, 40], [5, 5, 9, 60]], float)
    m = rotation(0, 1.1, shift=(3, -4))  # scale + shift: boxes stay boxes
    back = transform_boxes(transform_boxes(boxes, m), invert_affine(m))
    np.testing.assert_allclose(back, boxes, atol=1)


def test_boxes_through_a_rotation_stay_tight():
    box = np.array([[20, 20, 40, 30]], float)
    m = rotation(30)
    out = transform_boxes(box, m)[0]
    corners = transform_points(
        [[20, 20], [40, 20], [20, 30], [40, 30]], m)
    # every transformed corner on or inside, each side touched by one
    assert np.allclose(out, [*corners.min(0), *corners.max(0)])
    # a 90 degree turn of a box is exact
    out = transform_boxes(box, rotation(90, centre=(30, 25)))[0]
    np.testing.assert_allclose(out, [25, 15, 35, 35], atol=1e-9)


def test_clip():
    out = transform_boxes([[0, 0, 10, 10]], rotation(0, shift=(-5, 60)),
                          clip_shape=(64, 64))
    np.testing.assert_allclose(out, [[0, 60, 5, 64]])


@pytest.mark.parametrize('m, message', [
    (np.zeros((2, 3)), 'singular'),
    (np.array([[1, 0, 0], [2, 0, 0]], float), 'singular'),
    (np.array([[1e-3, 0, 0], [0, 1e-3, 0]]), 'degenerate'),
    (np.array([[-1, 0, 0], [0, 1, 0]], float), 'determinant'),
    (np.array([[np.nan, 0, 0], [0, 1, 0]]), 'non-finite'),
])
def test_degenerate_affines_are_refused(m, message):
    with pytest.raises(ValueError, match=message):
        check_affine(m)


def test_theta_and_pixel_affine_agree_with_grid_sample():
    """The pixel affine of theta predicts where grid_sample moves a dot."""
    size = 64
    img = np.zeros((size, size), np.float32)
    img[20, 40] = 1.0
    theta = np.array([[0.9, -0.2, 0.1], [0.15, 1.05, -0.05]])
    t = torch.as_tensor(theta, dtype=torch.float32)[None]
    grid = F.affine_grid(t, [1, 1, size, size], align_corners=False)
    out = F.grid_sample(torch.as_tensor(img)[None, None], grid,
                        align_corners=False)[0, 0].numpy()
    m = theta_to_pixel(theta, (size, size), (size, size))
    expect = transform_points([[40, 20]], m)[0]
    ys, xs = np.nonzero(out > 0.05)
    weights = out[ys, xs]
    centre = [np.average(xs, weights=weights), np.average(ys,
                                                          weights=weights)]
    np.testing.assert_allclose(centre, expect, atol=0.6)
    np.testing.assert_allclose(
        pixel_to_theta(m, (size, size), (size, size)), theta, atol=1e-12)


def test_scale_affine_and_compose():
    m = rotation(10, 1.05, centre=(512, 512), shift=(20, -7))
    small = scale_affine(m, 0.5, 0.5)
    p = np.array([[100.0, 300.0]])
    np.testing.assert_allclose(transform_points(p * 0.5, small),
                               transform_points(p, m) * 0.5)
    np.testing.assert_allclose(compose(m, invert_affine(m)), np.eye(3)[:2],
                               atol=1e-12)
