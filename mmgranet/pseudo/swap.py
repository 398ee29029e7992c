"""Swap lesion boxes between a radiograph and its nearest neighbour.

Pseudo-normal (paper 2.2): the abnormal image x with each ground-truth box
replaced by its nearest normal image's pixels, Poisson-blended: I_b(x).
Pseudo-abnormal (paper 2.3): a normal image with its nearest abnormal
image's lesion boxes pasted in and blended; its boxes are the pasted ones.
Both images are expected in the same frame (aligned, same size); a
neighbour of another size is resized to the target's first.
"""
from typing import Tuple

import cv2
import numpy as np

from .poisson import poisson_blend


def pixel_boxes(boxes: np.ndarray, shape: Tuple[int, int]) -> np.ndarray:
    """Boxes [N, 4] in float pixels -> whole pixels covering them, clipped.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    h, w = shape
    out = np.concatenate([np.floor(boxes[:, :2]), np.ceil(boxes[:, 2:])], 1)
    out[:, [0, 2]] = np.clip(out[:, [0, 2]], 0, w)
    out[:, [1, 3]] = np.clip(out[:, [1, 3]], 0, h)
    keep = (out[:, 2] > out[:, 0]) & (out[:, 3] > out[:, 1])
    return out[keep].astype(np.int64)


def _match_size(img: np.ndarray, shape: Tuple[int, int]) -> np.ndarray:
    if img.shape[:2] == tuple(shape):
        return img
    return cv2.resize(img, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)


def paste_boxes(target: np.ndarray, source: np.ndarray, boxes: np.ndarray,
                blend: bool = True, mixed: bool = False) -> np.ndarray:
    """Copy ``source``'s pixels into ``target`` inside ``boxes``.

    Args:
        target (np.ndarray): [H, W] image receiving the boxes.
        source (np.ndarray): [H', W'] image giving them (resized to H, W).
        boxes (np.ndarray): [N, 4] x1, y1, x2, y2 in pixels.
        blend (bool): Poisson-blend each box (exact, DST) instead of a hard
            copy. Defaults to True.
        mixed (bool): Mixed-gradient blending. Defaults to False.

    Returns:
        np.ndarray: [H, W], the target's dtype.
    """
    source = _match_size(source, target.shape[:2])
    boxes = pixel_boxes(boxes, target.shape[:2])
    if blend:
        return poisson_blend(target, source, boxes, mixed=mixed)
    out = target.copy()
    for x1, y1, x2, y2 in boxes:
        out[y1:y2, x1:x2] = source[y1:y2, x1:x2]
    return out


def pseudo_normal(abnormal: np.ndarray, normal: np.ndarray,
                  boxes: np.ndarray, **kwargs) -> np.ndarray:
    """I_b(x): the abnormal image's boxes replaced by the normal's pixels.
    """
    return paste_boxes(abnormal, normal, boxes, **kwargs)


def pseudo_abnormal(normal: np.ndarray, abnormal: np.ndarray,
                    abnormal_boxes: np.ndarray,
                    **kwargs) -> Tuple[np.ndarray, np.ndarray]:
    """A normal image with the abnormal's lesion boxes pasted in.

    Returns:
        tuple: the image [H, W] and its boxes [N, 4] (the pasted ones, in
        the normal image's pixels).
    """
    scale = np.array([normal.shape[1] / abnormal.shape[1],
                      normal.shape[0] / abnormal.shape[0]] * 2)
    boxes = np.asarray(abnormal_boxes, np.float64).reshape(-1, 4) * scale
    return paste_boxes(normal, abnormal, boxes, **kwargs), \
        pixel_boxes(boxes, normal.shape[:2]).astype(np.float64)
