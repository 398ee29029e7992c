"""2-D affine helpers shared by alignment, transforms and evaluation.

A pixel affine is a [2, 3] matrix M taking pixel coordinates (x, y) of one
image to another: (x', y') = M [x, y, 1]. Spatial-transformer matrices
(theta) act on normalised coordinates in [-1, 1] and map *output* to
*input* positions, as ``torch.nn.functional.affine_grid`` does
(align_corners=False: pixel centres at (2 i + 1) / n - 1).
"""
from typing import Tuple

import numpy as np


def as_3x3(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float64)
    if m.shape == (3, 3):
        return m
    if m.shape != (2, 3):
        raise ValueError(f'an affine is [2, 3] or [3, 3], got {m.shape}')
    return np.vstack([m, [0.0, 0.0, 1.0]])


def check_affine(m: np.ndarray, min_det: float = 1e-3,
                 max_det: float = 1e3) -> np.ndarray:
    """The [2, 3] matrix if it is a usable affine, else ValueError.

    Singular, degenerate (area scale outside [min_det, max_det]), mirrored
    or non-finite matrices are refused.
    """
    m = as_3x3(m)
    if not np.all(np.isfinite(m)):
        raise ValueError(f'affine with non-finite entries: {m[:2].tolist()}')
    det = float(np.linalg.det(m[:2, :2]))
    if not min_det <= det <= max_det:
        raise ValueError(f'singular or degenerate affine (determinant '
                         f'{det:.3g}): {m[:2].round(4).tolist()}')
    return m[:2]


def invert_affine(m: np.ndarray, check: bool = True) -> np.ndarray:
    """Inverse of a [2, 3] pixel affine (checked first unless ``check`` is
    False, for internal coordinate changes with tiny determinants)."""
    if check:
        m = check_affine(m)
    return np.linalg.inv(as_3x3(m))[:2]


def compose(*ms: np.ndarray) -> np.ndarray:
    """``compose(a, b)`` applies b first, then a; [2, 3] out."""
    out = np.eye(3)
    for m in ms:
        out = out @ as_3x3(m)
    return out[:2]


