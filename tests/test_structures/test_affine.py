import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmgranet.structures import (check_affine, compose, invert_affine,
                                 pixel_to_theta, scale_affine, theta_to_pixel,
                                 transform_boxes, transform_boxes_minmax,
                                 transform_points, untransform_boxes)


def rotation(angle, scale=1.0, centre=(32, 32), shift=(0, 0)):
    m = cv2.getRotationMatrix2D(centre, angle, scale)
    m[:, 2] += shift
    return m


def box_iou(a, b):
    lt, rb = np.maximum(a[:, :2], b[:, :2]), np.minimum(a[:, 2:], b[:, 2:])
    inter = np.prod((rb - lt).clip(0), axis=1)
    area = np.prod(a[:, 2:] - a[:, :2], axis=1) + \
        np.prod(b[:, 2:] - b[:, :2], axis=1) - inter
    return inter / area


def test_known_affine_then_inverse_returns_the_boxes():
    boxes = np.array([[10, 12, 30, 40], [5, 5, 9, 60]], float)
    m = rotation(0, 1.1, shift=(3, -4))  # scale + shift: boxes stay boxes
    np.testing.assert_allclose(transform_boxes(boxes, m),
                               transform_boxes_minmax(boxes, m))
    back = untransform_boxes(transform_boxes(boxes, m), m)
    np.testing.assert_allclose(back, boxes, atol=1e-9)


def test_round_trip_over_the_alignment_range():
    """Rotations up to 10 degrees, scales 0.8-1.2, shears up to 0.1, and
    shifts: forward then inverse gives the box back (IoU >= 0.999), where
    the corners' min/max both ways loses up to half of it."""
    rng = np.random.default_rng(0)
    boxes = np.array([[300, 400, 420, 560], [100, 150, 180, 200],
                      [600, 300, 640, 500]], float)
    worst_new, worst_minmax = 1.0, 1.0
    for angle in (-10, -7, -3, 0, 1, 5, 10):
        for scale in (0.8, 1.0, 1.2):
            for shear in (-0.1, 0.0, 0.1):
                m = compose(rotation(angle, scale, centre=(512, 512),
                                     shift=rng.uniform(-80, 80, 2)),
                            np.array([[1, shear, 0], [0, 1, 0]]))
                back = untransform_boxes(transform_boxes(boxes, m), m)
                worst_new = min(worst_new, box_iou(back, boxes).min())
                back = transform_boxes_minmax(
                    transform_boxes_minmax(boxes, m), invert_affine(m))
                worst_minmax = min(worst_minmax, box_iou(back, boxes).min())
    assert worst_new >= 0.999
    assert worst_minmax < 0.6  # what the old mapping did


def test_the_shape_exponent_spans_box_and_ellipse():
    box = np.array([[20, 20, 60, 40]], float)  # half sizes 20, 10
    m = rotation(30, centre=(40, 30))
    np.testing.assert_allclose(transform_boxes(box, m, q=1),
                               transform_boxes_minmax(box, m))
    c, s = np.cos(np.radians(30)), np.sin(np.radians(30))
    ellipse = [np.hypot(20 * c, 10 * s), np.hypot(20 * s, 10 * c)]
    out = transform_boxes(box, m, q=2)[0]
    np.testing.assert_allclose((out[2:] - out[:2]) / 2, ellipse)
    # the default lies between, centred on the moved centre
    out = transform_boxes(box, m)[0]
    half = (out[2:] - out[:2]) / 2
    assert (np.array(ellipse) < half).all()
    assert (half < (transform_boxes_minmax(box, m)[0, 2:] -
                    transform_boxes_minmax(box, m)[0, :2]) / 2).all()
    np.testing.assert_allclose((out[:2] + out[2:]) / 2, [40, 30])


def test_a_box_no_box_maps_onto_keeps_a_size():
    m = rotation(10, centre=(50, 50))
    thin = np.array([[49.5, 0, 50.5, 100]])  # narrower than any image
    out = untransform_boxes(thin, m)[0]
    assert np.isfinite(out).all() and (out[2:] - out[:2] > 0.5).all()


def test_boxes_cannot_cross_a_45_degree_turn():
    with pytest.raises(ValueError, match='near 45 degrees'):
        transform_boxes([[0, 0, 10, 10]], rotation(45))


def test_minmax_boxes_stay_tight_around_the_corners():
    box = np.array([[20, 20, 40, 30]], float)
    m = rotation(30)
    out = transform_boxes_minmax(box, m)[0]
    corners = transform_points(
        [[20, 20], [40, 20], [20, 30], [40, 30]], m)
    assert np.allclose(out, [*corners.min(0), *corners.max(0)])
    # a 90 degree turn of a box is exact
    out = transform_boxes_minmax(box, rotation(90, centre=(30, 25)))[0]
    np.testing.assert_allclose(out, [25, 15, 35, 35], atol=1e-9)


def test_clip():
    for f in (transform_boxes, transform_boxes_minmax):
        out = f([[0, 0, 10, 10]], rotation(0, shift=(-5, 60)),
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
