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
variance only). Needs the data and splits of `make demo`. Every row is
the pipeline's own stages (mmgranet.apis.experiment): tools/train.py with
a seed, then
tools/test.py on the validation and the test patients and
tools/rsna_score.py (``OUT/[chain-seeds/]<table>/<variant>/seed<k>/``,
its stamps, logs and ``scores/detector.json``), with the pipeline's
resume rule: a stopped table resumes, a table grows (more seeds, more
variants) by rerunning it.

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
from concurrent.futures import ThreadPoolExecutor

from mmgranet.apis.config_reading import repo_root
from mmgranet.apis.experiment import Row, residual_cells, run_rows, threads_env
from mmgranet.apis.runner import StageError
from mmgranet.apis.setting import Setting, add_setting_args, setting_from_args
from mmgranet.apis.stages import (MethodRun, Stage, StageRun, evaluate_stages,
                                  residual_stage, stamp_keys, train_stage)
from mmgranet.evaluation.functional import seeds_patients_bootstrap
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
# the paper's eight schedules (detector epochs : G epochs, or joint)
TABLE3 = ['joint', '1:1', '1:2', '1:3', '2:1', '2:2', '3:3', '5:1']
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
# GRANet's G phases (the pseudo-normals issue, part 5): how much the
# detection loss drives G (lambda_det) and eq. 3's adversarial term; G is
# measured after them on the held-out test patients (residual_localisation,
# at G's size), beside the Abn2Nor stage's G they start from
ABN2NOR = 'configs/cgan/abn2nor_resnet6-32c_1xb4-10e_mini-rsna.py'
GPHASES = [
    ('lambda_det 1 (default)', GRA + '-align-syn.py', {}, ()),
    ('lambda_det 0.1', GRA + '-align-syn.py', {'model.lambda_det': 0.1},
     ('lambda_det 1 (default)', )),
    ('lambda_det 0 (eq. 3 only)', GRA + '-align-syn.py',
     {'model.lambda_det': 0.0}, ('lambda_det 1 (default)', )),
    ('lambda_det 1 + adversarial term', GRA + '-align-syn-adv.py', {},
     ('lambda_det 1 (default)', )),
]
RESIDUAL = 'scores/residual.json'  # a row's G measurement, under {out}

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


def measure_g(checkpoint: str, after: str) -> Stage:
    """G's residual on the held-out test patients against the truth
    (``{out}scores/residual.json``): a GRANet or an Abn2Nor checkpoint."""
    return residual_stage('residual', ABN2NOR, checkpoint, '{out}' + RESIDUAL,
                          after)


def detector_row(name: str, config: str, opts: dict, seed: int, out: str,
                 setting: Setting, jobs: int = 1, no_fn: bool = False,
                 fast: bool = False, measure: bool = False) -> Row:
    """One variant at one seed: train the detector, predict the
    validation and the test patients, score the test patients at the
    cut-off chosen on validation (``{out}scores/detector.json``); with
    ``measure`` also GRANet's G after its G phases."""
    options = ('train_cfg.val_begin=100000',
               'default_hooks.checkpoint.interval=100000') + tuple(
                   f'{k}={v}' for k, v in opts.items())
    # an aligned variant reads the chain's artifacts: their stamps enter
    # its key (a retrained chain retrains the row)
    after = ('abn2nor', ) if '-align' in config else ()
    score = ('--bootstrap', '0') + (('--no-fn', ) if no_fn else ())
    stages = (train_stage('detector', *after, options=options),
              *evaluate_stages('detector', pictures=False,
                               score_options=score))
    if measure:
        stages = (stages[0], measure_g('{ckpt:detector}', 'detector'),
                  *stages[1:])
    run = StageRun(setting, dict(detector=config), out=out, seed=seed,
                   fast=fast,
                   values=dict(test_labels='{data}test_labels.csv',
                               test_split_args=[]),
                   label=f'{name}, seed {seed}: ',
                   upstream=stamp_keys(setting.artifacts),
                   env=threads_env(jobs))
    return Row(name, seed, run, stages, result='{out}scores/detector.json')


