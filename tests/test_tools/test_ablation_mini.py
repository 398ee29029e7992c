"""tools/experiments/ablation_mini.py --report: mean ± std over the finished
seeds, the paired seeds-and-patients bootstrap of differences, rows that
share runs read one directory, the score of a run's submissions."""
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from test_tools.test_train_tools import run_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'experiments'))

import ablation_mini  # noqa: E402


def write_result(out, table, slug, seed, scores):
    """A finished row as the runner leaves it: tools/rsna_score.py's
    result with every patient's score."""
    path = osp.join(out, table, slug, f'seed{seed}', 'scores')
    os.makedirs(path)
    ap = float(np.nanmean(scores))
    with open(osp.join(path, 'detector.json'), 'w') as f:
        json.dump({'AP': ap, 'AP@0.4': ap, 'AP_raw': 0.0, 'val_AP': ap,
                   'AP_optimistic': ap, 'score_thr': 0.5,
                   'image_scores': {f'p{i:03d}': v
                                    for i, v in enumerate(scores)}}, f)


def row(out, name):
    lines = [ln for ln in out.splitlines() if ln.startswith(f'| {name} |')]
    assert len(lines) == 1, (name, out)
    return [c.strip() for c in lines[0].strip('|').split('|')]


def test_report_means_differences_and_shared_runs(tmp_path):
    out = str(tmp_path / 'ablation')
    work = tmp_path / 'work' / 'fold0' / 'abn2nor'
    work.mkdir(parents=True)
    rng = np.random.default_rng(0)
    base = [rng.uniform(0, 0.4, 50).tolist() for _ in range(2)]
    for seed in (0, 1):
        write_result(out, 'table1', 'retinanet-baseline', seed, base[seed])
        # + align: every patient 0.2 better
        write_result(out, 'table1', 'align', seed,
                     [v + 0.2 for v in base[seed]])
    write_result(out, 'table1', 'align-attn-syn-granet', 0, base[0])
    proc = run_tool([
        sys.executable, 'tools/experiments/ablation_mini.py', '--report',
        '--seeds', '0', '1', '--table3-seeds', '0', '--schedules', '2:2',
        '--out', out, '--work-root', str(tmp_path / 'work'), '--chain',
        'shared'
    ])
    base_row = row(proc, 'RetinaNet† (baseline)')
    assert base_row[1] == '2'
    mean = np.mean([np.mean(b) for b in base])
    std = np.std([np.mean(b) for b in base], ddof=1)
    assert base_row[2] == f'{mean:.3f} ± {std:.3f}'
    # a shift of every patient: the difference and a tight interval
    assert row(proc, '+ align')[6] == '+0.200 [+0.200, +0.200]'
    # a variant without finished runs is not printed
    assert '| + align + syn |' not in proc
    # table 3's 2:2 is table 1's GRANet row (one run, seed 0)
    assert row(proc, 'schedule 2:2')[1] == '1'
    assert row(proc, '+ align + attn + syn (GRANet)')[1] == '1'
    summary = json.load(open(osp.join(out, 'summary.json')))
    assert len(summary['table1/RetinaNet† (baseline)']) == 2
    assert 'image_scores' not in summary['table1/+ align'][0]


def write_residual(folder, auroc, signed):
    """A residual_localisation result (its means) in a row's folder."""
    from mmgranet.apis.experiment import RESIDUAL_KEYS as keys
    means = {name: {k: (auroc if k == 'auroc_boxes' else signed
                        if k == 'signed_in' else 0.5) for k in keys}
             for name in ('floor: identity G(x) = x', 'G(x)')}
    os.makedirs(osp.join(folder, 'scores'), exist_ok=True)
    with open(osp.join(folder, 'scores', 'residual.json'), 'w') as f:
        json.dump({'means': means}, f)


def test_g_phase_table_reports_g_after_its_phases(tmp_path):
    """The G-phase table: each variant's detector row, and its G after
    the G phases beside the Abn2Nor stage's G it started from and the
    floor; the default is table 1's GRANet run."""
    out = str(tmp_path / 'ablation')
    (tmp_path / 'work' / 'fold0' / 'abn2nor').mkdir(parents=True)
    scores = np.linspace(0, 1, 40).tolist()
    write_result(out, 'table1', 'align-attn-syn-granet', 0, scores)
    write_result(out, 'tablegphases', 'lambda_det-0-eq-3-only', 0,
                 [v - 0.1 for v in scores])
    write_residual(osp.join(out, 'table1', 'align-attn-syn-granet',
                            'seed0'), 0.9, -20.0)
    write_residual(osp.join(out, 'tablegphases', 'lambda_det-0-eq-3-only',
                            'seed0'), 0.8, -12.0)
    write_residual(osp.join(out, 'gphases', 'abn2nor-stage', 'seed0'), 0.7,
                   -10.0)
    proc = run_tool([
        sys.executable, 'tools/experiments/ablation_mini.py', '--report',
        '--tables', 'gphases', '--gphases-seeds', '0', '--out', out,
        '--work-root', str(tmp_path / 'work'), '--chain', 'shared'])
    # detector rows: the default's run and the variant against it
    detectors = proc[:proc.index('G after the G phases')]
    assert row(detectors, 'lambda_det 0 (eq. 3 only)')[7] == \
        '-0.100 [-0.100, -0.100] (lambda_det 1 (default))'
    assert '| lambda_det 0.1 |' not in proc  # not run
    g_table = proc[proc.index('G after the G phases'):]
    assert row(g_table, 'lambda_det 1 (default)')[2] == '0.900'
    assert row(g_table, 'lambda_det 0 (eq. 3 only)')[7] == '-12.00'
    assert row(g_table, 'Abn2Nor stage (before the G phases)')[2] == '0.700'
    assert row(g_table, 'floor: identity G(x) = x')[1] == '—'
    summary = json.load(open(osp.join(out, 'summary.json')))
    assert summary['gphases/G/lambda_det 0 (eq. 3 only)'][0]['G(x)'][
        'signed_in'] == -12.0


