"""What a clinical reader of a chest X-ray detector asks beside the Kaggle
AP: does the image have an opacity (image-level AUROC), and how many
lesions does it find for how many false marks per image (FROC).

Shapes: per patient, predicted boxes [P, 4] xyxy with scores [P], and
ground-truth boxes [G, 4] xyxy (empty: no opacity).
"""
from typing import Dict, Optional, Sequence

import numpy as np

from .image_metrics import pixel_auroc
from .rsna_ap import bbox_iou_xyxy

# LUNA16's operating points: false positives per image
FROC_FPS = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)


def image_auroc(pred_scores: Sequence[np.ndarray],
                gt_boxes: Sequence[np.ndarray],
                image_probs: Optional[Sequence[float]] = None) -> float:
    """AUROC of "this image has a Lung Opacity": the image-level
    probability when given, else the image's highest box score (0 with
    no box). NaN when all images are of one class."""
    positive = np.array([len(g) > 0 for g in gt_boxes])
    if image_probs is None:
        values = np.array([float(np.max(s)) if len(s) else 0.0
                           for s in pred_scores])
    else:
        values = np.asarray(image_probs, np.float64)
    return pixel_auroc(values, positive)


def _froc_parts(pred_boxes, pred_scores, gt_boxes, iou_thr):
    """Per prediction (score, false positive?, its patient) and per
    lesion (the best score of a prediction hitting it, -inf if none,
    its patient)."""
    scores, fp, pred_patient, first_hit, lesion_patient = [], [], [], [], []
    for k, (boxes, s, gt) in enumerate(zip(pred_boxes, pred_scores,
                                           gt_boxes)):
        boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
        s = np.asarray(s, np.float64).reshape(-1)
        gt = np.asarray(gt, np.float64).reshape(-1, 4)
        hit = bbox_iou_xyxy(boxes, gt) >= iou_thr if len(boxes) and \
            len(gt) else np.zeros((len(boxes), len(gt)), bool)
        scores.append(s)
        fp.append(~hit.any(1))
        pred_patient.append(np.full(len(s), k))
        best = np.where(hit, s[:, None], -np.inf).max(0) if len(s) else \
            np.full(len(gt), -np.inf)
        first_hit.append(best)
        lesion_patient.append(np.full(len(gt), k))
    cat = (lambda xs, dt: np.concatenate(xs).astype(dt) if xs else
           np.zeros(0, dt))
    return (cat(scores, np.float64), cat(fp, bool), cat(pred_patient, int),
            cat(first_hit, np.float64), cat(lesion_patient, int))


def _froc_curve(parts, weights, fps_per_image):
    """Sensitivity at each operating point, patients weighted (a
    bootstrap resample: how often each patient is drawn)."""
    scores, fp, pred_patient, first_hit, lesion_patient = parts
    lesions = weights[lesion_patient].sum()
    if lesions == 0:
        return np.full(len(fps_per_image), np.nan)
    thrs = np.unique(scores)[::-1]  # the cut-offs, falling
    order = np.argsort(-scores, kind='stable')
    fp_w = (fp * weights[pred_patient])[order]
    # false positives per image with every score >= each cut-off
    n_above = np.searchsorted(-scores[order], -thrs, side='right')
    fps = np.concatenate([[0.0], np.cumsum(fp_w)])[n_above] / \
        weights.sum()
    hit_order = np.argsort(-first_hit, kind='stable')
    hit_w = weights[lesion_patient][hit_order]
    n_found = np.searchsorted(-first_hit[hit_order], -thrs, side='right')
    sens = np.concatenate([[0.0], np.cumsum(hit_w)])[n_found] / lesions
    fps = np.concatenate([[0.0], fps])  # before the first cut-off
    sens = np.concatenate([[0.0], sens])
    # the best sensitivity with at most f false positives per image
    # (both rise as the cut-off falls)
    last = np.searchsorted(fps, np.asarray(fps_per_image), side='right') - 1
    return sens[last]


def froc(pred_boxes: Sequence[np.ndarray], pred_scores: Sequence[np.ndarray],
         gt_boxes: Sequence[np.ndarray], iou_thr: float = 0.4,
         fps_per_image: Sequence[float] = FROC_FPS,
         num_samples: int = 0, seed: int = 0,
         level: float = 0.95) -> Dict[str, float]:
    """Lesion sensitivity at fixed false positives per image.

    A prediction hits a lesion at IoU >= ``iou_thr`` (the RSNA metric's
    lowest threshold); a lesion counts as found at a cut-off when a
    prediction above it hits it; a prediction that hits no lesion is a
    false positive. The curve runs over every cut-off; at each operating
    point the best sensitivity with at most that many false positives
    per image is reported (``sens@<fp>``), and their mean (``CPM``, the
    LUNA16 score). With ``num_samples``, ``CPM_ci_low`` / ``CPM_ci_high``:
    a percentile bootstrap over patients.
    """
    parts = _froc_parts(pred_boxes, pred_scores, gt_boxes, iou_thr)
    n = len(gt_boxes)
    sens = _froc_curve(parts, np.ones(n), fps_per_image)
    out = {f'sens@{f:g}': float(v) for f, v in zip(fps_per_image, sens)}
    out['CPM'] = float(np.mean(sens))
    if num_samples and n:
        rng = np.random.default_rng(seed)
        cpms = []
        for _ in range(num_samples):
            w = np.bincount(rng.integers(0, n, n), minlength=n).astype(
                np.float64)
            cpms.append(np.mean(_froc_curve(parts, w, fps_per_image)))
        cpms = np.asarray(cpms)
        cpms = cpms[np.isfinite(cpms)]
        lo, hi = np.percentile(cpms, [50 * (1 - level), 50 * (1 + level)]) \
            if len(cpms) else (np.nan, np.nan)
        out.update(CPM_ci_low=float(lo), CPM_ci_high=float(hi))
    return out


def image_auroc_ci(pred_scores, gt_boxes, image_probs=None,
                   num_samples: int = 1000, seed: int = 0,
                   level: float = 0.95):
    """A percentile bootstrap interval (over patients) of
    :func:`image_auroc`."""
    n = len(gt_boxes)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(num_samples):
        idx = rng.integers(0, n, n)
        values.append(image_auroc(
            [pred_scores[i] for i in idx], [gt_boxes[i] for i in idx],
            None if image_probs is None else
            [image_probs[i] for i in idx]))
    values = np.asarray(values)
    values = values[np.isfinite(values)]
    if not len(values):
        return float('nan'), float('nan')
    lo, hi = np.percentile(values, [50 * (1 - level), 50 * (1 + level)])
    return float(lo), float(hi)