def transform_points(points: np.ndarray, m: np.ndarray) -> np.ndarray:
    """[N, 2] points through a [2, 3] affine."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    m = as_3x3(m)
    return points @ m[:2, :2].T + m[:2, 2]


# The shape a box stands for when it crosses an affine: the superellipse
# |x / a|^p + |y / b|^p <= 1 inscribed in it, with p = 3, between the
# box's inscribed ellipse (p = 2) and the box itself (p = infinite). Its
# box after a linear map A has the half sizes (K h^q)^(1/q), K = |A|^q
# elementwise, q = p / (p - 1) the dual exponent: q = 1 is the corners'
# min/max, q = 2 the ellipse's box. q = 1.5 is the middle of that range,
# not fitted to any data (tools/analysis/box_mapping_error.py measures
# each q against mini-RSNA's true lesion extents).
BOX_SHAPE_Q = 1.5


def _box_parts(boxes):
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return (boxes[:, :2] + boxes[:, 2:]) / 2, (boxes[:, 2:] - boxes[:, :2]) / 2


def _size_matrix(m: np.ndarray, q: float) -> np.ndarray:
    k = np.abs(as_3x3(m)[:2, :2])**q
    if np.linalg.det(k) <= 1e-9:
        raise ValueError(
            'boxes cannot cross this affine invertibly (rotation or shear '
            f'near 45 degrees): {as_3x3(m)[:2].round(4).tolist()}')
    return k


def _clip(boxes: np.ndarray, clip_shape: Tuple[int, int]) -> np.ndarray:
    h, w = clip_shape
    boxes[:, [0, 2]] = boxes[:, [0, 2]].clip(0, w)
    boxes[:, [1, 3]] = boxes[:, [1, 3]].clip(0, h)
    return boxes


def transform_boxes(boxes: np.ndarray, m: np.ndarray,
                    clip_shape: Tuple[int, int] = None,
                    q: float = BOX_SHAPE_Q) -> np.ndarray:
    """Boxes [N, 4] (x1, y1, x2, y2) through an affine, as the box around
    the moved shape the box stands for (see ``BOX_SHAPE_Q``).

    The centre goes through the affine; the half sizes h become
    (K h^q)^(1/q) with K = |A|^q (A the linear part). Its exact inverse is
    :func:`untransform_boxes`: boxes that went into an aligned frame, and
    predictions made there, come back as they were. Mapping back with the
    corners' min/max of the inverse affine instead grows a box at each
    crossing (a box through 5 degrees and back: IoU 0.72 with itself).

    Args:
        boxes (np.ndarray): [N, 4] xyxy.
        m (np.ndarray): [2, 3] pixel affine.
        clip_shape (tuple, optional): (H, W) to clip to (a clipped box
            does not come back whole). Defaults to None.
        q (float): 1: the corners' min/max; 2: the inscribed ellipse's
            box. Defaults to ``BOX_SHAPE_Q``.

    Returns:
        np.ndarray: [N, 4] float64 xyxy.
    """
    centre, half = _box_parts(boxes)
    centre = transform_points(centre, m)
    half = (half**q @ _size_matrix(m, q).T)**(1 / q)
    out = np.concatenate([centre - half, centre + half], axis=1)
    return out if clip_shape is None else _clip(out, clip_shape)


def untransform_boxes(boxes: np.ndarray, m: np.ndarray,
                      clip_shape: Tuple[int, int] = None,
                      q: float = BOX_SHAPE_Q) -> np.ndarray:
    """The inverse of :func:`transform_boxes` for the same affine ``m``:
    ``untransform_boxes(transform_boxes(b, m), m) == b``.

    The centre goes through the inverse affine; the half sizes solve
    K h^q = h'^q. A side that no box maps onto (narrower than the moved
    shape's rotation allows) takes the length the inverse's smallest
    stretch gives it instead of collapsing.

    Args:
        boxes (np.ndarray): [N, 4] xyxy in ``m``'s output frame.
        m (np.ndarray): [2, 3] pixel affine (input -> output frame).
        clip_shape (tuple, optional): (H, W) of the input frame.
        q (float): As in :func:`transform_boxes`.

    Returns:
        np.ndarray: [N, 4] float64 xyxy in ``m``'s input frame.
    """
    centre, half = _box_parts(boxes)
    centre = transform_points(centre, invert_affine(m))
    powered = half**q @ np.linalg.inv(_size_matrix(m, q)).T
    inverse = np.linalg.inv(as_3x3(m)[:2, :2])
    fallback = half * np.linalg.svd(inverse, compute_uv=False).min()
    half = np.where(powered > 0, np.abs(powered)**(1 / q), fallback)
    out = np.concatenate([centre - half, centre + half], axis=1)
    return out if clip_shape is None else _clip(out, clip_shape)


def transform_boxes_minmax(boxes: np.ndarray, m: np.ndarray,
                           clip_shape: Tuple[int, int] = None
                           ) -> np.ndarray:
    """Boxes [N, 4] through an affine as the min/max of their four
    transformed corners (``transform_boxes`` with q = 1). Used both ways,
    forward with ``m`` and back with its inverse, as the package did
    before, it grows a box at each crossing; kept for the comparison in
    tools/analysis/box_mapping_error.py."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    corners = np.stack([boxes[:, [0, 1]], boxes[:, [2, 1]],
                        boxes[:, [0, 3]], boxes[:, [2, 3]]], axis=1)
    moved = transform_points(corners.reshape(-1, 2), m).reshape(-1, 4, 2)
    out = np.concatenate([moved.min(1), moved.max(1)], axis=1)
    return out if clip_shape is None else _clip(out, clip_shape)


def _normaliser(size: Tuple[int, int]) -> np.ndarray:
    """Pixel (x, y) -> normalised (u, v), align_corners=False."""
    h, w = size
    return np.array([[2.0 / w, 0.0, 1.0 / w - 1.0],
                     [0.0, 2.0 / h, 1.0 / h - 1.0]])


def theta_to_pixel(theta: np.ndarray, in_size: Tuple[int, int],
                   out_size: Tuple[int, int]) -> np.ndarray:
    """The pixel affine from the input image to the warped (output) image
    that ``grid_sample(input, affine_grid(theta, out_size))`` makes.

    Args:
        theta (np.ndarray): [2, 3] output -> input, normalised.
        in_size, out_size (tuple): (H, W) of input and output.

    Returns:
        np.ndarray: [2, 3] input pixels -> output pixels.
    """
    out_to_in = compose(invert_affine(_normaliser(in_size), check=False),
                        theta, _normaliser(out_size))
    return invert_affine(out_to_in)


def pixel_to_theta(m: np.ndarray, in_size: Tuple[int, int],
                   out_size: Tuple[int, int]) -> np.ndarray:
    """Inverse of :func:`theta_to_pixel`."""
    return compose(_normaliser(in_size), invert_affine(m),
                   invert_affine(_normaliser(out_size), check=False))


def scale_affine(m: np.ndarray, sx: float, sy: float) -> np.ndarray:
    """The same geometric map for images resized by (sx, sy)."""
    s = np.diag([sx, sy, 1.0])
    return (s @ as_3x3(m) @ np.linalg.inv(s))[:2]
