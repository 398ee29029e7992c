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


def froc(pred_boxes: Sequence[np.ndarray], pred_scores: Sequence[np.ndarray],
         gt_boxes: Sequence[np.ndarray], iou_thr: float = 0.4,
         fps_per_image: Sequence[float] = FROC_FPS) -> Dict[str, float]:
    """Lesion sensitivity at fixed false positives per image.

    A prediction hits a lesion at IoU >= ``iou_thr`` (the RSNA metric's
    lowest threshold); a lesion counts as found at a cut-off when a
    prediction above it hits it; a prediction that hits no lesion is a
    false positive. The curve runs over every cut-off; at each operating
    point the best sensitivity with at most that many false positives
    per image is reported (``sens@<fp>``), and their mean (``CPM``, the
    LUNA16 score).
    """
    scores, hits_fp, lesion_of = [], [], []
    num_lesions = 0
    for boxes, s, gt in zip(pred_boxes, pred_scores, gt_boxes):
        boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
        s = np.asarray(s, np.float64).reshape(-1)
        gt = np.asarray(gt, np.float64).reshape(-1, 4)
        iou = bbox_iou_xyxy(boxes, gt) if len(boxes) and len(gt) else \
            np.zeros((len(boxes), len(gt)))
        for i in range(len(boxes)):
            scores.append(s[i])
            hit = np.nonzero(iou[i] >= iou_thr)[0]
            hits_fp.append(len(hit) == 0)
            lesion_of.append([num_lesions + j for j in hit])
        num_lesions += len(gt)
    n_images = max(1, len(gt_boxes))
    out = {}
    if not num_lesions:
        out.update({f'sens@{f:g}': float('nan') for f in fps_per_image})
        out['CPM'] = float('nan')
        return out
    order = np.argsort(-np.asarray(scores), kind='stable')
    found, fps = set(), 0
    curve = [(0.0, 0.0)]  # (fp per image, sensitivity), cut-offs falling
    ordered = np.asarray(scores)[order]
    for k, i in enumerate(order):
        if hits_fp[i]:
            fps += 1
        found.update(lesion_of[i])
        # one point per distinct cut-off (ties enter together)
        if k + 1 == len(order) or ordered[k + 1] != ordered[k]:
            curve.append((fps / n_images, len(found) / num_lesions))
    curve = np.array(curve)
    for f in fps_per_image:
        ok = curve[:, 0] <= f
        out[f'sens@{f:g}'] = float(curve[ok, 1].max())
    out['CPM'] = float(np.mean([out[f'sens@{f:g}'] for f in fps_per_image]))
    return out
