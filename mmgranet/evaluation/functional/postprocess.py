"""RSNA box post-processing chosen on validation patients (boxes shrunk
about their centres by one scale, as the RSNA winners shrank theirs:
i-pan 0.875; image-level gating score * p_opacity ** power) and the
prediction folders of tools/infer.py it reads. Shapes: N boxes, xyxy."""
import json
import os.path as osp
from typing import Callable, Optional

import numpy as np

from mmgranet.fileio import (InputError, as_submitted, read_rsna_labels,
                             read_split_file)
from .heldout import choose_cutoff

SHRINKS = (1.0, 0.95, 0.9, 0.875, 0.85, 0.8)
POWERS = (0.0, 0.5, 1.0, 2.0)


def read_predictions(folder: str, labels_csv: str, split_file=None,
                     members: bool = False):
    """(patient ids, boxes, scores, p_opacity, gt boxes) of the labelled
    patients (of ``split_file``) from a tools/infer.py output folder; with
    ``members`` a sixth list, per patient (its image's (H, W), its passes
    before fusion: ``member_predictions``, dicts of checkpoint, flip,
    boxes, scores, p_opacity). A labelled patient without a prediction
    file (or its passes) is an error naming it."""
    labels = read_rsna_labels(labels_csv)
    pids = read_split_file(split_file) if split_file else list(labels)
    boxes, scores, probs, gts, passes = [], [], [], [], []
    for pid in pids:
        path = osp.join(folder, 'predictions', f'{pid}.json')
        if pid not in labels:
            raise InputError(f'{split_file}: patient {pid} is not in '
                             f'{labels_csv}')
        if not osp.exists(path):
            raise InputError(f'{path}: no prediction for labelled patient '
                             f'{pid} (run tools/infer.py on its image)')
        with open(path) as f:
            r = json.load(f)
        boxes.append(np.asarray(r['boxes'], np.float64).reshape(-1, 4))
        scores.append(np.asarray(r['scores'], np.float64))
        probs.append(r.get('p_opacity'))
        gts.append(labels[pid])
        if members:
            if 'member_predictions' not in r:
                raise InputError(f'{path}: no member_predictions (run '
                                 'tools/infer.py with --save-members)')
            passes.append((tuple(r['shape']), [dict(
                m, boxes=np.asarray(m['boxes'], np.float64).reshape(-1, 4),
                scores=np.asarray(m['scores'], np.float64))
                for m in r['member_predictions']]))
    if members:
        return pids, boxes, scores, probs, gts, passes
    return pids, boxes, scores, probs, gts


def process(boxes, scores, probs, shrink: float = 1.0, power: float = 0.0):
    """Boxes shrunk about their centres by ``shrink``; scores times
    p_opacity ** ``power``; then as a submission stores them
    (:func:`mmgranet.fileio.as_submitted`: 0.1 px, 4 decimals), so the
    AP is the one Kaggle gives the written file."""
    out_b, out_s = [], []
    for b, s, p in zip(boxes, scores, probs):
        c = (b[:, :2] + b[:, 2:]) / 2
        half = (b[:, 2:] - b[:, :2]) / 2 * shrink
        b, s = as_submitted(
            np.concatenate([c - half, c + half], 1).reshape(-1, 4),
            s * (p ** power) if power and p is not None else s)
        out_b.append(b)
        out_s.append(s)
    return out_b, out_s


def choose(boxes, scores, probs, gts, shrinks=SHRINKS, powers=POWERS,
           log: Optional[Callable[[str], None]] = print):
    """The shrink, power and cut-off with the best AP on these
    (validation) patients; only their predictions and labels are given.
    Ties go to the first in the grid (the least processing). Each grid
    point's AP goes to ``log`` (None: quiet)."""
    best = None
    for shrink in shrinks:
        for power in powers:
            r = choose_cutoff(*process(boxes, scores, probs, shrink, power),
                              gts)
            if log is not None:
                log(f'shrink {shrink:.3f}, power {power:g}: val AP '
                    f'{r["AP"]:.4f} at cut-off {r["score_thr"]:.2f}')
            if best is None or r['AP'] > best['val_AP']:
                best = dict(shrink=shrink, power=power, val_AP=r['AP'],
                            score_thr=r['score_thr'])
    return best
