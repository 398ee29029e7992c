from typing import Optional, Sequence

import numpy as np

from mmgranet.fileio import InputError, read_rsna_labels, read_submission
from .rsna_ap import rsna_ap

DEFAULT_SWEEP = tuple(round(0.05 * i, 2) for i in range(1, 20))


def score_submission(gt_csv: str,
                     submission_csv: str,
                     iou_thrs: Optional[Sequence[float]] = None,
                     no_fn: bool = False,
                     score_thr: float = 0.0,
                     sweep_thrs: Optional[Sequence[float]] = None) -> dict:
    """Score a Kaggle submission file against an RSNA labels file.

    A ground-truth patient missing from the submission counts as having no
    predictions; a submission patient unknown to the ground truth is an
    :class:`InputError`, as is any malformed line of either file.

    Args:
        gt_csv (str): Labels in ``stage_2_train_labels.csv`` format.
        submission_csv (str): ``patientId,PredictionString``.
        iou_thrs, no_fn, score_thr, sweep_thrs: As in :func:`rsna_ap`.

    Returns:
        dict: What :func:`rsna_ap` returns.
    """
    gt = read_rsna_labels(gt_csv)
    sub = read_submission(submission_csv)
    unknown = [pid for pid in sub if pid not in gt]
    if unknown:
        raise InputError(f'{submission_csv}: {len(unknown)} patients are '
                         f'not in {gt_csv}, e.g. {unknown[:3]}')
    empty = (np.zeros((0, 4)), np.zeros(0))
    preds = [sub.get(pid, empty) for pid in gt]
    return rsna_ap([p[0] for p in preds], [p[1] for p in preds],
                   list(gt.values()), iou_thrs=iou_thrs, no_fn=no_fn,
                   score_thr=score_thr, sweep_thrs=sweep_thrs)
