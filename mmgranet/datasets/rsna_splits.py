"""Patient-level splits of RSNA: stratified k-fold CV and a holdout set.

Splits are lists of patientIds written one per line to
``<data_root>/splits/<name>.txt`` (``fold0_train``, ``fold0_val``, ...,
``holdout600_train``, ``holdout600_test``); a dataset selects one with
``split_file``. They depend only on the patients' 3-class labels and the
seed, never on file order.
"""
import json
import os.path as osp
from typing import Dict, List

import numpy as np

from mmgranet.fileio import InputError, atomic_write


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    exact = weights / weights.sum() * total
    counts = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - counts), kind='stable')[:total -
                                                          counts.sum()]:
        counts[i] += 1
    return counts


def make_rsna_splits(image_labels: Dict[str, int],
                     num_folds: int = 4,
                     holdout_size: int = 600,
                     seed: int = 0) -> Dict[str, List[str]]:
    """Stratified, shuffled, patient-level splits.

    Args:
        image_labels (dict[str, int]): patientId -> 3-class label.
        num_folds (int): Cross-validation folds. Defaults to 4.
        holdout_size (int): Patients in the holdout test set (the paper's
            table 2 setting); 0 for none. Defaults to 600.
        seed (int): Defaults to 0.

    Returns:
        dict[str, list[str]]: ``fold{k}_train`` / ``fold{k}_val`` for each
        fold and ``holdout{n}_train`` / ``holdout{n}_test``, each sorted.
    """
    ids = np.array(sorted(image_labels))
    labels = np.array([image_labels[i] for i in ids])
    if num_folds < 2:
        raise ValueError(f'num_folds must be >= 2, got {num_folds}')
    if len(ids) < num_folds:
        raise ValueError(f'{len(ids)} patients cannot fill {num_folds} folds')
    if not 0 <= holdout_size < len(ids):
        raise ValueError(f'holdout_size {holdout_size} must be below the '
                         f'{len(ids)} patients')
    rng = np.random.default_rng(seed)
    fold = np.empty(len(ids), dtype=int)
    offset = 0
    for c in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == c))
        fold[members] = (offset + np.arange(len(members))) % num_folds
        offset += len(members)
    splits: Dict[str, List[str]] = {}
    for k in range(num_folds):
        splits[f'fold{k}_train'] = sorted(ids[fold != k].tolist())
        splits[f'fold{k}_val'] = sorted(ids[fold == k].tolist())
    if holdout_size:
        classes = np.unique(labels)
        counts = _largest_remainder(
            np.array([np.sum(labels == c) for c in classes], float),
            holdout_size)
        test = []
        for c, n in zip(classes, counts):
            test += rng.permutation(ids[labels == c])[:n].tolist()
        test_set = set(test)
        splits[f'holdout{holdout_size}_test'] = sorted(test)
        splits[f'holdout{holdout_size}_train'] = sorted(
            i for i in ids.tolist() if i not in test_set)
    return splits


def write_rsna_splits(splits: Dict[str, List[str]], out_dir: str,
                      meta: dict) -> None:
    """One ``<name>.txt`` per split (atomic) plus ``splits.json``."""
    for name, ids in splits.items():
        with atomic_write(osp.join(out_dir, f'{name}.txt')) as f:
            f.write('\n'.join(ids) + '\n')
    with atomic_write(osp.join(out_dir, 'splits.json')) as f:
        json.dump(dict(meta, sizes={k: len(v) for k, v in splits.items()}),
                  f, indent=2)


def read_split_file(path: str) -> List[str]:
    """patientIds of a split file, one per line; duplicates are an error."""
    try:
        with open(path) as f:
            ids = [line.strip() for line in f]
    except OSError as e:
        raise InputError(f'{path}: cannot read the split file ({e}); make '
                         'it with tools/make_rsna_splits.py') from None
    seen: Dict[str, int] = {}
    for n, pid in enumerate(ids, 1):
        if pid and pid in seen:
            raise InputError(f'{path}, line {n}: patient {pid} already on '
                             f'line {seen[pid]}')
        seen.setdefault(pid, n)
    return [i for i in ids if i]
