"""Experiments as tables of rows, each row (a variant at one seed) a list
of the pipeline's own stages (:mod:`.stages`: train with options,
predict, score, measure) run by the one runner under the row's own
folder. ``tools/experiments/ablation_mini.py``, ``generator_study.py`` and
``generation_comparison.py`` are "build rows, run them, report".

The resume rule is the pipeline's: a row's stage whose stamp is current
is skipped, an interrupted training resumes from its last checkpoint, a
stage whose inputs changed (its command, its config files, the seed, an
upstream stage's stamp) runs again from scratch. So a stopped table
resumes, and a table grows (more seeds, more variants) by rerunning it.
"""
import json
import os
import os.path as osp
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from .stages import Stage, StageRun


@dataclass
class Row:
    """One row of a table at one seed.

    Attributes:
        name (str): The variant, as the table prints it.
        seed (int): Its seed (every training stage's ``randomness.seed``).
        run (StageRun): Its setting, configs and folder (``run.out``).
        stages (tuple): The stages, in order.
        result (str, optional): The output (with placeholders) whose JSON
            is the row's result.
    """
    name: str
    seed: int
    run: StageRun
    stages: Tuple[Stage, ...]
    result: Optional[str] = None

    @property
    def out(self) -> str:
        return self.run.out

    def result_path(self) -> Optional[str]:
        return self.run.fill(self.result, self.stages[-1])[0] \
            if self.result else None

    def read_result(self) -> Optional[dict]:
        """The row's result, or None while it is not finished."""
        path = self.result_path()
        if not path or not osp.exists(path):
            return None
        with open(path) as f:
            return json.load(f)


# the generator tables' columns (residual_localisation's means)
RESIDUAL_KEYS = ('auroc_boxes', 'share_in_boxes', 'mean_lesion_free',
                 'l1_twin_in', 'l1_twin_out', 'signed_in')


def residual_cells(values: Sequence[dict]) -> List[str]:
    """One G's cells over its seeds (each a residual_localisation means
    dict): mean ± std (one seed: the value; a NaN: '—'); the share in %."""
    import numpy as np
    cells = []
    for k in RESIDUAL_KEYS:
        v = np.array([m[k] for m in values], dtype=float)
        if k == 'share_in_boxes':
            v = 100 * v
        spec = '.3f' if k == 'auroc_boxes' else '.1f' \
            if k == 'share_in_boxes' else '.2f'
        cell = '—' if v.mean() != v.mean() else format(v.mean(), spec)
        if len(v) > 1 and cell != '—':
            cell += f' ± {v.std(ddof=1):{spec}}'
        cells.append(cell)
    return cells


def threads_env(jobs: int) -> Dict[str, str]:
    """``OMP_NUM_THREADS`` for a row when ``jobs`` rows run side by side
    (the cores split among them; nothing when one row runs)."""
    if jobs <= 1:
        return {}
    return dict(OMP_NUM_THREADS=str(max(1, (os.cpu_count() or 2) // jobs)))


def run_rows(rows: Sequence[Row], jobs: int = 1,
             report: bool = False) -> List[Optional[dict]]:
    """Run the rows, ``jobs`` at a time (rows with the same folder run
    once: a variant two tables share), and return each row's result;
    with ``report`` run nothing, return the finished rows' results (None
    for the others). A failed stage raises :class:`~.runner.StageError`
    naming its log once the other running rows finished."""
    unique: Dict[str, Row] = {}
    for row in rows:
        unique.setdefault(row.out, row)

    def one(row: Row) -> Optional[dict]:
        if not report:
            row.run.run(row.stages)
        return row.read_result()
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        done = dict(zip(unique, pool.map(one, unique.values())))
    return [done[row.out] for row in rows]