def test_seeds_and_patients_bootstrap_sees_noise():
    from mmgranet.evaluation.functional import seeds_patients_bootstrap
    rng = np.random.default_rng(1)
    a = rng.uniform(0, 1, (3, 80))
    b = rng.uniform(0, 1, (3, 80))
    r = seeds_patients_bootstrap(a, b)
    assert r['ci_low'] < r['diff'] < r['ci_high']
    assert r['ci_low'] < 0 < r['ci_high']  # no real difference
    with pytest.raises(ValueError, match='same seeds'):
        seeds_patients_bootstrap(a, b[:2])
    # per-patient dicts are matched by patient, whatever their order
    as_dicts = [dict(reversed([(f'p{i}', v) for i, v in enumerate(row)]))
                for row in a]
    shifted = [{p: v - 0.1 for p, v in d.items()} for d in as_dicts]
    r = seeds_patients_bootstrap(as_dicts, shifted)
    assert abs(r['diff'] - 0.1) < 1e-9 and r['p_le_0'] == 0.0
    with pytest.raises(ValueError, match='same test patients'):
        seeds_patients_bootstrap(as_dicts, [dict(list(d.items())[1:])
                                            for d in shifted])


def test_missing_artifacts_name_make_demo(tmp_path):
    proc = subprocess.run([
        sys.executable, 'tools/experiments/ablation_mini.py', '--report',
        '--out', str(tmp_path), '--work-root', str(tmp_path / 'none'),
        '--chain', 'shared'
    ], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode != 0
    assert 'no Abn2Nor stage' in proc.stderr and 'make demo' in proc.stderr
    proc = subprocess.run([
        sys.executable, 'tools/experiments/ablation_mini.py', '--report',
        '--out', str(tmp_path), '--data-root', str(tmp_path / 'none')
    ], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode != 0
    assert 'no such split file' in proc.stderr


def test_a_whole_chain_seed_retrains_every_learning_stage(tmp_path,
                                                          monkeypatch):
    """--chain whole: seed k runs the pipeline's own stages up to the
    Abn2Nor G with seed k in a work root of its own (make demo's data and
    splits are read, never regenerated)."""
    ran = []

    def record(self, stages):
        ran.append((self.work_root, self.seed, self.setting,
                    [s.name for s in stages],
                    [self.command(s) for s in stages if s.train]))
    monkeypatch.setattr(ablation_mini.MethodRun, 'run', record)
    root = ablation_mini.chain('data/mini-rsna/', str(tmp_path), 'fold0', 3)
    assert root == f'{tmp_path}/chain/fold0/seed3/'
    (work, seed, setting, names, trains), = ran
    assert (work, seed, setting) == (root, 3, 'fold0')
    assert names == ['reference', 'aligner', 'align', 'pairs', 'realistic',
                     'targets', 'abn2nor']
    assert len(trains) == 3 and all('randomness.seed=3' in c
                                    for c in trains)


@pytest.mark.slow
def test_a_two_row_table_runs_through_the_runner(granet_stages, tmp_path):
    """Two rows of table 1, one seed, one epoch: each row is the
    pipeline's own stages (train, predict validation and test, score)
    under its own folder with the runner's stamps and logs; a rerun finds
    every stage current and prints the same table."""
    out = str(tmp_path / 'ablation')
    cmd = [sys.executable, 'tools/experiments/ablation_mini.py', '--tables',
           '1', '--variants', 'RetinaNet† (baseline)', '+ align', '--seeds',
           '0', '--chain', 'shared', '--fast', '--data-root',
           granet_stages['data_root'], '--work-root',
           granet_stages['work_root'], '--out', out]
    first = run_tool(cmd, timeout=1500)
    assert row(first, 'RetinaNet† (baseline)')[1] == '1'
    align = row(first, '+ align')
    assert align[1] == '1' and align[6].startswith(('+', '-'))
    assert '| + align + syn |' not in first  # not asked for
    test = set(np.genfromtxt(osp.join(granet_stages['data_root'],
                                      'test_labels.csv'), dtype=str,
                             delimiter=',', skip_header=1, usecols=0))
    stages = {'detector', 'predict-detector-val', 'predict-detector-test',
              'score-detector'}
    for slug in ('retinanet-baseline', 'align'):
        folder = osp.join(out, 'table1', slug, 'seed0')
        assert {n[:-5] for n in os.listdir(osp.join(folder, 'stamps'))} \
            == stages
        assert {n[:-4] for n in os.listdir(osp.join(folder, 'logs'))} \
            == stages
        with open(osp.join(folder, 'scores', 'detector.json')) as f:
            result = json.load(f)
        assert set(result['image_scores']) == test
        with open(osp.join(folder, 'stamps', 'detector.json')) as f:
            assert 'randomness.seed=0' in json.load(f)['cmd']
    again = run_tool(cmd, timeout=600)
    assert ' $ ' not in again
    assert again.count('current, skipped') == 2 * len(stages)
    assert row(again, '+ align') == align