def chain(data_root: str, out: str, setting: str, seed: int,
          jobs: int = 1, fast: bool = False) -> str:
    """The pipeline's stages up to the Abn2Nor G, trained with ``seed``,
    under their own work root (returned); resumable like the pipeline."""
    work_root = osp.join(out, 'chain', setting, f'seed{seed}') + '/'
    run = MethodRun('mini', data_root=data_root, work_root=work_root,
                    setting=setting, seed=seed, jobs=1, fast=fast)
    run.pipe.env.update(threads_env(jobs))
    run.pipe.label = f'chain {setting}, seed {seed}: '
    print(f'[chain {setting}, seed {seed}] {work_root}', flush=True)
    run.run(tuple(s for s in MethodRun.needed_for('abn2nor')
                  if s.name not in ('data', 'splits')))  # make demo's
    return work_root


def mean_std(values):
    m = statistics.mean(values)
    s = statistics.stdev(values) if len(values) > 1 else 0.0
    return f'{m:.3f} ± {s:.3f}'


def print_g_table(g_after: dict) -> None:
    """GRANet's G after its G phases (held-out test patients, at G's size;
    mean ± std over seeds), the floor and the ceiling beside it."""
    print('\nG after the G phases (held-out test patients, at G\'s size; '
          'L1 and change in grey levels; signed change < 0: removed)\n')
    print('| G | seeds | box AUROC | share in boxes | mean on lesion-free | '
          'L1 to twin in boxes | L1 to twin outside | signed change in '
          'boxes |')
    print('| --- | --- | --- | --- | --- | --- | --- | --- |')

    def cells(values):
        return ' | '.join(residual_cells(values))
    first = next(iter(g_after.values()))[0]
    for oracle in (k for k in first if k != 'G(x)'):
        print(f'| {oracle} | — | {cells([first[oracle]])} |')
    order = ['Abn2Nor stage (before the G phases)'] + [n for n, *_ in GPHASES]
    for name in order:
        ms = g_after.get(('gphases', name))
        if ms:
            print(f'| {name} | {len(ms)} | '
                  f'{cells([m["G(x)"] for m in ms])} |')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seeds', type=int, nargs='+',
                        default=[0, 1, 2, 3, 4])
    parser.add_argument('--table3-seeds', type=int, nargs='+',
                        default=[0, 1, 2])
    parser.add_argument('--tables', nargs='+', default=['1', '3'],
                        choices=['1', '2', '3', 'attention', 'gphases'])
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
    parser.add_argument('--gphases-seeds', type=int, nargs='+', default=[0],
                        help="the G-phase table's seeds")
    parser.add_argument('--jobs', type=int, default=1,
                        help='runs in parallel (each with '
                        'OMP_NUM_THREADS=cores/jobs; the thread count '
                        "enters each stage's stamp, as it can change the "
                        'numbers: grow or resume a table with the --jobs '
                        'it was started with, or its stages run again)')
    add_setting_args(parser)
    parser.add_argument('--out', default='work_dirs/ablation_mini')
    parser.add_argument('--chain', choices=['whole', 'shared'],
                        default='whole',
                        help='whole: every stage that learns retrained per '
                        "seed; shared: the detectors only, on make demo's "
                        'artifacts')
    parser.add_argument('--variants', nargs='+', metavar='NAME',
                        help='only these rows of the tables (default: all)')
    parser.add_argument('--fast', action='store_true',
                        help='one epoch per training (tests)')
    parser.add_argument('--report', action='store_true',
                        help='only print the tables of the finished runs')
    args = parser.parse_args()
    where = setting_from_args(args)
    settings = [args.setting] + ([args.holdout_setting]
                                 if '2' in args.tables else [])
    whole = args.chain == 'whole'
    for setting in settings:
        splits = osp.join(args.data_root, 'splits', f'{setting}_train.txt')
        if whole and not osp.exists(osp.join(repo_root(), splits)):
            raise SystemExit(f'{splits}: no such split file; run `make '
                             'demo` (or tools/stages/make_rsna_splits.py) '
                             'first')
        abn2nor = osp.join(args.work_root, setting, 'abn2nor')
        if not whole and not osp.isdir(osp.join(repo_root(), abn2nor)):
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
    if 'gphases' in args.tables:
        rows += [('gphases', n, c, o, cmp, args.gphases_seeds)
                 for n, c, o, cmp in GPHASES]
    if args.variants:
        rows = [r for r in rows if r[1] in args.variants]
    rows.sort(key=lambda r: args.tables.index(r[0]))  # run in the asked order
    # whole chain: each (setting, seed)'s artifacts, made once
    chains = {}
    if whole:
        wanted = sorted({(args.holdout_setting if t == '2' else
                          args.setting, seed)
                         for t, *_, seeds in rows for seed in seeds})
        chains = {k: osp.join(args.out, 'chain', k[0], f'seed{k[1]}') + '/'
                  for k in wanted}
        if not args.report:
            # a chain's threads follow --jobs alone (they enter its stamps)
            with ThreadPoolExecutor(args.jobs) as pool:
                list(pool.map(lambda k: chain(
                    where.data_root, args.out, *k, args.jobs, args.fast),
                    wanted))
    table_rows = []
    for table, name, config, opts, _, seeds in rows:
        setting = args.holdout_setting if table == '2' else args.setting
        # table 3's 2:2 and the attention table's default, F * (1 + A),
        # are table 1's GRANet row: one run
        if (table == '3' and opts.get('train_cfg.schedule') == '2:2') or \
                (table == 'attention' and name == ATTENTION[0][0]) or \
                (table == 'gphases' and name == GPHASES[0][0]):
            slug = osp.join('table1', 'align-attn-syn-granet')
        else:
            slug = osp.join(f'table{table}',
                            re.sub(r'[^\w]+', '-', name).strip('-').lower())
        if whole:
            slug = osp.join('chain-seeds', slug)
        for seed in seeds:
            work = chains[(setting, seed)] if whole else where.work_root
            table_rows.append((table, detector_row(
                name, config, opts, seed,
                osp.join(args.out, slug, f'seed{seed}'),
                Setting(where.data_root, work, setting), args.jobs,
                table in NO_FN_TABLES, args.fast,
                # every GRANet row: its G after the G phases, measured
                config.startswith(GRA))))
    # the G the G phases start from: each chain's Abn2Nor stage, measured
    starts = []
    if 'gphases' in args.tables:
        for seed in args.gphases_seeds:
            work = chains[(args.setting, seed)] if whole else where.work_root
            setting = Setting(where.data_root, work, args.setting)
            ckpt = MethodRun('mini', data_root=where.data_root,
                             work_root=work, setting=args.setting,
                             seed=seed, fast=args.fast).checkpoint('abn2nor')
            out = osp.join(args.out, 'chain-seeds' if whole else '',
                           'gphases', 'abn2nor-stage', f'seed{seed}')
            starts.append(Row(
                'Abn2Nor stage (before the G phases)', seed,
                StageRun(setting, {}, out=out, seed=seed,
                         label=f'Abn2Nor stage, seed {seed}: ',
                         upstream=stamp_keys(setting.artifacts)),
                (measure_g(ckpt, 'abn2nor'), ),
                result='{out}' + RESIDUAL))
    done = run_rows([r for _, r in table_rows] + starts, jobs=args.jobs,
                    report=args.report)
    g_after = {}  # (table, name) -> G's residual after the G phases
    for row, result in zip(starts, done[len(table_rows):]):
        if result is not None:
            g_after.setdefault(('gphases', row.name), []).append(
                result['means'])
    for table, row in table_rows:
        residual = row.out + RESIDUAL
        if table == 'gphases' and osp.exists(residual):
            with open(residual) as f:
                g_after.setdefault((table, row.name), []).append(
                    json.load(f)['means'])
    results = {}
    for (table, row), result in zip(table_rows, done):
        if result is not None:
            results.setdefault((table, row.name), []).append(result)

    settings = [args.holdout_setting if t in NO_FN_TABLES else args.setting
                for t in args.tables]
    print(f'\nmini-RSNA, setting {", ".join(dict.fromkeys(settings))}: '
          'test AP at the cut-off '
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
                b = seeds_patients_bootstrap(
                    [r['image_scores'] for r in rs],
                    [r['image_scores'] for r in ref])
                d, lo, hi = b['diff'], b['ci_low'], b['ci_high']
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
    if g_after:
        print_g_table(g_after)
        summary.update({f'{t}/G/{name}': ms
                        for (t, name), ms in g_after.items()})
    os.makedirs(args.out, exist_ok=True)
    with atomic_write(osp.join(args.out, 'summary.json')) as f:
        json.dump(summary, f, indent=1)


if __name__ == '__main__':
    try:
        main()
    except StageError as e:  # a chain stage failed: its log is named
        raise SystemExit(f'error: {e}') from None
