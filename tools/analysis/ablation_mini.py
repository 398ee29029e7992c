"""Ablations on mini-RSNA in the form of the paper's tables 1 and 3, with
the evaluation protocol: for every run, the score cut-off is chosen on the
setting's validation patients and the held-out test patients are scored
at it.

Seeds cover the whole chain (``--chain whole``, the default): for seed k
the pipeline's own stages that learn before the detectors (the aligner,
the alignment, the pseudo pairs, both cGANs and their targets) run again
with seed k under ``OUT/chain/<setting>/seed<k>/`` (the pipeline's
runner: stamps, logs, resume), and every detector row of seed k trains on
those artifacts with seed k; the intervals are then what a user sees
rerunning the whole method. ``--chain shared`` trains only the detectors
per seed on the artifacts of `make demo` (WORK/<setting>/; detector
variance only). Needs the data and splits of `make demo`. Every run is
tools/train.py with a seed, then tools/test.py on the validation and the
test patients; a finished run's result
(``OUT/[chain-seeds/]<table>/<variant>/seed<k>/result.json``) is reused,
so the script resumes after an interruption and can grow (more seeds,
more variants).

Every variant trains its detector the same number of epochs (the GRANet
configs count detector epochs: under 2:2 a GRANet run is twice as long).
Per row: test AP at the validation-chosen cut-off (mean ± std over seeds),
AP@0.4, the raw AP (every box counts), the optimistic AP (the cut-off best
on the test patients: a diagnostic) and, against the baseline and against
the row without the component, the difference with a 95 % interval from a
bootstrap over seeds and patients (both resampled; the same patients for
both rows).
"""
import argparse
import json
import os
import os.path as osp
import re
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from mmgranet.apis.pipeline import (REPO, PipelineError, PipelineRun,
                                    config_epochs)
from mmgranet.apis.setting import add_setting_args, setting_from_args
from mmgranet.evaluation.functional import heldout_ap, load_for_scoring
from mmgranet.fileio import atomic_write

RET = 'configs/retinanet/retinanet-dagger_r18_fpn-p2_1xb8-8e_mini-rsna'
GRA = 'configs/granet/granet_retinanet-dagger_r18_fpn-p2_1xb8-8e-alt2-2_' \
    'mini-rsna'
# name, config, cfg-options, the rows it is compared with
TABLE1 = [
    ('RetinaNet† (baseline)', RET + '.py', {}, ()),
    ('+ align', RET + '-align.py', {}, ('RetinaNet† (baseline)', )),
    ('+ align + attn', GRA + '-align.py', {}, ('+ align', )),
    ('+ align + syn', RET + '-align-syn.py', {}, ('+ align', )),
    ('+ align + attn + syn (GRANet)', GRA + '-align-syn.py', {},
     ('+ align + syn', '+ align + attn')),
]
TABLE3 = ['1:1', '2:2', '5:1', 'joint']
# table 2 (Mask R-CNN, the holdout setting, TP / (TP + FP) at IoU 0.4, 0.5,
# 0.6: images with boxes but no prediction left out)
TABLE2 = [
    ('Mask R-CNN + align',
     'configs/mask_rcnn/mask-rcnn_r18_fpn_1xb8-8e_mini-rsna-align.py', ()),
    ('Mask R-CNN + align + attn',
     'configs/granet/granet_mask-rcnn_r18_fpn_1xb8-8e-alt2-2_mini-rsna-'
     'align.py', ('Mask R-CNN + align', )),
]
NO_FN_TABLES = ('2', )
# how the residual weights the features (ResidualAttentionNeck); chosen on
# the validation patients (val AP at its own best cut-off), reported on test
ATTENTION = [
    ('F * (1 + A)', {'model.attention.mode': 'residual',
                     'model.attention.norm': 'none'}),
    ('F * A', {'model.attention.mode': 'multiply',
               'model.attention.norm': 'none'}),
    ('F * (1 + A / max A)', {'model.attention.mode': 'residual',
                             'model.attention.norm': 'max'}),
    ('F * (1 + gamma_l A), gamma learnt', {
        'model.attention.mode': 'residual', 'model.attention.norm': 'none',
        'model.attention.learnable_gamma': True}),
]


