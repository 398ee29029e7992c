import os.path as osp
from typing import Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from mmgranet.fileio import read_rsna_labels
from mmgranet.registry import METRICS
from mmgranet.utils.affine import invert_affine, transform_boxes
from ..functional import DEFAULT_SWEEP, rsna_ap


def to_numpy(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    elif hasattr(x, 'tensor'):  # mmdet box structures
        x = x.tensor.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def patient_id_of(data_sample: dict) -> str:
    """``patient_id`` from the sample, else the image file's stem."""
    pid = data_sample.get('patient_id')
    if pid:
        return str(pid)
    path = data_sample.get('img_path')
    if not path:
        raise KeyError('a data sample has neither patient_id nor img_path; '
                       'RSNAMetric cannot tell which patient it is')
    return osp.splitext(osp.basename(path))[0]


def undo_alignment(boxes: np.ndarray, data_sample: dict) -> np.ndarray:
    """Boxes of an aligned sample (``align_matrix`` from AffineAlign) back
    in the original image's pixels; others unchanged."""
    if 'align_matrix' not in data_sample or not len(boxes):
        return boxes
    return transform_boxes(boxes, invert_affine(data_sample['align_matrix']))


def original_gt_boxes(data_sample: dict) -> np.ndarray:
    """Ground truth in original image pixels, [G, 4] xyxy.

    ``ori_gt_bboxes`` (put in the sample by the dataset, untouched by any
    transform) is used when present; otherwise ``gt_instances`` are mapped
    back through ``scale_factor``.
    """
    if 'ori_gt_bboxes' in data_sample:
        return to_numpy(data_sample['ori_gt_bboxes']).reshape(-1, 4)
    if 'gt_instances' not in data_sample:
        raise KeyError('a data sample has neither ori_gt_bboxes nor '
                       'gt_instances; give RSNAMetric an ann_file')
    if data_sample.get('flip', False):
        raise ValueError('RSNAMetric maps gt_instances back with '
                         'scale_factor only; flipped test samples need '
                         'ori_gt_bboxes or an ann_file')
    boxes = to_numpy(data_sample['gt_instances']['bboxes']).reshape(-1, 4)
    sx, sy = data_sample.get('scale_factor', (1.0, 1.0))
    return undo_alignment(boxes / np.array([sx, sy, sx, sy]), data_sample)


def predictions_in_original_pixels(data_sample: dict):
    """(boxes [P, 4], scores [P]) of a sample in original image pixels.

    mmdet's ``predict`` undoes the resizing; an alignment affine
    (``align_matrix``, from AffineAlign) is undone here with its inverse.
    """
    pred = data_sample['pred_instances']
    boxes = undo_alignment(to_numpy(pred['bboxes']).reshape(-1, 4),
                           data_sample)
    return boxes, to_numpy(pred['scores']).reshape(-1)


@METRICS.register_module()
class RSNAMetric(BaseMetric):
    """The Kaggle RSNA Pneumonia Detection Challenge score.

    Scored in original image coordinates (mmdet's ``predict`` rescales the
    predictions to ``ori_shape``). Reports ``AP`` and ``AP@<t>`` at the
    configured confidence cut-off and, because the score depends heavily on
    it, the best cut-off of a sweep and the AP there. See
    :mod:`mmgranet.evaluation.functional.rsna_ap` for the rules.

    Args:
        iou_thrs (Sequence[float], optional): Defaults to 0.40:0.05:0.75, or
            to 0.4, 0.5, 0.6 when ``no_fn``.
        no_fn (bool): The paper's second setting, TP / (TP + FP). Defaults
            to False.
        score_thr (float): Predictions with a confidence below this do not
            count towards ``AP``. Defaults to 0.0.
        sweep_thrs (Sequence[float], optional): Cut-offs to sweep. Defaults
            to 0.05, 0.10, ..., 0.95; None or empty skips the sweep.
        ann_file (str, optional): ``stage_2_train_labels.csv`` to take the
            ground truth from (by patientId) instead of the samples.
            Defaults to None.
        collect_device (str): Defaults to 'cpu'.
        prefix (str, optional): Defaults to 'rsna'.
    """
    default_prefix: Optional[str] = 'rsna'

    def __init__(self,
                 iou_thrs: Optional[Sequence[float]] = None,
                 no_fn: bool = False,
                 score_thr: float = 0.0,
                 sweep_thrs: Optional[Sequence[float]] = DEFAULT_SWEEP,
                 ann_file: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.iou_thrs = None if iou_thrs is None else tuple(iou_thrs)
        self.no_fn = no_fn
        self.score_thr = score_thr
        self.sweep_thrs = tuple(sweep_thrs) if sweep_thrs else None
        self.ann_file = ann_file
        self._labels = None

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            boxes, scores = predictions_in_original_pixels(sample)
            self.results.append(dict(
                patient_id=patient_id_of(sample), boxes=boxes, scores=scores,
                gt=None if self.ann_file else original_gt_boxes(sample)))

    def _gt_from_ann_file(self, patient_id: str) -> np.ndarray:
        if self._labels is None:
            self._labels = read_rsna_labels(self.ann_file)
        if patient_id not in self._labels:
            raise KeyError(f'patient {patient_id} is not in {self.ann_file}')
        return self._labels[patient_id]

    def compute_metrics(self, results: list) -> dict:
        gts = [
            r['gt'] if r['gt'] is not None else
            self._gt_from_ann_file(r['patient_id']) for r in results
        ]
        metrics = rsna_ap([r['boxes'] for r in results],
                          [r['scores'] for r in results], gts,
                          iou_thrs=self.iou_thrs, no_fn=self.no_fn,
                          score_thr=self.score_thr,
                          sweep_thrs=self.sweep_thrs)
        return metrics
