"""Reader of RSNA's ``stage_2_train_labels.csv``.

One row per box, ``patientId,x,y,width,height,Target``; a patient without
opacity has one row with Target 0 and empty box fields.
"""
import math
from collections import OrderedDict
from typing import Dict

import numpy as np

from .csv_rows import iter_csv_rows
from .errors import Problems

RSNA_LABELS_HEADER = ['patientId', 'x', 'y', 'width', 'height', 'Target']


def _box(fields, problems, line):
    try:
        x, y, w, h = (float(v) for v in fields)
    except ValueError:
        problems.add(f'non-numeric box {fields}', line)
        return None
    if not all(math.isfinite(v) for v in (x, y, w, h)):
        problems.add(f'non-finite box {fields}', line)
        return None
    if w <= 0 or h <= 0:
        problems.add(f'box with zero or negative size (width {w:g}, '
                     f'height {h:g})', line)
        return None
    return [x, y, x + w, y + h]


def read_rsna_labels(path: str,
                     on_error: str = 'raise',
                     with_lines: bool = False):
    """Read the labels, one entry per patient in first-seen order.

    Args:
        path (str): The CSV file.
        on_error (str): 'raise' (default) stops at the first bad row with an
            :class:`InputError` naming file and line; 'skip' drops bad rows
            and warns once with their count.
        with_lines (bool): Also return each box's line number, so later
            checks (a box outside its image) can name it. Defaults to False.

    Returns:
        dict[str, np.ndarray]: patientId -> [G, 4] float64 boxes x1, y1, x2,
        y2 in pixels; G = 0 for Target-0 patients. With ``with_lines``, a
        tuple of that and patientId -> list of G line numbers.
    """
    problems = Problems(path, on_error)
    boxes: Dict[str, list] = OrderedDict()
    lines: Dict[str, list] = {}
    targets: Dict[str, int] = {}
    seen: Dict[tuple, int] = {}
    for line, row in iter_csv_rows(path, RSNA_LABELS_HEADER, 'labels file'):
        if len(row) != 6:
            problems.add(f'{len(row)} columns, expected 6', line)
            continue
        pid, *fields, target = (v.strip() for v in row)
        if not pid:
            problems.add('empty patientId', line)
            continue
        key = (pid, *fields, target)
        if key in seen:
            problems.add(f'duplicate of line {seen[key]}', line)
            continue
        seen[key] = line
        if target not in ('0', '1'):
            problems.add(f'Target {target!r}, expected 0 or 1', line)
            continue
        if targets.setdefault(pid, int(target)) != int(target):
            problems.add(f'patient {pid} has rows with Target 0 and 1',
                         line)
            continue
        if target == '0':
            if any(fields):
                problems.add(f'Target 0 with a box {fields}', line)
                continue
            boxes.setdefault(pid, [])
            lines.setdefault(pid, [])
        else:
            box = _box(fields, problems, line)
            if box is not None:
                boxes.setdefault(pid, []).append(box)
                lines.setdefault(pid, []).append(line)
    problems.report('rows')
    labels = OrderedDict(
        (pid, np.asarray(b, dtype=np.float64).reshape(-1, 4))
        for pid, b in boxes.items())
    return (labels, lines) if with_lines else labels