def run_one(name, config, opts, seed, out_dir, env, threads=None,
            no_fn=False):
    """Train, predict validation and test patients, score; cached."""
    result_path = osp.join(out_dir, 'result.json')
    if osp.exists(result_path):
        with open(result_path) as f:
            return json.load(f)
    os.makedirs(out_dir, exist_ok=True)
    run_env = dict(os.environ, **env)
    if threads:
        run_env['OMP_NUM_THREADS'] = str(threads)
    options = [f'randomness.seed={seed}', 'train_cfg.val_begin=100000',
               'default_hooks.checkpoint.interval=100000']
    options += [f'{k}={v}' for k, v in opts.items()]
    epochs = config_epochs(config, env, options=opts)
    ckpt = osp.join(out_dir, f'epoch_{epochs}.pth')
    steps = [['tools/train.py', config, '--work-dir', out_dir,
              '--cfg-options', *options]]
    for split in ('val', 'test'):
        steps.append(['tools/test.py', config, ckpt, '--work-dir', out_dir,
                      '--split', split, '--out',
                      osp.join(out_dir, f'{split}.csv')])
    log = ''
    for step in steps:
        if step[0] == 'tools/train.py' and osp.exists(ckpt):
            continue
        print(f'[{name}, seed {seed}] $ {" ".join(step)}', flush=True)
        proc = subprocess.run([sys.executable, *step], cwd=REPO,
                              capture_output=True, text=True, env=run_env)
        log += proc.stdout + proc.stderr
        with open(osp.join(out_dir, 'run.log'), 'w') as f:
            f.write(log)
        if proc.returncode != 0:
            raise SystemExit(f'{name}, seed {seed} failed; see '
                             f'{out_dir}/run.log:\n{log[-3000:]}')
    result = score(out_dir, env, no_fn=no_fn)
    with atomic_write(result_path) as f:
        json.dump(result, f)
    print(f'[{name}, seed {seed}] test AP {result["AP"]:.4f} at the '
          f'validation cut-off {result["score_thr"]:.2f}', flush=True)
    return result


def chain(data_root: str, out: str, setting: str, seed: int,
          threads=None) -> str:
    """The pipeline's stages up to the Abn2Nor G, trained with ``seed``,
    under their own work root (returned); resumable like the pipeline."""
    work_root = osp.join(out, 'chain', setting, f'seed{seed}') + '/'
    run = PipelineRun('mini', data_root=data_root, work_root=work_root,
                      setting=setting, seed=seed, jobs=1)
    if threads:
        run.pipe.env['OMP_NUM_THREADS'] = str(threads)
    print(f'[chain {setting}, seed {seed}] {work_root}', flush=True)
    run.run(tuple(s for s in PipelineRun.needed_for('abn2nor')
                  if s.name not in ('data', 'splits')))  # make demo's
    return work_root


def score(out_dir: str, env: dict, no_fn: bool = False) -> dict:
    data, setting = env['MMGRANET_DATA_ROOT'], env['MMGRANET_SETTING']
    _, *val = load_for_scoring(
        osp.join(data, 'stage_2_train_labels.csv'),
        osp.join(out_dir, 'val.csv'),
        osp.join(data, 'splits', f'{setting}_val.txt'))
    pids, *test = load_for_scoring(osp.join(data, 'test_labels.csv'),
                                   osp.join(out_dir, 'test.csv'))
    r = heldout_ap(tuple(val), tuple(test), num_samples=0, no_fn=no_fn)
    r['image_scores'] = [None if np.isnan(v) else float(v)
                         for v in r['image_scores']]
    r['patients'] = pids
    return r


def mean_std(values):
    m = statistics.mean(values)
    s = statistics.stdev(values) if len(values) > 1 else 0.0
    return f'{m:.3f} ± {s:.3f}'


