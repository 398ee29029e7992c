"""Pseudo-normal targets that keep the patient's own anatomy: each lesion
box filled from its own surroundings (beyond the paper, whose targets swap
in the nearest normal's pixels and so carry another patient's anatomy).

Shapes: H, W image size; boxes [N, 4] xyxy in pixels.
"""
import cv2
import numpy as np

from .swap import pixel_boxes


def inpaint_boxes(image: np.ndarray, boxes: np.ndarray, margin: int = 2,
                  radius: float = 5.0) -> np.ndarray:
    """Fill each box (grown by ``margin`` pixels) from the pixels around
    it with Telea's fast-marching inpainting (OpenCV).

    Args:
        image (np.ndarray): uint8 [H, W].
        boxes (np.ndarray): [N, 4] xyxy.
        margin (int): Pixels the boxes grow by (a lesion's blur reaches
            past its box). Defaults to 2.
        radius (float): Inpainting neighbourhood. Defaults to 5.

    Returns:
        np.ndarray: uint8 [H, W]; outside the grown boxes equal to
        ``image``.
    """
    if image.dtype != np.uint8 or image.ndim != 2:
        raise ValueError(f'expected a uint8 [H, W] image, got '
                         f'{image.dtype} {image.shape}')
    mask = np.zeros(image.shape, np.uint8)
    grown = np.asarray(boxes, np.float64).reshape(-1, 4) + \
        np.array([-margin, -margin, margin, margin])
    for x1, y1, x2, y2 in pixel_boxes(grown, image.shape):
        mask[y1:y2, x1:x2] = 255
    if not mask.any():
        return image.copy()
    return cv2.inpaint(image, mask, radius, cv2.INPAINT_TELEA)


def remove_opacity(image: np.ndarray, boxes: np.ndarray, sigma: float = 4.0,
                   margin: int = 0, radius: float = 5.0) -> np.ndarray:
    """Take out of each box the low-frequency brightness its surroundings
    do not explain, keeping the box's own fine structure (ribs, vessels).

    An opacity adds attenuation over the anatomy; its low frequencies are
    estimated as the Gaussian-blurred image minus that blurred image
    inpainted from outside the box (:func:`inpaint_boxes`), clipped at 0
    (only excess brightness is removed), and subtracted inside the box.
    Filling the whole box (:func:`inpaint_boxes`) also erases the anatomy
    under the lesion; this keeps it.

    Args:
        image (np.ndarray): uint8 [H, W].
        boxes (np.ndarray): [N, 4] xyxy.
        sigma (float): The low-pass scale in pixels. Defaults to 4.
        margin (int): Pixels the boxes grow by. Defaults to 0.
        radius (float): Inpainting neighbourhood. Defaults to 5.

    Returns:
        np.ndarray: uint8 [H, W], never brighter than ``image`` and equal
        to it outside the grown boxes.
    """
    x = image.astype(np.float32)
    low = cv2.GaussianBlur(x, (0, 0), sigma)
    low8 = np.clip(np.rint(low), 0, 255).astype(np.uint8)
    context = inpaint_boxes(low8, boxes, margin, radius).astype(np.float32)
    inside = np.zeros(image.shape, bool)
    grown = np.asarray(boxes, np.float64).reshape(-1, 4) + \
        np.array([-margin, -margin, margin, margin])
    for x1, y1, x2, y2 in pixel_boxes(grown, image.shape):
        inside[y1:y2, x1:x2] = True
    excess = np.where(inside, np.maximum(low - context, 0), 0)
    return np.clip(np.rint(x - excess), 0, 255).astype(np.uint8)
