"""Kaggle RSNA submission files: ``patientId,PredictionString``.

PredictionString holds groups of ``score x y w h`` separated by spaces, in
original image pixels; it is empty for a patient without predictions.
"""
import csv
import math
import warnings
from collections import OrderedDict
from typing import Dict, Iterable, List, Mapping, Optional, Tuple

import numpy as np

from .atomic import atomic_write
from .csv_rows import iter_csv_rows
from .errors import InputError

SUBMISSION_HEADER = ['patientId', 'PredictionString']

Predictions = Tuple[np.ndarray, np.ndarray]  # [P, 4] xyxy, [P] scores


def as_submitted(boxes: np.ndarray, scores: np.ndarray,
                 score_decimals: int = 4, box_decimals: int = 1
                 ) -> Tuple[np.ndarray, np.ndarray]:
    """The predictions as a submission stores them: corners rounded to
    ``box_decimals``, scores to ``score_decimals``, boxes without area
    after rounding (or with a non-finite score) left out, best first.
    Score these to get what Kaggle scores for the file (an IoU at a
    threshold can flip at 0.1 px).

    Returns:
        tuple: (boxes [P', 4] xyxy, scores [P']).
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    order = np.argsort(-scores, kind='stable')
    boxes, scores = np.round(boxes[order], box_decimals), scores[order]
    w = np.round(boxes[:, 2] - boxes[:, 0], box_decimals)
    h = np.round(boxes[:, 3] - boxes[:, 1], box_decimals)
    keep = (w > 0) & (h > 0) & np.isfinite(scores)
    return boxes[keep], np.round(scores[keep], score_decimals)


def format_prediction_string(boxes: np.ndarray, scores: np.ndarray,
                             score_decimals: int = 4,
                             box_decimals: int = 1) -> Tuple[str, int]:
    """Format predictions as ``score x y w h ...``, best first.

    Args:
        boxes (np.ndarray): [P, 4] x1, y1, x2, y2 in original pixels.
        scores (np.ndarray): [P] confidences.
        score_decimals (int): Defaults to 4.
        box_decimals (int): Defaults to 1.

    Returns:
        tuple[str, int]: The string, and how many boxes were left out for
        having no area after rounding (a reader rejects them).
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    groups, dropped = [], 0
    for i in np.argsort(-scores, kind='stable'):
        x1, y1, x2, y2 = np.round(boxes[i], box_decimals)
        w, h = round(x2 - x1, box_decimals), round(y2 - y1, box_decimals)
        if not (w > 0 and h > 0) or not math.isfinite(scores[i]):
            dropped += 1
            continue
        groups.append(f'{scores[i]:.{score_decimals}f} {x1:g} {y1:g} '
                      f'{w:g} {h:g}')
    return ' '.join(groups), dropped


def write_submission(path: str, predictions: Mapping[str, Predictions],
                     patient_ids: Optional[Iterable[str]] = None) -> None:
    """Write a submission atomically, one row per patient.

    Args:
        path (str): Output CSV.
        predictions (Mapping[str, tuple]): patientId -> (boxes [P, 4] xyxy,
            scores [P]) in original image coordinates.
        patient_ids (Iterable[str], optional): Every patient that must
            appear (the test set), in output order; patients without
            predictions get an empty PredictionString. Defaults to the keys
            of ``predictions``.
    """
    ids = list(predictions if patient_ids is None else patient_ids)
    unknown = set(predictions) - set(ids)
    if unknown:
        raise ValueError(f'predictions for {len(unknown)} patients not in '
                         f'patient_ids, e.g. {sorted(unknown)[:3]}')
    dropped = 0
    with atomic_write(path, newline='') as f:
        writer = csv.writer(f)
        writer.writerow(SUBMISSION_HEADER)
        for pid in ids:
            boxes, scores = predictions.get(pid, (np.zeros((0, 4)),
                                                  np.zeros(0)))
            text, n = format_prediction_string(boxes, scores)
            dropped += n
            writer.writerow([pid, text])
    if dropped:
        warnings.warn(f'{path}: left out {dropped} predicted boxes with no '
                      'area after rounding')


def _is_float(token: str) -> bool:
    try:
        float(token)
        return True
    except ValueError:
        return False


def _parse_groups(path: str, lines: List[int],
                  texts: List[str]) -> List[np.ndarray]:
    """Parse every PredictionString at once ([P, 5] groups per row).

    One numpy conversion for the whole file instead of one per row: a
    26,684-row submission reads in a fraction of a second. Problems are
    located afterwards, so they still name their line.
    """
    tokens: List[str] = []
    counts = []
    for line, text in zip(lines, texts):
        row_tokens = text.split()
        if len(row_tokens) % 5:
            raise InputError(f'{path}, line {line}: {len(row_tokens)} tokens '
                             'in PredictionString, expected groups of 5 '
                             '(score x y w h)')
        tokens.extend(row_tokens)
        counts.append(len(row_tokens) // 5)
    try:
        values = np.array(tokens, dtype=np.float64).reshape(-1, 5)
    except ValueError:
        bad = next(i for i, t in enumerate(tokens) if not _is_float(t))
        row = int(np.searchsorted(np.cumsum(counts) * 5, bad, 'right'))
        raise InputError(f'{path}, line {lines[row]}: non-numeric token '
                         f'{tokens[bad]!r}') from None
    row_of_group = np.repeat(np.arange(len(counts)), counts)
    first_group = np.concatenate([[0], np.cumsum(counts)])
    bad = np.flatnonzero(~np.isfinite(values).all(axis=1))
    if len(bad):
        raise InputError(f'{path}, line {lines[row_of_group[bad[0]]]}: NaN '
                         'or infinite value in PredictionString')
    bad = np.flatnonzero((values[:, 3] <= 0) | (values[:, 4] <= 0))
    if len(bad):
        row = row_of_group[bad[0]]
        g = values[bad[0]]
        raise InputError(f'{path}, line {lines[row]}: box '
                         f'{bad[0] - first_group[row] + 1} has zero or '
                         f'negative size (width {g[3]:g}, height {g[4]:g})')
    return np.split(values, first_group[1:-1])


def read_submission(path: str) -> Dict[str, Predictions]:
    """Read and validate a submission.

    Raises:
        InputError: Naming file and line, for an empty file, a wrong header
            or column count, a malformed PredictionString (token count not a
            multiple of 5, non-numeric or NaN token, zero or negative width
            or height) and a duplicate patientId.

    Returns:
        dict[str, tuple]: patientId -> (boxes [P, 4] xyxy, scores [P]).
    """
    out: Dict[str, Predictions] = OrderedDict()
    first_line: Dict[str, int] = {}  # insertion-ordered
    texts: List[str] = []
    for line, row in iter_csv_rows(path, SUBMISSION_HEADER, 'submission'):
        where = f'{path}, line {line}'
        if len(row) != 2:
            raise InputError(f'{where}: {len(row)} columns, expected 2')
        pid = row[0].strip()
        if not pid:
            raise InputError(f'{where}: empty patientId')
        if pid in first_line:
            raise InputError(f'{where}: patientId {pid} already on line '
                             f'{first_line[pid]}')
        first_line[pid] = line
        texts.append(row[1])
    groups = _parse_groups(path, list(first_line.values()), texts)
    for pid, g in zip(first_line, groups):
        boxes = g[:, 1:5].copy()
        boxes[:, 2:] += boxes[:, :2]
        out[pid] = (boxes, g[:, 0].copy())
    return out
