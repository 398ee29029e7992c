"""Patient-level splits of RSNA: a held-out test set, stratified k-fold CV
and the holdout setting.

Every evaluation setting has three disjoint sets of patients: *train*
(everything that learns: detectors, the pseudo pairs, the cGANs, the
pseudo-abnormal donors, the alignment reference), *val* (chooses the
score cut-off) and *test* (scored at that cut-off; nothing learns from it
or chooses with it).

- ``test``: held-out patients carved out of the labelled data first
  (``test_size``; RSNA: 600, the paper's table 2 holdout). Data with a
  separate labelled test set (mini-RSNA's ``stage_2_test_images`` and
  ``test_labels.csv``) use ``test_size=0``.
- ``fold{k}_train`` / ``fold{k}_val``: k-fold CV over the other patients
  (the paper's table 1 setting ``fold{k}``).
- ``holdout{n}_train`` / ``holdout{n}_val``: the table 2 setting
  ``holdout{n}``: n validation patients, the rest train.

Splits are lists of patientIds written one per line to
``<data_root>/splits/<name>.txt``; a dataset selects one with
``split_file``. They depend only on the patients' 3-class labels and the
seed, never on file order.
"""
import json
import os.path as osp
from typing import Dict, List

import numpy as np

from mmgranet.fileio import atomic_write


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    exact = weights / weights.sum() * total
    counts = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - counts), kind='stable')[:total -
                                                          counts.sum()]:
        counts[i] += 1
    return counts


def _stratified_sample(ids: np.ndarray, labels: np.ndarray, size: int,
                       rng: np.random.Generator) -> List[str]:
    """``size`` of ``ids``, each class in its proportion."""
    classes = np.unique(labels)
    counts = _largest_remainder(
        np.array([np.sum(labels == c) for c in classes], float), size)
    out = []
    for c, n in zip(classes, counts):
        out += rng.permutation(ids[labels == c])[:n].tolist()
    return out


def make_rsna_splits(image_labels: Dict[str, int],
                     num_folds: int = 4,
                     holdout_size: int = 600,
                     seed: int = 0,
                     test_size: int = 0) -> Dict[str, List[str]]:
    """Stratified, shuffled, patient-level splits (see the module doc).

    Args:
        image_labels (dict[str, int]): patientId -> 3-class label.
        num_folds (int): Cross-validation folds. Defaults to 4.
        holdout_size (int): Validation patients of the holdout setting;
            0 for no holdout setting. Defaults to 600.
        seed (int): Defaults to 0.
        test_size (int): Held-out test patients carved out before anything
            else; 0 when the data has a separate labelled test set.
            Defaults to 0.

    Returns:
        dict[str, list[str]]: ``fold{k}_train`` / ``fold{k}_val`` for each
        fold, ``holdout{n}_train`` / ``holdout{n}_val`` and ``test`` (when
        asked for), each sorted.
    """
    ids = np.array(sorted(image_labels))
    labels = np.array([image_labels[i] for i in ids])
    if num_folds < 2:
        raise ValueError(f'num_folds must be >= 2, got {num_folds}')
    if not 0 <= test_size < len(ids):
        raise ValueError(f'test_size {test_size} must be below the '
                         f'{len(ids)} patients')
    rng = np.random.default_rng(seed)
    splits: Dict[str, List[str]] = {}
    if test_size:
        test = set(_stratified_sample(ids, labels, test_size, rng))
        splits['test'] = sorted(test)
        keep = np.array([i not in test for i in ids])
        ids, labels = ids[keep], labels[keep]
    if len(ids) < num_folds:
        raise ValueError(f'{len(ids)} patients cannot fill {num_folds} folds')
    if not 0 <= holdout_size < len(ids):
        raise ValueError(f'holdout_size {holdout_size} must be below the '
                         f'{len(ids)} patients left for training')
    fold = np.empty(len(ids), dtype=int)
    offset = 0
    for c in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == c))
        fold[members] = (offset + np.arange(len(members))) % num_folds
        offset += len(members)
    for k in range(num_folds):
        splits[f'fold{k}_train'] = sorted(ids[fold != k].tolist())
        splits[f'fold{k}_val'] = sorted(ids[fold == k].tolist())
    if holdout_size:
        val = set(_stratified_sample(ids, labels, holdout_size, rng))
        splits[f'holdout{holdout_size}_val'] = sorted(val)
        splits[f'holdout{holdout_size}_train'] = sorted(
            i for i in ids.tolist() if i not in val)
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
