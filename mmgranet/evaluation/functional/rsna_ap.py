"""The Kaggle RSNA Pneumonia Detection Challenge score, vectorised.

Rules (the challenge's definition):

* IoU thresholds t in 0.40, 0.45, ..., 0.75; a prediction hits a
  ground-truth box when IoU > t (strictly);
* predictions are taken in descending confidence, each matched to the
  still-unmatched ground-truth box of highest IoU above t;
* per image and threshold: TP / (TP + FP + FN); the image's score is the
  mean over thresholds, the dataset's the mean over images;
* an image with neither ground truth nor predictions is left out; one with
  no ground truth and any prediction scores 0.

``no_fn=True`` is the paper's second setting (table 2): TP / (TP + FP) at
IoU 0.4, 0.5, 0.6; an image with ground truth but no prediction is left
out there (its precision is undefined).

Shapes: N images, P predictions of an image (Pmax the most of any image),
G its ground-truth boxes (Gmax), T IoU thresholds. Boxes are x1, y1, x2, y2
in pixels; areas are continuous (w * h, no +1).

Greedy matching in confidence order has a property that makes the score
sweep cheap: the matches of the first k predictions do not depend on the
predictions after them. So matching is done once, keeping the cumulative
true-positive count after each prediction; any confidence cut-off then
reads TP for the kept prefix.
"""
from typing import Dict, List, NamedTuple, Optional, Sequence

import numpy as np

RSNA_IOU_THRS = (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75)
NO_FN_IOU_THRS = (0.4, 0.5, 0.6)


def bbox_iou_xyxy(boxes1: np.ndarray, boxes2: np.ndarray) -> np.ndarray:
    """IoU of every pair.

    Args:
        boxes1 (np.ndarray): [..., N, 4] boxes.
        boxes2 (np.ndarray): [..., M, 4] boxes.

    Returns:
        np.ndarray: [..., N, M] IoU; 0 where the union is empty.
    """
    b1 = boxes1[..., :, None, :]
    b2 = boxes2[..., None, :, :]
    iw = np.clip(np.minimum(b1[..., 2], b2[..., 2]) -
                 np.maximum(b1[..., 0], b2[..., 0]), 0, None)
    ih = np.clip(np.minimum(b1[..., 3], b2[..., 3]) -
                 np.maximum(b1[..., 1], b2[..., 1]), 0, None)
    inter = iw * ih
    area1 = (b1[..., 2] - b1[..., 0]) * (b1[..., 3] - b1[..., 1])
    area2 = (b2[..., 2] - b2[..., 0]) * (b2[..., 3] - b2[..., 1])
    union = area1 + area2 - inter
    with np.errstate(divide='ignore', invalid='ignore'):
        return np.where(union > 0, inter / union, 0.0)


class RSNAMatches(NamedTuple):
    """Matching of all images at all IoU thresholds.

    Attributes:
        scores (np.ndarray): [N, Pmax] confidences sorted descending,
            padded with -inf.
        num_gt (np.ndarray): [N] ground-truth boxes per image.
        tp_cum (np.ndarray): [N, T, Pmax + 1] true positives among the
            first k predictions (k = 0..Pmax) at each threshold.
        iou_thrs (tuple): The T thresholds.
    """
    scores: np.ndarray
    num_gt: np.ndarray
    tp_cum: np.ndarray
    iou_thrs: tuple


def _pad(arrays: Sequence[np.ndarray], shape_tail: tuple, fill: float,
         length: int) -> np.ndarray:
    out = np.full((len(arrays), length) + shape_tail, fill, dtype=np.float64)
    for i, a in enumerate(arrays):
        out[i, :len(a)] = a
    return out


def match_rsna(pred_boxes: Sequence[np.ndarray],
               pred_scores: Sequence[np.ndarray],
               gt_boxes: Sequence[np.ndarray],
               iou_thrs: Sequence[float] = RSNA_IOU_THRS) -> RSNAMatches:
    """Greedy confidence-ordered matching of every image at every threshold.

    Args:
        pred_boxes (Sequence[np.ndarray]): N arrays of [P, 4] boxes.
        pred_scores (Sequence[np.ndarray]): N arrays of [P] confidences.
        gt_boxes (Sequence[np.ndarray]): N arrays of [G, 4] boxes.
        iou_thrs (Sequence[float]): T thresholds. Defaults to the RSNA ones.

    Returns:
        RSNAMatches: What :func:`rsna_image_scores` needs.
    """
    n = len(gt_boxes)
    if not len(pred_boxes) == len(pred_scores) == n:
        raise ValueError(f'{len(pred_boxes)} prediction sets, '
                         f'{len(pred_scores)} score sets, {n} ground truths')
    thrs = np.asarray(iou_thrs, dtype=np.float64)
    num_pred = np.array([len(s) for s in pred_scores], dtype=np.int64)
    num_gt = np.array([len(g) for g in gt_boxes], dtype=np.int64)
    p_max = int(num_pred.max(initial=0))
    g_max = int(num_gt.max(initial=0))

    orders = [np.argsort(-np.asarray(s, dtype=np.float64), kind='stable')
              for s in pred_scores]
    scores = _pad([np.asarray(s, np.float64)[o]
                   for s, o in zip(pred_scores, orders)], (), -np.inf, p_max)
    tp_cum = np.zeros((n, len(thrs), p_max + 1), dtype=np.int32)
    # only images with both predictions and ground truth need matching
    both = np.flatnonzero((num_pred > 0) & (num_gt > 0))
    if len(both) == 0:
        return RSNAMatches(scores, num_gt, tp_cum, tuple(iou_thrs))

    preds = _pad([np.asarray(pred_boxes[i], np.float64).reshape(-1, 4)[
        orders[i]] for i in both], (4, ), 0.0, p_max)
    gts = _pad([np.asarray(gt_boxes[i], np.float64).reshape(-1, 4)
                for i in both], (4, ), 0.0, g_max)
    ious = bbox_iou_xyxy(preds, gts)  # [n', Pmax, Gmax]
    # padded ground truth never matches
    padded_gt = np.arange(g_max)[None, None, :] >= num_gt[both][:, None, None]
    ious = np.where(padded_gt, -1.0, ious)
    matched = np.zeros((len(both), len(thrs), g_max), dtype=bool)
    tp = np.zeros((len(both), len(thrs)), dtype=np.int32)
    for p in range(p_max):
        # [n', T, Gmax] IoU of prediction p with still-unmatched boxes
        cand = np.where(matched, -1.0, ious[:, None, p, :])
        best = cand.argmax(axis=2)  # [n', T]
        best_iou = np.take_along_axis(cand, best[..., None], axis=2)[..., 0]
        hit = (best_iou > thrs[None, :]) & (p < num_pred[both])[:, None]
        rows, cols = np.nonzero(hit)
        matched[rows, cols, best[rows, cols]] = True
        tp += hit
        tp_cum[both, :, p + 1] = tp
    return RSNAMatches(scores, num_gt, tp_cum, tuple(iou_thrs))


