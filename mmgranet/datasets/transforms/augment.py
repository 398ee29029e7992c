"""The detector's training augmentation of the paper's recipe (section
3.2, after its ref. [6]): a small random affine and Gaussian noise / blur,
besides mmdet's horizontal flip."""
from typing import Optional, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmgranet.registry import TRANSFORMS
from mmgranet.structures import transform_boxes


def _boxes_numpy(boxes) -> np.ndarray:
    return boxes.numpy() if hasattr(boxes, 'numpy') else \
        np.asarray(boxes, np.float32).reshape(-1, 4)


@TRANSFORMS.register_module()
class RandomAffineBoxes(BaseTransform):
    """A small random affine of the image and its boxes.

    Rotation, scale, shear and shift about the image centre, drawn per
    sample; boxes cross it with :func:`~mmgranet.structures.affine.
    transform_boxes` (the box of the moved lesion-like shape, not the
    corners' min/max that grows every box), then are clipped. A box that
    leaves the image altogether is removed with its label, as mmdet's
    geometric transforms do. Every channel moves together (the generator
    target GRANet stacks after the image, the pseudo partner of
    PseudoPair). The sample's alignment matrix is untouched: this is
    augmentation inside the aligned frame, and test pipelines do not use
    it.

    Required Keys: img, gt_bboxes (optional: gt_bboxes_labels,
    gt_ignore_flags). Modified Keys: img, gt_bboxes, gt_bboxes_labels,
    gt_ignore_flags.

    Args:
        prob (float): Chance to apply. Defaults to 0.5.
        max_rotate (float): Degrees. Defaults to 10.
        scale (tuple): Range of the scale. Defaults to (0.9, 1.1).
        max_shear (float): Defaults to 0.05.
        max_translate (float): Fraction of the side. Defaults to 0.05.
        border_value (int): Fill. Defaults to 0.
    """

    def __init__(self, prob: float = 0.5, max_rotate: float = 10.0,
                 scale: Tuple[float, float] = (0.9, 1.1),
                 max_shear: float = 0.05, max_translate: float = 0.05,
                 border_value: int = 0) -> None:
        self.prob = prob
        self.max_rotate = max_rotate
        self.scale = tuple(scale)
        self.max_shear = max_shear
        self.max_translate = max_translate
        self.border_value = border_value

    def sample_matrix(self, h: int, w: int,
                      rng: Optional[np.random.Generator] = None
                      ) -> np.ndarray:
        rng = rng or np.random
        angle = rng.uniform(-self.max_rotate, self.max_rotate)
        s = rng.uniform(*self.scale)
        shear = rng.uniform(-self.max_shear, self.max_shear)
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, s)
        m = np.vstack([m, [0, 0, 1]]) @ np.array(
            [[1, shear, -shear * h / 2], [0, 1, 0], [0, 0, 1]])
        m[0, 2] += rng.uniform(-1, 1) * self.max_translate * w
        m[1, 2] += rng.uniform(-1, 1) * self.max_translate * h
        return m[:2]

    def transform(self, results: dict) -> dict:
        if np.random.rand() >= self.prob:
            return results
        img = results['img']
        h, w = img.shape[:2]
        m = self.sample_matrix(h, w)
        warped = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_CONSTANT,
                                borderValue=self.border_value)
        if img.ndim == 3 and warped.ndim == 2:  # cv2 drops a last axis of 1
            warped = warped[..., None]
        results['img'] = warped
        boxes = results.get('gt_bboxes')
        if boxes is not None and len(boxes):
            moved = transform_boxes(_boxes_numpy(boxes), m, (h, w))
            keep = ((moved[:, 2] - moved[:, 0]) >= 1) & \
                ((moved[:, 3] - moved[:, 1]) >= 1)
            results['gt_bboxes'] = type(boxes)(
                moved[keep].astype(np.float32)) if hasattr(
                    boxes, 'numpy') else moved[keep].astype(np.float32)
            for key in ('gt_bboxes_labels', 'gt_ignore_flags'):
                if key in results:
                    results[key] = results[key][keep]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(prob={self.prob}, max_rotate='
                f'{self.max_rotate}, scale={self.scale}, max_shear='
                f'{self.max_shear}, max_translate={self.max_translate})')


@TRANSFORMS.register_module()
class GaussianNoiseBlur(BaseTransform):
    """Gaussian noise and Gaussian blur of the image's channels.

    Channels stacked after the image by earlier transforms (the generator
    target of LoadGeneratorTarget, ``target_channels``; the pseudo partner
    of PseudoPair, ``pair_channels``) are left clean: they are what a
    model learns to produce, not what it sees.

    Required Keys: img. Modified Keys: img.

    Args:
        noise_prob (float): Chance of noise. Defaults to 0.5.
        noise_std (tuple): Range of its standard deviation, grey levels.
            Defaults to (2, 8).
        blur_prob (float): Chance of blur. Defaults to 0.3.
        blur_sigma (tuple): Range of the blur's sigma, pixels. Defaults to
            (0.3, 1.2).
    """

    def __init__(self, noise_prob: float = 0.5,
                 noise_std: Tuple[float, float] = (2.0, 8.0),
                 blur_prob: float = 0.3,
                 blur_sigma: Tuple[float, float] = (0.3, 1.2)) -> None:
        self.noise_prob = noise_prob
        self.noise_std = tuple(noise_std)
        self.blur_prob = blur_prob
        self.blur_sigma = tuple(blur_sigma)

    def transform(self, results: dict) -> dict:
        img = results['img']
        extra = results.get('target_channels', 0) + \
            results.get('pair_channels', 0)
        base = img if img.ndim == 2 else img[..., :img.shape[2] - extra]
        out = base.astype(np.float32)
        changed = False
        if np.random.rand() < self.blur_prob:
            sigma = np.random.uniform(*self.blur_sigma)
            out = cv2.GaussianBlur(out, (0, 0), sigma)
            if base.ndim == 3 and out.ndim == 2:
                out = out[..., None]
            changed = True
        if np.random.rand() < self.noise_prob:
            out = out + np.random.normal(
                0, np.random.uniform(*self.noise_std), out.shape)
            changed = True
        if not changed:
            return results
        out = np.clip(np.rint(out), 0, 255).astype(img.dtype)
        if img.ndim == 2:
            results['img'] = out
        else:
            img = img.copy()
            img[..., :img.shape[2] - extra] = out
            results['img'] = img
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(noise_prob={self.noise_prob}, '
                f'noise_std={self.noise_std}, blur_prob={self.blur_prob}, '
                f'blur_sigma={self.blur_sigma})')
