"""Ablations on mini-RSNA over seeds, in the form of the paper's tables 1
and 3 (mean +- std of the RSNA AP on fold 0's validation patients).

Needs the artifacts of `make demo` (tools/run_pipeline.py --preset mini):
the aligned copy, the pseudo pairs and the Abn2Nor checkpoint. Every run
is tools/train.py with a seed; a finished run's result
(``WORK/<table>/<variant>/seed<k>/result.json``) is reused, so the script
resumes after an interruption and can grow (more seeds, more variants).

Table 1: baseline (RetinaNet†), + align, + align + attn, + align + syn,
all (GRANet). Table 3: GRANet's schedules. AP is the Kaggle metric at
every prediction the config keeps, and at the score cut-off that is best on
the same validation patients (the detectors at this scale score low;
the cut-off matters more than anything else there, so both are shown).
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

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

from mmgranet.fileio import atomic_write  # noqa: E402

RET = 'configs/retinanet/'
GRA = 'configs/granet/'
TABLE1 = [
    ('RetinaNet† (baseline)', RET + 'retinanet-dagger_r18_mini-rsna.py', {}),
    ('+ align', RET + 'retinanet-dagger_r18_align_mini-rsna.py', {}),
    ('+ align + attn', GRA + 'retinanet_r18_align-attn_mini-rsna.py', {}),
    ('+ align + syn', RET + 'retinanet-dagger_r18_align-syn_mini-rsna.py',
     {}),
    ('all (GRANet)', GRA + 'retinanet_r18_mini-rsna.py', {}),
]
SCHEDULES = ['1:1', '1:2', '1:3', '2:1', '2:2', '3:3', '5:1', 'joint']
# the cost knob (README, GRANet's cost): G at half the size it was trained
KNOBS = [('G at 64 px (half its training size)',
          GRA + 'retinanet_r18_mini-rsna.py', {'model.generator_size': 64})]


def run_one(name, config, opts, seed, epochs, out_dir, abn2nor,
            threads=None):
    result_path = osp.join(out_dir, 'result.json')
    if osp.exists(result_path):
        with open(result_path) as f:
            return json.load(f)
    os.makedirs(out_dir, exist_ok=True)
    options = [f'randomness.seed={seed}', f'train_cfg.max_epochs={epochs}',
               f'train_cfg.val_interval={epochs}',
               'default_hooks.checkpoint.interval=1000',
               'default_hooks.checkpoint.save_last=False']
    if 'granet' in config:
        options.append(f'model.generator_checkpoint={abn2nor}')
    options += [f'{k}={v}' for k, v in opts.items()]
    cmd = [sys.executable, 'tools/train.py', config, '--work-dir', out_dir,
           '--cfg-options', *options]
    print(f'[{name}, seed {seed}] $ {" ".join(cmd)}', flush=True)
    env = dict(os.environ)
    if threads:
        env['OMP_NUM_THREADS'] = str(threads)
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True,
                          env=env)
    log = proc.stdout + proc.stderr
    with open(osp.join(out_dir, 'train.log'), 'w') as f:
        f.write(log)
    if proc.returncode != 0:
        raise SystemExit(f'{name}, seed {seed} failed; see '
                         f'{out_dir}/train.log:\n{log[-3000:]}')
    found = dict(re.findall(r'rsna/([\w@.]+): (-?[\d.]+)', log))
    if 'AP' not in found:
        raise SystemExit(f'{name}, seed {seed}: no rsna/AP in the log '
                         f'{out_dir}/train.log')
    result = {k: float(v) for k, v in found.items()}
    with atomic_write(result_path) as f:
        json.dump(result, f)
    print(f'[{name}, seed {seed}] AP {result["AP"]:.4f}, at the best '
          f'cut-off {result.get("AP@best_score_thr", float("nan")):.4f}',
          flush=True)
    return result


def mean_std(values):
    m = statistics.mean(values)
    s = statistics.stdev(values) if len(values) > 1 else 0.0
    return f'{m:.3f} ± {s:.3f}'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--epochs', type=int, default=8)
    parser.add_argument('--tables', nargs='+',
                        default=['1', '3', 'knobs', 'equal'],
                        choices=['1', '3', 'knobs', 'equal'],
                        help="'equal': GRANet at twice the epochs, so that "
                        'under 2:2 its detector trains as many epochs as '
                        "table 1's detectors")
    parser.add_argument('--schedules', nargs='+',
                        default=['1:1', '2:2', '5:1', 'joint'],
                        help=f'table 3 rows, any of {SCHEDULES}')
    parser.add_argument('--jobs', type=int, default=1,
                        help='runs in parallel (each with '
                        'OMP_NUM_THREADS=cores/jobs)')
    parser.add_argument('--work-dir', default='work_dirs/ablation_mini')
    parser.add_argument('--report', action='store_true',
                        help='only print the tables of the finished runs')
    parser.add_argument('--abn2nor',
                        default='work_dirs/pipeline_mini/abn2nor/'
                        'epoch_10.pth',
                        help='the Abn2Nor checkpoint of make demo')
    args = parser.parse_args()
    if not osp.exists(osp.join(REPO, args.abn2nor)):
        raise SystemExit(f'{args.abn2nor}: no Abn2Nor checkpoint; run '
                         '`make demo` first (it makes every input of the '
                         'ablations)')
    rows = []
    if '1' in args.tables:
        for name, config, opts in TABLE1:
            rows.append(('1', name, config, opts, args.epochs))
    if 'knobs' in args.tables:
        rows.append(('knobs', 'G at 128 px (as trained; = all)',
                     GRA + 'retinanet_r18_mini-rsna.py', {}, args.epochs))
        for name, config, opts in KNOBS:
            rows.append(('knobs', name, config, opts, args.epochs))
    if '3' in args.tables:
        for s in args.schedules:
            rows.append(('3', f'schedule {s}',
                         GRA + 'retinanet_r18_mini-rsna.py',
                         {'train_cfg.schedule': s}, args.epochs))
    if 'equal' in args.tables:
        for name, config, opts in TABLE1:
            if 'granet' in config:  # the alternating ones
                rows.append(('equal', f'{name}, {2 * args.epochs} epochs',
                             config, opts, 2 * args.epochs))
    results, jobs = {}, []
    threads = max(1, (os.cpu_count() or 2) // args.jobs) \
        if args.jobs > 1 else None
    for table, name, config, opts, epochs in rows:
        key = (table, name)
        slug = re.sub(r'[^\w]+', '-', name).strip('-').lower()
        # table 3's 2:2 and the knobs' 128 px are table 1's "all"
        if (table == '3' and opts.get('train_cfg.schedule') == '2:2') or \
                (table == 'knobs' and not opts):
            slug_dir = osp.join(args.work_dir, 'table1', 'all-granet')
        else:
            slug_dir = osp.join(args.work_dir, f'table{table}', slug)
        for seed in args.seeds:
            jobs.append((key, (name, config, opts, seed, epochs,
                               osp.join(slug_dir, f'seed{seed}'),
                               args.abn2nor, threads)))
    if args.report:
        for key, job in jobs:
            path = osp.join(job[5], 'result.json')
            results.setdefault(key, [])
            if osp.exists(path):
                with open(path) as f:
                    results[key].append(json.load(f))
    else:
        # rows that share runs (table 3's 2:2, the knobs' 128 px = table 1's
        # "all") train once, never twice in parallel into one directory
        unique = list({job[5]: job for _, job in jobs}.values())
        with ThreadPoolExecutor(args.jobs) as pool:
            done = dict(zip([job[5] for job in unique],
                            pool.map(lambda job: run_one(*job), unique)))
        for key, job in jobs:
            results.setdefault(key, []).append(done[job[5]])
    print(f'\nmini-RSNA, fold 0 validation, {args.epochs} epochs, seeds '
          f'{args.seeds}; mean ± std over seeds')
    for table in args.tables:
        print({'knobs': '\nGRANet cost knobs\n',
               'equal': '\nGRANet at equal detector epochs (2:2, twice '
               'the epochs)\n'}.get(table, f'\nTable {table}\n'))
        print('| variant | seeds | RSNA AP | AP@0.4 | AP at the best cut-off '
              '|')
        print('| --- | --- | --- | --- | --- |')
        for (t, name), rs in results.items():
            if t != table or not rs:
                continue
            print(f'| {name} | {len(rs)} | '
                  f'{mean_std([r["AP"] for r in rs])} | '
                  f'{mean_std([r.get("AP@0.4", 0) for r in rs])} | '
                  f'{mean_std([r.get("AP@best_score_thr", 0) for r in rs])}'
                  ' |')
    os.makedirs(args.work_dir, exist_ok=True)
    with atomic_write(osp.join(args.work_dir, 'summary.json')) as f:
        json.dump({f'table{t}/{n}': rs for (t, n), rs in results.items()},
                  f, indent=1)


if __name__ == '__main__':
    main()
