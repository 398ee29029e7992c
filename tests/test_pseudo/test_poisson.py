import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from mmgranet.pseudo import poisson_blend, poisson_residual

RNG = np.random.default_rng(0)
TARGET = RNG.uniform(0, 255, (40, 50))
SOURCE = RNG.uniform(0, 255, (40, 50))


def reference(target, source, boxes):
    """The discrete Poisson equation assembled pixel by pixel and solved
    with a sparse direct solver."""
    h, w = target.shape
    mask = np.zeros((h, w), bool)
    for x1, y1, x2, y2 in boxes:
        mask[y1:y2, x1:x2] = True
    pixels = list(zip(*np.nonzero(mask)))
    index = {p: i for i, p in enumerate(pixels)}
    a = sp.lil_matrix((len(pixels), len(pixels)))
    b = np.zeros(len(pixels))
    for i, (y, x) in enumerate(pixels):
        for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
            qy, qx = y + dy, x + dx
            if not (0 <= qy < h and 0 <= qx < w):
                continue
            a[i, i] += 1
            b[i] += source[y, x] - source[qy, qx]
            if (qy, qx) in index:
                a[i, index[(qy, qx)]] -= 1
            else:
                b[i] += target[qy, qx]
    out = target.copy()
    out[mask] = spla.spsolve(a.tocsc(), b)
    return out


@pytest.mark.parametrize('boxes', [
    [[10, 8, 30, 30]],  # interior: the DST path
    [[0, 0, 12, 9]],  # a corner on the border
    [[20, 30, 50, 40]],  # bottom-right border
    [[0, 5, 50, 15]],  # spans the width
    [[5, 5, 6, 6]],  # 1 x 1
    [[5, 5, 7, 7]],  # 2 x 2
    [[5, 5, 20, 20], [15, 10, 30, 25]],  # overlapping
    [[5, 5, 15, 15], [15, 5, 25, 15]],  # touching
    [[5, 5, 10, 10], [30, 20, 40, 30]],  # apart
])
def test_exact_against_pixelwise_reference(boxes):
    out = poisson_blend(TARGET, SOURCE, boxes)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, reference(TARGET, SOURCE, boxes),
                               atol=1e-8)
    assert poisson_residual(out, TARGET, SOURCE, boxes) <= 1e-6


def test_pixels_outside_the_boxes_unchanged():
    boxes = [[10, 8, 30, 30], [0, 0, 5, 5]]
    out = poisson_blend(TARGET, SOURCE, boxes)
    mask = np.zeros(TARGET.shape, bool)
    for x1, y1, x2, y2 in boxes:
        mask[y1:y2, x1:x2] = True
    np.testing.assert_array_equal(out[~mask], TARGET[~mask])
    assert not np.allclose(out[mask], TARGET[mask])


def test_blending_an_image_into_itself_returns_it():
    cases = ([[10, 8, 30, 30]], [[0, 0, 50, 20]],
             [[3, 3, 9, 9], [9, 3, 12, 9]])
    for boxes in cases:
        np.testing.assert_allclose(poisson_blend(TARGET, TARGET, boxes),
                                   TARGET, atol=1e-9)


def test_constant_offset_source_keeps_the_target_boundary():
    # the guidance of source + c equals the source's: same result
    out1 = poisson_blend(TARGET, SOURCE, [[10, 8, 30, 30]])
    out2 = poisson_blend(TARGET, SOURCE + 100, [[10, 8, 30, 30]])
    np.testing.assert_allclose(out1, out2, atol=1e-9)


def test_uint8_in_uint8_out():
    t, s = TARGET.astype(np.uint8), SOURCE.astype(np.uint8)
    out = poisson_blend(t, s, [[10, 8, 30, 30]])
    assert out.dtype == np.uint8
    exact = poisson_blend(t.astype(float), s.astype(float), [[10, 8, 30, 30]])
    np.testing.assert_array_equal(out,
                                  np.clip(np.rint(exact), 0, 255))


def test_mixed_gradients_exact_and_keep_strong_target_edges():
    boxes = [[10, 8, 30, 30]]
    out = poisson_blend(TARGET, SOURCE, boxes, mixed=True)
    assert poisson_residual(out, TARGET, SOURCE, boxes, mixed=True) <= 1e-6
    flat = np.full_like(TARGET, 7.0)
    # a flat source has no gradient: mixed keeps the target's own texture
    np.testing.assert_allclose(
        poisson_blend(TARGET, flat, boxes, mixed=True), TARGET, atol=1e-9)


@pytest.mark.parametrize('boxes, message', [
    ([[10, 10, 10, 20]], 'empty'),
    ([[-1, 0, 5, 5]], 'outside'),
    ([[0, 0, 51, 5]], 'outside'),
    ([[0.5, 0, 5, 5]], 'whole pixels'),
    ([[0, 0, 50, 40]], 'no boundary'),
])
def test_bad_boxes(boxes, message):
    with pytest.raises(ValueError, match=message):
        poisson_blend(TARGET, SOURCE, boxes)


def test_shape_mismatch():
    with pytest.raises(ValueError, match='same H x W'):
        poisson_blend(TARGET, SOURCE[:-1], [[0, 0, 2, 2]])
