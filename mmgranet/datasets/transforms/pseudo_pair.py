import csv
import os.path as osp
from typing import Dict, List, Optional

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmgranet.fileio import InputError, read_dicom, read_rsna_labels
from mmgranet.pseudo import pseudo_abnormal, pseudo_normal
from mmgranet.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PseudoPair(BaseTransform):
    """Give a sample its pseudo partner from a precomputed neighbour index.

    The index is ``neighbours.csv`` of ``tools/stages/make_pseudo_pairs.py``
    (patientId, role, rank, neighbour). The swap and Poisson blending run
    here, on the images as loaded (after ``LoadDicomFromFile``'s
    ``load_scale``), so no intermediate image set is needed.

    - ``mode='normal'``, for "Lung Opacity" samples (the cGAN pairs): the
      partner is I_b(x), the sample's boxes filled from its nearest Normal
      patient and blended. It is stacked after the image's channels, so
      every later geometric transform (resize, flip, crop, affine) moves
      image and partner together; :meth:`split` separates them again
      (``pair_channels`` says how many channels are the partner's).
    - ``mode='abnormal'``, augmentation of samples without boxes: with
      probability ``prob`` the image becomes a pseudo-abnormal one, the
      lesion boxes of one of its k nearest "Lung Opacity" patients pasted
      in, and those boxes become its ground truth.

    Samples the mode does not apply to (a normal sample in 'normal' mode,
    one with boxes in 'abnormal' mode) pass through unchanged, with
    ``pair_channels`` 0.

    Required Keys:

    - img ([H, W] or [H, W, C] uint8)
    - patient_id
    - gt_bboxes, gt_bboxes_labels, gt_ignore_flags (mmdet.LoadAnnotations)

    Modified Keys:

    - img
    - gt_bboxes, gt_bboxes_labels, gt_ignore_flags ('abnormal' mode)

    Added Keys:

    - pair_channels
    - pseudo_neighbour
    - pseudo_source ('abnormal' mode, a replaced sample: the image before
      the paste)

    A replaced sample's ``image_label`` becomes 1 ("Lung Opacity").

    Args:
        neighbour_file (str): ``neighbours.csv``.
        data_root (str): The RSNA-layout directory of the neighbours'
            images and labels.
        mode (str): 'normal' or 'abnormal'. Defaults to 'normal'.
        prob (float): 'abnormal' mode: chance to replace a sample.
            Defaults to 0.5.
        blend (bool): Poisson blending (else a hard paste). Defaults to
            True.
        labels_file (str): Defaults to 'stage_2_train_labels.csv'.
    """

    def __init__(self,
                 neighbour_file: str,
                 data_root: str,
                 mode: str = 'normal',
                 prob: float = 0.5,
                 blend: bool = True,
                 labels_file: str = 'stage_2_train_labels.csv') -> None:
        if mode not in ('normal', 'abnormal'):
            raise ValueError(f"mode must be 'normal' or 'abnormal', got "
                             f'{mode!r}')
        self.neighbour_file = neighbour_file
        self.data_root = data_root
        self.mode = mode
        self.prob = prob
        self.blend = blend
        self.labels_file = labels_file
        self._index: Optional[Dict[str, List[str]]] = None
        self._labels = None

    def _load_index(self) -> Dict[str, List[str]]:
        role = 'abnormal->normal' if self.mode == 'normal' else \
            'other->abnormal'
        index: Dict[str, List[str]] = {}
        try:
            with open(self.neighbour_file, newline='') as f:
                for row in csv.DictReader(f):
                    if row['role'] == role:
                        index.setdefault(row['patientId'], []).append(
                            row['neighbour'])
        except (OSError, KeyError) as e:
            raise InputError(
                f'{self.neighbour_file}: not a neighbour index ({e}); make '
                'it with tools/stages/make_pseudo_pairs.py') from None
        return index

    def _image(self, pid: str, shape) -> np.ndarray:
        img = read_dicom(osp.join(self.data_root, 'stage_2_train_images',
                                  f'{pid}.dcm'))
        if img.shape != tuple(shape):
            img = cv2.resize(img, (shape[1], shape[0]),
                             interpolation=cv2.INTER_AREA)
        return img

    @staticmethod
    def split(img: np.ndarray, pair_channels: int):
        """(image, partner) from a stacked ``img``."""
        if pair_channels == 0:
            return img, None
        return img[..., :-pair_channels], img[..., -pair_channels:]

    def transform(self, results: dict) -> dict:
        if self._index is None:
            self._index = self._load_index()
        results['pair_channels'] = 0
        results['pseudo_neighbour'] = None
        img = results['img']
        gray = img if img.ndim == 2 else img[..., 0]
        boxes = results['gt_bboxes']
        boxes_np = boxes.numpy() if hasattr(boxes, 'numpy') else \
            np.asarray(boxes)
        pid = results['patient_id']
        if self.mode == 'normal':
            if len(boxes_np) == 0:
                return results
            neighbours = self._index.get(pid)
            if not neighbours:
                raise InputError(f'{self.neighbour_file}: no normal '
                                 f'neighbour for patient {pid}')
            partner = pseudo_normal(gray, self._image(neighbours[0],
                                                      gray.shape),
                                    boxes_np, blend=self.blend)
            channels = 1 if img.ndim == 2 else img.shape[2]
            stacked = np.repeat(partner[..., None], channels, axis=2)
            base = img[..., None] if img.ndim == 2 else img
            results['img'] = np.concatenate([base, stacked], axis=2)
            results['pair_channels'] = channels
            results['pseudo_neighbour'] = neighbours[0]
            return results

        if len(boxes_np) or np.random.rand() >= self.prob:
            return results
        neighbours = self._index.get(pid)
        if not neighbours:
            raise InputError(f'{self.neighbour_file}: no abnormal neighbour '
                             f'for patient {pid}')
        donor = neighbours[np.random.randint(len(neighbours))]
        if self._labels is None:
            self._labels = read_rsna_labels(
                osp.join(self.data_root, self.labels_file))
        donor_img = read_dicom(osp.join(self.data_root,
                                        'stage_2_train_images',
                                        f'{donor}.dcm'))
        new, new_boxes = pseudo_abnormal(
            gray, donor_img, self._labels[donor], blend=self.blend)
        # the image before the paste is its own pseudo-normal (G's target,
        # LoadGeneratorTarget), and it now shows "Lung Opacity"
        results['pseudo_source'] = gray.copy()
        results['image_label'] = 1
        results['img'] = new if img.ndim == 2 else \
            np.repeat(new[..., None], img.shape[2], axis=2)
        results['gt_bboxes'] = type(boxes)(new_boxes.astype(np.float32)) \
            if hasattr(boxes, 'numpy') else new_boxes.astype(np.float32)
        results['gt_bboxes_labels'] = np.zeros(len(new_boxes), np.int64)
        results['gt_ignore_flags'] = np.zeros(len(new_boxes), bool)
        results['pseudo_neighbour'] = donor
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(neighbour_file='
                f'{self.neighbour_file!r}, mode={self.mode!r}, '
                f'prob={self.prob}, blend={self.blend})')
