from typing import Optional, Sequence

import numpy as np

from mmgranet.fileio import (InputError, read_rsna_labels, read_split_file,
                             read_submission)
from .rsna_ap import rsna_ap


def load_for_scoring(gt_csv: str,
                     submission_csv: str,
                     split_file: Optional[str] = None,
                     allow_missing: bool = False) -> tuple:
    """A submission and its labels, patient by patient.

    A labelled patient (of ``split_file`` when given) missing from the
    submission is an :class:`InputError`, as Kaggle rejects such a file,
    unless ``allow_missing`` (then it counts as having no predictions); a
    submission patient without labels is always an error.

    Returns:
        tuple: (patient ids, pred boxes, pred scores, gt boxes), lists over
        the labelled patients in the labels' order.
    """
    gt = read_rsna_labels(gt_csv)
    if split_file is not None:
        wanted = read_split_file(split_file)
        unknown = [p for p in wanted if p not in gt]
        if unknown:
            raise InputError(f'{split_file}: {len(unknown)} patients are '
                             f'not in {gt_csv}, e.g. {unknown[:3]}')
        keep = set(wanted)
        gt = {p: b for p, b in gt.items() if p in keep}
    sub = read_submission(submission_csv)
    unknown = [pid for pid in sub if pid not in gt]
    if unknown:
        where = f'{gt_csv}' + (f' ({split_file})' if split_file else '')
        raise InputError(f'{submission_csv}: {len(unknown)} patients are '
                         f'not in {where}, e.g. {unknown[:3]}')
    missing = [pid for pid in gt if pid not in sub]
    if missing and not allow_missing:
        raise InputError(
            f'{submission_csv}: {len(missing)} of the {len(gt)} labelled '
            f'patients have no row, e.g. {missing[:3]} (Kaggle rejects '
            'such a file; allow_missing / --allow-missing scores them as '
            'patients without predictions)')
    empty = (np.zeros((0, 4)), np.zeros(0))
    preds = [sub.get(pid, empty) for pid in gt]
    return (list(gt), [p[0] for p in preds], [p[1] for p in preds],
            list(gt.values()))


def score_submission(gt_csv: str,
                     submission_csv: str,
                     iou_thrs: Optional[Sequence[float]] = None,
                     no_fn: bool = False,
                     score_thr: float = 0.0,
                     sweep_thrs: Optional[Sequence[float]] = None,
                     split_file: Optional[str] = None,
                     allow_missing: bool = False) -> dict:
    """Score a Kaggle submission file against an RSNA labels file.

    Patients are matched as in :func:`load_for_scoring` (a missing
    patient is an error unless ``allow_missing``); any malformed line of
    either file is an :class:`InputError`.

    Args:
        gt_csv (str): Labels in ``stage_2_train_labels.csv`` format.
        submission_csv (str): ``patientId,PredictionString``.
        iou_thrs, no_fn, score_thr, sweep_thrs: As in :func:`rsna_ap`.
        split_file (str, optional): Score only these labelled patients.
        allow_missing (bool): Defaults to False.

    Returns:
        dict: What :func:`rsna_ap` returns.
    """
    _, boxes, scores, gts = load_for_scoring(gt_csv, submission_csv,
                                             split_file, allow_missing)
    return rsna_ap(boxes, scores, gts, iou_thrs=iou_thrs, no_fn=no_fn,
                   score_thr=score_thr, sweep_thrs=sweep_thrs)
