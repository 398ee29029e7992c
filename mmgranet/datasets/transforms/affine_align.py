import csv
from typing import Dict, Optional

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmgranet.fileio import InputError
from mmgranet.registry import TRANSFORMS
from mmgranet.structures import check_affine, scale_affine, transform_boxes

AFFINE_COLUMNS = ('a11', 'a12', 'a13', 'a21', 'a22', 'a23')


def read_affines(path: str) -> Dict[str, np.ndarray]:
    """patientId -> [2, 3] from a CSV with columns patientId, a11..a23."""
    out = {}
    try:
        with open(path, newline='') as f:
            reader = csv.DictReader(f)
            for row in reader:
                try:
                    m = np.array([float(row[k]) for k in AFFINE_COLUMNS])
                    out[row['patientId']] = check_affine(m.reshape(2, 3))
                except (KeyError, TypeError, ValueError) as e:
                    raise InputError(f'{path}, line {reader.line_num}: '
                                     f'{e}') from None
    except OSError as e:
        raise InputError(f'{path}: cannot read the affines ({e}); make them '
                         'with tools/stages/align_dataset.py') from None
    return out


@TRANSFORMS.register_module()
class AffineAlign(BaseTransform):
    """Warp an image (and its boxes) with its stored alignment affine.

    The affine maps original image pixels to the aligned frame (the STN's
    output, ``tools/stages/align_dataset.py``). It is given in original
    pixels and
    adapted here to the image as loaded (``scale_factor`` from
    ``LoadDicomFromFile(load_scale=...)``). Boxes go through it with
    :func:`~mmgranet.structures.affine.transform_boxes` (centre moved, size
    stretched; the map round-trips, so no box grows at the crossing),
    clipped. The matrix stays in the sample as
    ``align_matrix`` (add it to ``PackDetInputs``' meta_keys): RSNAMetric
    and DumpRSNASubmission map predictions back with its inverse, so scores
    and submissions are in original coordinates.

    Required Keys:

    - img
    - patient_id (with ``affine_file``) or align_matrix

    Modified Keys:

    - img
    - gt_bboxes (if present)

    Added Keys:

    - align_matrix

    Args:
        affine_file (str, optional): CSV of patientId, a11..a23. Without it
            the sample's own ``align_matrix`` is used. Defaults to None.
        border_value (int): Fill outside the warped image. Defaults to 0.
    """

    def __init__(self, affine_file: Optional[str] = None,
                 border_value: int = 0) -> None:
        self.affine_file = affine_file
        self.border_value = border_value
        self._affines = None

    def transform(self, results: dict) -> dict:
        if self.affine_file:
            if self._affines is None:
                self._affines = read_affines(self.affine_file)
            pid = results.get('patient_id')
            if pid not in self._affines:
                raise InputError(f'{self.affine_file}: no affine for '
                                 f'patient {pid}')
            m = self._affines[pid]
        elif 'align_matrix' in results:
            m = check_affine(results['align_matrix'])
        else:
            raise KeyError('AffineAlign needs an affine_file or an '
                           'align_matrix in the sample')
        sx, sy = results.get('scale_factor', (1.0, 1.0))
        local = scale_affine(m, sx, sy)
        img = results['img']
        h, w = img.shape[:2]
        results['img'] = cv2.warpAffine(
            img, local, (w, h), flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT, borderValue=self.border_value)
        if 'gt_bboxes' in results and len(results['gt_bboxes']):
            boxes = results['gt_bboxes']
            moved = transform_boxes(boxes.numpy(), local, (h, w))
            results['gt_bboxes'] = type(boxes)(moved.astype(np.float32))
        results['align_matrix'] = m
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(affine_file='
                f'{self.affine_file!r}, border_value={self.border_value})')
