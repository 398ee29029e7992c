import os.path as osp

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmgranet.fileio import InputError, read_dicom
from mmgranet.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadGeneratorTarget(BaseTransform):
    """Stack G's target after the image's channels (GRANet training).

    - an image with lesion boxes: its pseudo-normal from ``target_root``
      (``tools/stages/make_realistic_targets.py``: G_realistic(I_b(x)),
      the target
      of eq. 3), ``gen_target_kind='pseudo'``;
    - a pseudo-abnormal image (``PseudoPair(mode='abnormal')`` before this
      transform): the image before the lesions were pasted, 'pseudo';
    - any other image: the image itself, ``gen_target_kind='identity'``
      (G should leave images without lesions unchanged).

    The target is resized to the image and stacked as one extra channel, so
    later geometric transforms (flip, crop) move both together;
    :class:`GRANetDataPreprocessor` takes it off again. Put it after
    ``AffineAlign`` when the targets were made on aligned images (the
    demo's order) and before it otherwise.

    Required Keys: img, gt_bboxes, patient_id. Modified Keys: img.
    Added Keys: gen_target_kind, target_channels (1).

    Args:
        target_root (str): RSNA-layout directory of the targets.
    """

    def __init__(self, target_root: str) -> None:
        self.target_root = target_root

    def _load(self, pid: str, shape) -> np.ndarray:
        path = osp.join(self.target_root, 'stage_2_train_images',
                        f'{pid}.dcm')
        if not osp.isfile(path):
            raise InputError(
                f'{path}: no pseudo-normal target for patient {pid}; the '
                'targets come from tools/stages/make_realistic_targets.py '
                '(the '
                'radio-realistic stage, eq. 2)')
        img = read_dicom(path)
        if img.shape != tuple(shape):
            img = cv2.resize(img, (shape[1], shape[0]),
                             interpolation=cv2.INTER_AREA)
        return img

    def transform(self, results: dict) -> dict:
        img = results['img']
        gray = img if img.ndim == 2 else img[..., 0]
        source = results.get('pseudo_source')
        if source is not None:
            target, kind = source, 'pseudo'
            if target.shape != gray.shape:
                target = cv2.resize(target, gray.shape[::-1],
                                    interpolation=cv2.INTER_AREA)
        elif len(results['gt_bboxes']) > 0:
            target = self._load(results['patient_id'], gray.shape)
            kind = 'pseudo'
        else:
            target, kind = gray, 'identity'
        base = img[..., None] if img.ndim == 2 else img
        results['img'] = np.concatenate(
            [base, target[..., None].astype(base.dtype)], axis=2)
        results['gen_target_kind'] = kind
        results['target_channels'] = 1
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(target_root={self.target_root!r})'
