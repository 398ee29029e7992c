"""The evaluation protocol: a score cut-off chosen on validation patients,
applied to held-out test patients, with bootstrap confidence intervals.

Picking the cut-off on the patients it is reported on is optimistic (the
best of 19 tries on the same noise); here the validation patients choose
and the test patients, which nothing learnt from or chose with, are
scored. Uncertainty comes from resampling the test patients (percentile
bootstrap); comparisons of two models on the same patients resample the
patients jointly (paired bootstrap), which cancels the variation that
both models share.

Shapes: N patients, T IoU thresholds.
"""
import warnings
from typing import Dict, Optional, Sequence

import numpy as np

from .rsna_ap import (NO_FN_IOU_THRS, RSNA_IOU_THRS, _summary, match_rsna,
                      rsna_image_scores)

DEFAULT_SWEEP = tuple(round(0.05 * i, 2) for i in range(1, 20))


def choose_cutoff(pred_boxes: Sequence[np.ndarray],
                  pred_scores: Sequence[np.ndarray],
                  gt_boxes: Sequence[np.ndarray],
                  iou_thrs: Optional[Sequence[float]] = None,
                  no_fn: bool = False,
                  sweep_thrs: Sequence[float] = DEFAULT_SWEEP) -> dict:
    """The confidence cut-off with the best AP on these (validation)
    patients; ties go to the lowest cut-off.

    Returns:
        dict: ``score_thr`` and ``AP`` there (both on these patients).
    """
    if iou_thrs is None:
        iou_thrs = NO_FN_IOU_THRS if no_fn else RSNA_IOU_THRS
    matches = match_rsna(pred_boxes, pred_scores, gt_boxes, iou_thrs)
    aps = [_summary(rsna_image_scores(matches, t, no_fn), iou_thrs)['AP']
           for t in sweep_thrs]
    best = int(np.argmax(aps))
    return dict(score_thr=float(sweep_thrs[best]), AP=float(aps[best]))


def bootstrap_ci(image_scores: np.ndarray, num_samples: int = 1000,
                 seed: int = 0, level: float = 0.95) -> tuple:
    """Percentile bootstrap interval of the mean of per-patient scores
    ([N], NaN: left out, as the RSNA metric leaves them out)."""
    image_scores = np.asarray(image_scores, dtype=np.float64)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(image_scores),
                       (num_samples, len(image_scores)))
    with warnings.catch_warnings():  # a resample may have no scored image
        warnings.simplefilter('ignore', RuntimeWarning)
        means = np.nanmean(image_scores[idx], axis=1)
    means = means[np.isfinite(means)]
    lo, hi = np.percentile(means, [50 * (1 - level), 50 * (1 + level)])
    return float(lo), float(hi)