def rsna_image_scores(matches: RSNAMatches,
                      score_thr: float = 0.0,
                      no_fn: bool = False) -> np.ndarray:
    """Per-image, per-threshold scores at a confidence cut-off.

    Args:
        matches (RSNAMatches): From :func:`match_rsna`.
        score_thr (float): Predictions with confidence >= score_thr count.
            Defaults to 0.0.
        no_fn (bool): TP / (TP + FP), images with ground truth and no
            prediction left out. Defaults to False.

    Returns:
        np.ndarray: [N, T] scores, NaN for images left out.
    """
    kept = (matches.scores >= score_thr).sum(axis=1)  # [N]
    tp = np.take_along_axis(matches.tp_cum, kept[:, None, None],
                            axis=2)[..., 0].astype(np.float64)  # [N, T]
    fp = kept[:, None] - tp
    fn = matches.num_gt[:, None] - tp
    with np.errstate(divide='ignore', invalid='ignore'):
        scores = tp / (tp + fp) if no_fn else tp / (tp + fp + fn)
    if no_fn:
        left_out = kept == 0
    else:
        left_out = (kept == 0) & (matches.num_gt == 0)
    scores[left_out] = np.nan
    return scores


def _summary(image_scores: np.ndarray, iou_thrs: Sequence[float]) -> dict:
    scored = ~np.isnan(image_scores[:, 0])
    result: Dict[str, float] = {}
    result['AP'] = float(image_scores[scored].mean()) if scored.any() \
        else 0.0
    for j, t in enumerate(iou_thrs):
        result[f'AP@{t:g}'] = float(image_scores[scored, j].mean()) \
            if scored.any() else 0.0
    result['num_images'] = int(scored.sum())
    return result


def rsna_ap(pred_boxes: Sequence[np.ndarray],
            pred_scores: Sequence[np.ndarray],
            gt_boxes: Sequence[np.ndarray],
            iou_thrs: Optional[Sequence[float]] = None,
            no_fn: bool = False,
            score_thr: float = 0.0,
            sweep_thrs: Optional[Sequence[float]] = None) -> dict:
    """The challenge score of a dataset, optionally with a cut-off sweep.

    Args:
        pred_boxes (Sequence[np.ndarray]): N arrays of [P, 4] xyxy boxes.
        pred_scores (Sequence[np.ndarray]): N arrays of [P] confidences.
        gt_boxes (Sequence[np.ndarray]): N arrays of [G, 4] xyxy boxes.
        iou_thrs (Sequence[float], optional): Defaults to 0.40:0.05:0.75,
            or to 0.4, 0.5, 0.6 when ``no_fn``.
        no_fn (bool): The paper's second setting. Defaults to False.
        score_thr (float): Confidence cut-off of ``AP``. Defaults to 0.0.
        sweep_thrs (Sequence[float], optional): Cut-offs to sweep; adds
            ``best_score_thr`` and ``AP@best_score_thr``. Defaults to None.

    Returns:
        dict: ``AP``, ``AP@<t>`` for each threshold, ``num_images`` (images
        scored), and the sweep's best cut-off when asked.
    """
    if iou_thrs is None:
        iou_thrs = NO_FN_IOU_THRS if no_fn else RSNA_IOU_THRS
    matches = match_rsna(pred_boxes, pred_scores, gt_boxes, iou_thrs)
    result = _summary(rsna_image_scores(matches, score_thr, no_fn), iou_thrs)
    if sweep_thrs is not None and len(sweep_thrs) > 0:
        aps: List[float] = [
            _summary(rsna_image_scores(matches, t, no_fn), iou_thrs)['AP']
            for t in sweep_thrs
        ]
        best = int(np.argmax(aps))
        result['best_score_thr'] = float(sweep_thrs[best])
        result['AP@best_score_thr'] = aps[best]
    return result
