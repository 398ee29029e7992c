import os.path as osp
from typing import Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from mmgranet.fileio import (LUNG_OPACITY, InputError, read_rsna_labels,
                             read_split_file)
from mmgranet.registry import METRICS
from mmgranet.structures import untransform_boxes
from ..functional import DEFAULT_SWEEP, froc, image_auroc, rsna_ap


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
    in the original image's pixels with the exact inverse of the box
    mapping that took the ground truth into the aligned frame; others
    unchanged."""
    if 'align_matrix' not in data_sample or not len(boxes):
        return boxes
    return untransform_boxes(boxes, data_sample['align_matrix'])


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
    :mod:`mmgranet.evaluation.functional.rsna_ap` for the rules. With
    ``reader_metrics``, over every predicted box (no cut-off), what a
    clinical reader study reports beside it: ``image_AUROC`` (an image's
    highest box score against "has a Lung Opacity"), ``image_AUROC_head``
    (the image head's "Lung Opacity" probability, when the model has
    one), ``FROC_sens@1`` (lesion sensitivity at 1 false positive per
    image, IoU 0.4) and ``FROC_CPM`` (the mean over 0.125 ... 8); the
    intervals come from ``tools/rsna_score.py --bootstrap``.

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
            ground truth from (by patientId) instead of the samples. Every
            labelled patient (of ``split_file``) must then have been
            predicted, as Kaggle requires of a submission. Defaults to None.
        split_file (str, optional): With ``ann_file``: the patients scored.
            Defaults to None (every labelled patient).
        allow_missing (bool): With ``ann_file``: score labelled patients
            that were not predicted as patients without predictions
            instead of raising. Defaults to False.
        reader_metrics (bool): Also the image-level AUROC and FROC.
            Defaults to True.
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
                 split_file: Optional[str] = None,
                 allow_missing: bool = False,
                 reader_metrics: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.iou_thrs = None if iou_thrs is None else tuple(iou_thrs)
        self.no_fn = no_fn
        self.score_thr = score_thr
        self.sweep_thrs = tuple(sweep_thrs) if sweep_thrs else None
        self.ann_file = ann_file
        self.split_file = split_file
        self.allow_missing = allow_missing
        self.reader_metrics = reader_metrics
        self._labels = None

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            boxes, scores = predictions_in_original_pixels(sample)
            probs = sample.get('pred_image_probs')
            self.results.append(dict(
                patient_id=patient_id_of(sample), boxes=boxes, scores=scores,
                gt=None if self.ann_file else original_gt_boxes(sample),
                p_opacity=None if probs is None else
                float(to_numpy(probs).reshape(-1)[LUNG_OPACITY])))

    def _labels_of_ann_file(self) -> dict:
        if self._labels is None:
            labels = read_rsna_labels(self.ann_file)
            if self.split_file:
                keep = set(read_split_file(self.split_file))
                labels = {p: b for p, b in labels.items() if p in keep}
            self._labels = labels
        return self._labels

    def _gts_from_ann_file(self, results: list) -> list:
        labels = self._labels_of_ann_file()
        unknown = [r['patient_id'] for r in results
                   if r['patient_id'] not in labels]
        if unknown:
            raise InputError(f'{self.ann_file}: no labels for {len(unknown)}'
                             f' predicted patients, e.g. {unknown[:3]}')
        predicted = {r['patient_id'] for r in results}
        missing = [p for p in labels if p not in predicted]
        if missing and not self.allow_missing:
            raise InputError(
                f'{self.ann_file}: {len(missing)} of {len(labels)} labelled '
                f'patients were not predicted, e.g. {missing[:3]} (a '
                'submission must list every patient; allow_missing=True '
                'scores them as patients without predictions)')
        empty = dict(boxes=np.zeros((0, 4)), scores=np.zeros(0))
        results.extend(dict(empty, patient_id=p, gt=None) for p in missing)
        return [labels[r['patient_id']] for r in results]

    def compute_metrics(self, results: list) -> dict:
        gts = self._gts_from_ann_file(results) if self.ann_file else \
            [r['gt'] for r in results]
        metrics = rsna_ap([r['boxes'] for r in results],
                          [r['scores'] for r in results], gts,
                          iou_thrs=self.iou_thrs, no_fn=self.no_fn,
                          score_thr=self.score_thr,
                          sweep_thrs=self.sweep_thrs)
        if self.reader_metrics and gts:
            scores = [r['scores'] for r in results]
            metrics['image_AUROC'] = image_auroc(scores, gts)
            probs = [r.get('p_opacity') for r in results]
            if all(p is not None for p in probs):
                metrics['image_AUROC_head'] = image_auroc(scores, gts, probs)
            curve = froc([r['boxes'] for r in results], scores, gts)
            metrics['FROC_sens@1'] = curve['sens@1']
            metrics['FROC_CPM'] = curve['CPM']
        return metrics