def seeds_patients_bootstrap(scores_a, scores_b, num_samples: int = 2000,
                             seed: int = 0,
                             level: float = 0.95) -> Dict[str, float]:
    """AP(a) - AP(b) of two rows, the mean over seeds, with an interval
    from resampling both the seeds and the test patients (the same
    resample for both rows: paired). With one seed it is the paired
    bootstrap over patients.

    Args:
        scores_a, scores_b: Per seed, the per-patient scores of a row:
            [S, N] arrays (the same patients in the same order, NaN: left
            out, as the RSNA metric leaves them out) or S dicts patient ->
            score (None: left out), matched by patient.
        num_samples (int): Bootstrap resamples. Defaults to 2000.
        seed (int): Defaults to 0.
        level (float): Defaults to 0.95.

    Returns:
        dict: ``diff``, ``ci_low``, ``ci_high`` and ``p_le_0``: the share
        of resamples where a is not better than b.
    """
    def matrix(runs, patients):
        if patients is None:
            return np.asarray(runs, dtype=np.float64)
        return np.array([[np.nan if r.get(p) is None else r[p]
                          for p in patients] for r in runs], np.float64)
    patients = None
    if len(scores_a) and isinstance(scores_a[0], dict):
        patients = sorted(scores_a[0])
        for runs in (scores_a, scores_b):
            for r in runs:
                if sorted(r) != patients:
                    raise ValueError('rows to compare need the same test '
                                     'patients in every seed')
    a, b = matrix(scores_a, patients), matrix(scores_b, patients)  # [S, N]
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError('rows to compare need the same seeds and patients,'
                         f' got {a.shape} and {b.shape}')
    rng = np.random.default_rng(seed)
    s, n = a.shape
    diffs = np.empty(num_samples)
    with warnings.catch_warnings():  # a resample may have no scored image
        warnings.simplefilter('ignore', RuntimeWarning)
        for i in range(num_samples):
            rows = rng.integers(0, s, s)
            cols = rng.integers(0, n, n)
            diffs[i] = np.mean(np.nanmean(a[rows][:, cols], axis=1) -
                               np.nanmean(b[rows][:, cols], axis=1))
        diff = float(np.mean(np.nanmean(a, axis=1) - np.nanmean(b, axis=1)))
    diffs = diffs[np.isfinite(diffs)]
    if not len(diffs):  # no patient is scored in either row
        return dict(diff=diff, ci_low=float('nan'), ci_high=float('nan'),
                    p_le_0=float('nan'))
    lo, hi = np.percentile(diffs, [50 * (1 - level), 50 * (1 + level)])
    return dict(diff=diff, ci_low=float(lo), ci_high=float(hi),
                p_le_0=float((diffs <= 0).mean()))


def heldout_ap(val: tuple,
               test: tuple,
               iou_thrs: Optional[Sequence[float]] = None,
               no_fn: bool = False,
               sweep_thrs: Sequence[float] = DEFAULT_SWEEP,
               num_samples: int = 1000,
               seed: int = 0) -> dict:
    """Choose the cut-off on ``val``, score ``test`` at it.

    Args:
        val, test (tuple): (pred_boxes, pred_scores, gt_boxes), each a
            sequence over patients as in :func:`rsna_ap`.
        iou_thrs, no_fn: As in :func:`rsna_ap`.
        sweep_thrs (Sequence[float]): The cut-offs validation chooses
            from. Defaults to 0.05, 0.10, ..., 0.95.
        num_samples (int): Bootstrap resamples of the test patients; 0
            for none. Defaults to 1000.
        seed (int): Defaults to 0.

    Returns:
        dict: ``score_thr`` (chosen on val), ``val_AP`` there; on test:
        ``AP`` and ``AP@<t>`` at the cut-off, ``AP_ci_low`` /
        ``AP_ci_high`` (bootstrap), ``AP_raw`` (every box counts: the
        Kaggle score of an unfiltered submission), ``AP_optimistic`` and
        ``optimistic_score_thr`` (the cut-off best on test itself: a
        diagnostic, optimistic by construction), ``num_images`` and
        ``image_scores`` ([N] per-patient scores at the cut-off, NaN when
        left out, for paired comparisons).
    """
    if iou_thrs is None:
        iou_thrs = NO_FN_IOU_THRS if no_fn else RSNA_IOU_THRS
    chosen = choose_cutoff(*val, iou_thrs=iou_thrs, no_fn=no_fn,
                           sweep_thrs=sweep_thrs)
    thr = chosen['score_thr']
    matches = match_rsna(*test, iou_thrs)
    scores = rsna_image_scores(matches, thr, no_fn)
    result = dict(score_thr=thr, val_AP=chosen['AP'])
    result.update(_summary(scores, iou_thrs))
    result['AP_raw'] = _summary(rsna_image_scores(matches, 0.0, no_fn),
                                iou_thrs)['AP']
    optimistic = [
        _summary(rsna_image_scores(matches, t, no_fn), iou_thrs)['AP']
        for t in sweep_thrs
    ]
    best = int(np.argmax(optimistic))
    result['AP_optimistic'] = optimistic[best]
    result['optimistic_score_thr'] = float(sweep_thrs[best])
    per_image = scores.mean(axis=1)
    if num_samples:
        result['AP_ci_low'], result['AP_ci_high'] = bootstrap_ci(
            per_image, num_samples, seed)
    result['image_scores'] = per_image
    return result