def seeds_patients_bootstrap(runs_a, runs_b, num_samples=2000, seed=0):
    """AP(a) - AP(b), mean over seeds, and a 95 % interval from resampling
    both the seeds and the test patients (the same for both rows)."""
    def matrix(runs):
        return np.array([[np.nan if v is None else v
                          for v in r['image_scores']] for r in runs])
    a, b = matrix(runs_a), matrix(runs_b)  # [S, N]
    if a.shape != b.shape:
        raise ValueError('rows to compare need the same seeds and patients')
    rng = np.random.default_rng(seed)
    s, n = a.shape
    diffs = np.empty(num_samples)
    for i in range(num_samples):
        rows = rng.integers(0, s, s)
        cols = rng.integers(0, n, n)
        diffs[i] = np.mean(np.nanmean(a[rows][:, cols], axis=1) -
                           np.nanmean(b[rows][:, cols], axis=1))
    diff = float(np.mean(np.nanmean(a, axis=1) - np.nanmean(b, axis=1)))
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    return diff, float(lo), float(hi)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seeds', type=int, nargs='+',
                        default=[0, 1, 2, 3, 4])
    parser.add_argument('--table3-seeds', type=int, nargs='+',
                        default=[0, 1, 2])
    parser.add_argument('--tables', nargs='+', default=['1', '3'],
                        choices=['1', '2', '3', 'attention'])
    parser.add_argument('--holdout-setting', default='holdout60',
                        help="table 2's setting")
    parser.add_argument('--attention-seeds', type=int, nargs='+',
                        default=[0, 1])
    parser.add_argument('--attention-variants', nargs='+', metavar='NAME',
                        choices=[name for name, _ in ATTENTION],
                        default=[name for name, _ in ATTENTION],
                        help='a subset of the attention table (default: '
                        'all of them)')
    parser.add_argument('--schedules', nargs='+', default=TABLE3)
    parser.add_argument('--jobs', type=int, default=1,
                        help='runs in parallel (each with '
                        'OMP_NUM_THREADS=cores/jobs)')
    add_setting_args(parser)
    parser.add_argument('--out', default='work_dirs/ablation_mini')
    parser.add_argument('--chain', choices=['whole', 'shared'],
                        default='whole',
                        help='whole: every stage that learns retrained per '
                        "seed; shared: the detectors only, on make demo's "
                        'artifacts')
    parser.add_argument('--report', action='store_true',
                        help='only print the tables of the finished runs')
    args = parser.parse_args()
    env = setting_from_args(args).env
    settings = [args.setting] + ([args.holdout_setting]
                                 if '2' in args.tables else [])
    whole = args.chain == 'whole'
    for setting in settings:
        splits = osp.join(args.data_root, 'splits', f'{setting}_train.txt')
        if whole and not osp.exists(osp.join(REPO, splits)):
            raise SystemExit(f'{splits}: no such split file; run `make '
                             'demo` (or tools/make_rsna_splits.py) first')
        abn2nor = osp.join(args.work_root, setting, 'abn2nor')
        if not whole and not osp.isdir(osp.join(REPO, abn2nor)):
            raise SystemExit(
                f'{abn2nor}: no Abn2Nor stage; run `make demo` (setting '
                f'fold0) or tools/run_pipeline.py --setting {setting} '
                '--until abn2nor first (they make every input of the '
                'ablations)')

    rows = []  # (table, name, config, opts, compare, seeds)
    if '1' in args.tables:
        rows += [('1', n, c, o, cmp, args.seeds) for n, c, o, cmp in TABLE1]
    if '3' in args.tables:
        rows += [('3', f'schedule {s}', GRA + '-align-syn.py',
                  {'train_cfg.schedule': s}, ('schedule 2:2', )
                  if s != '2:2' else (), args.table3_seeds)
                 for s in args.schedules]
    if '2' in args.tables:
        rows += [('2', n, c, {}, cmp, args.seeds) for n, c, cmp in TABLE2]
    if 'attention' in args.tables:
        rows += [('attention', name, GRA + '-align-syn.py', opts,
                  ('F * (1 + A)', ) if name != ATTENTION[0][0] else (),
                  args.attention_seeds)
                 for name, opts in ATTENTION
                 if name in args.attention_variants or
                 name == ATTENTION[0][0]]
    jobs, keys = [], []
    threads = max(1, (os.cpu_count() or 2) // args.jobs) \
        if args.jobs > 1 else None
    # whole chain: each (setting, seed)'s artifacts, made once
    chains = {}
    if whole:
        wanted = sorted({(args.holdout_setting if t == '2' else
                          args.setting, seed)
                         for t, *_, seeds in rows for seed in seeds})
        if args.report:
            chains = {k: osp.join(args.out, 'chain', k[0], f'seed{k[1]}') +
                      '/' for k in wanted}
        else:
            with ThreadPoolExecutor(args.jobs) as pool:
                roots = pool.map(lambda k: chain(env['MMGRANET_DATA_ROOT'],
                                                 args.out, *k, threads),
                                 wanted)
                chains = dict(zip(wanted, roots))
    for table, name, config, opts, _, seeds in rows:
        row_env = dict(env, MMGRANET_SETTING=args.holdout_setting) \
            if table == '2' else env
        # table 3's 2:2 and the attention table's default, F * (1 + A),
        # are table 1's GRANet row: one run
        if (table == '3' and opts.get('train_cfg.schedule') == '2:2') or \
                (table == 'attention' and name == ATTENTION[0][0]):
            slug = osp.join('table1', 'align-attn-syn-granet')
        else:
            slug = osp.join(f'table{table}',
                            re.sub(r'[^\w]+', '-', name).strip('-').lower())
        if whole:
            slug = osp.join('chain-seeds', slug)
        for seed in seeds:
            seed_env = dict(row_env, MMGRANET_WORK_ROOT=chains[(
                row_env['MMGRANET_SETTING'], seed)]) if whole else row_env
            keys.append((table, name, seed))
            jobs.append((name, config, opts, seed,
                         osp.join(args.out, slug, f'seed{seed}'), seed_env,
                         threads, table in NO_FN_TABLES))
    if args.report:
        done = {j[4]: json.load(open(osp.join(j[4], 'result.json')))
                for j in jobs if osp.exists(osp.join(j[4], 'result.json'))}
    else:
        unique = list({j[4]: j for j in jobs}.values())
        with ThreadPoolExecutor(args.jobs) as pool:
            done = dict(zip([j[4] for j in unique],
                            pool.map(lambda j: run_one(*j), unique)))
    results = {}
    for (table, name, seed), job in zip(keys, jobs):
        if job[4] in done:
            results.setdefault((table, name), []).append(done[job[4]])

    print(f'\nmini-RSNA, setting {args.setting}: test AP at the cut-off '
          'chosen on the validation patients, mean ± std over seeds ('
          + ('every stage that learns retrained per seed'
             if whole else "detectors only, on make demo's artifacts") +
          '); '
          'differences: mean over seeds with a 95 % bootstrap interval '
          '(seeds and test patients resampled)')
    summary = {}
    for table in args.tables:
        print(f'\nTable {table}' + (
            f' (setting {args.holdout_setting}; TP / (TP + FP) at IoU 0.4, '
            '0.5, 0.6)' if table in NO_FN_TABLES else '') + '\n')
        print('| variant | seeds | test AP | AP@0.4 | raw AP | optimistic AP'
              ' | vs baseline | vs the row without it | val AP (chooses) |')
        print('| --- | --- | --- | --- | --- | --- | --- | --- | --- |')
        # table 2 has its own setting and metric: no RetinaNet† column
        base = results.get(('1', TABLE1[0][0])) \
            if table not in NO_FN_TABLES else None
        for t, name, _, _, compare, _ in rows:
            rs = results.get((t, name))
            if t != table or not rs:
                continue
            cells = []
            for other in (TABLE1[0][0], ) + tuple(compare):
                ref = results.get(('1', other)) or results.get((t, other))
                if other == name or not ref or len(ref) != len(rs):
                    cells.append('')
                    continue
                d, lo, hi = seeds_patients_bootstrap(rs, ref)
                cells.append(f'{d:+.3f} [{lo:+.3f}, {hi:+.3f}]' +
                             ('' if other == TABLE1[0][0] else
                              f' ({other})'))
            vs_base = cells[0] if base and name != TABLE1[0][0] else ''
            vs_rest = '; '.join(c for c in cells[1:] if c)
            print(f'| {name} | {len(rs)} | '
                  f'{mean_std([r["AP"] for r in rs])} | '
                  f'{mean_std([r["AP@0.4"] for r in rs])} | '
                  f'{mean_std([r["AP_raw"] for r in rs])} | '
                  f'{mean_std([r["AP_optimistic"] for r in rs])} | '
                  f'{vs_base} | {vs_rest} | '
                  f'{mean_std([r["val_AP"] for r in rs])} |')
            summary[f'table{t}/{name}'] = [
                {k: v for k, v in r.items()
                 if k not in ('image_scores', 'patients')} for r in rs]
    os.makedirs(args.out, exist_ok=True)
    with atomic_write(osp.join(args.out, 'summary.json')) as f:
        json.dump(summary, f, indent=1)


if __name__ == '__main__':
    try:
        main()
    except PipelineError as e:  # a chain stage failed: its log is named
        raise SystemExit(f'error: {e}') from None
