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


def axis_stretch(m: np.ndarray) -> np.ndarray:
    """[2] how much an affine stretches the x and y axes, measured so that
    an affine and its inverse stretch by reciprocal amounts.

    s_x = sqrt(|A e_x| / |A^-1 e_x|) (A: the linear part, e_x the x unit
    vector), likewise s_y. For a scale s (per axis) it is s; for a rotation
    it is 1; and ``axis_stretch(inverse) == 1 / axis_stretch(m)`` exactly,
    which is what makes :func:`transform_boxes` round-trip.
    """
    a = as_3x3(m)[:2, :2]
    forward = np.linalg.norm(a, axis=0)  # |A e_x|, |A e_y|
    backward = np.linalg.norm(np.linalg.inv(a), axis=0)
    return np.sqrt(forward / backward)


def _clip(boxes: np.ndarray, clip_shape: Tuple[int, int]) -> np.ndarray:
    h, w = clip_shape
    boxes[:, [0, 2]] = boxes[:, [0, 2]].clip(0, w)
    boxes[:, [1, 3]] = boxes[:, [1, 3]].clip(0, h)
    return boxes


def transform_boxes(boxes: np.ndarray, m: np.ndarray,
                    clip_shape: Tuple[int, int] = None) -> np.ndarray:
    """Boxes [N, 4] (x1, y1, x2, y2) through an affine, without inflation.

    The centre goes through the affine; width and height are multiplied by
    :func:`axis_stretch`. The map is invertible: boxes through ``m``, then
    through ``invert_affine(m)``, are the boxes again (up to rounding), so
    predictions made in an aligned frame come back to the original image
    as they were made. The corners' min/max
    (:func:`transform_boxes_minmax`) grows a box at every crossing instead
    (a box through 5 degrees and back: IoU 0.72 with itself). A lesion is
    a blob inside its box, not the box's corners: its true extent after a
    small rotation stays close to the box's own size (measured against
    mini-RSNA's true lesion masks: tools/analysis/box_mapping_error.py).

    Args:
        boxes (np.ndarray): [N, 4] xyxy.
        m (np.ndarray): [2, 3] pixel affine.
        clip_shape (tuple, optional): (H, W) to clip to (the round trip is
            exact for boxes that were not clipped). Defaults to None.

    Returns:
        np.ndarray: [N, 4] float64 xyxy.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    centre = transform_points((boxes[:, :2] + boxes[:, 2:]) / 2, m)
    half = (boxes[:, 2:] - boxes[:, :2]) / 2 * axis_stretch(m)
    out = np.concatenate([centre - half, centre + half], axis=1)
    return out if clip_shape is None else _clip(out, clip_shape)


def transform_boxes_minmax(boxes: np.ndarray, m: np.ndarray,
                           clip_shape: Tuple[int, int] = None
                           ) -> np.ndarray:
    """Boxes [N, 4] through an affine as the min/max of their four
    transformed corners: the box around the transformed box. Not used to
    move boxes (it inflates them, see :func:`transform_boxes`); kept for
    the comparison in tools/analysis/box_mapping_error.py."""
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
