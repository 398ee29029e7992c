"""GRANet's whole pipeline, stage by stage: `make demo` (mini-RSNA) and the
same stages on the real RSNA (``--preset rsna``), for one evaluation
setting (``--setting fold0``, ``fold1``, ..., ``holdout60`` /
``holdout600``).

The stages are a table, :data:`mmgranet.apis.stages.STAGES` (name,
command and config, outputs, depends-on); docs/pipeline.md explains them.
Everything is resumable: rerun the same command after an interruption.
"""
import argparse
import json
import os.path as osp
import sys

from mmgranet.apis.stages import PRESETS, STAGES, MethodRun, StageError
from mmgranet.fileio import atomic_write

DETECTORS = dict(baseline='RetinaNet† baseline',
                 granet='GRANet (align + attn + syn, alternating)')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--preset', choices=sorted(PRESETS), default='mini')
    parser.add_argument('--setting', default='fold0',
                        help='fold{k} or holdout{n}: whose training '
                        'patients everything learns from')
    parser.add_argument('--data-root', help="default: the preset's")
    parser.add_argument('--work-dir', help='the work root (default '
                        'work_dirs/pipeline_<preset>); artifacts go to '
                        'WORK_DIR/<setting>/')
    parser.add_argument('--num-patients', type=int,
                        help='mini-RSNA training patients (mini preset)')
    parser.add_argument('--num-test', type=int,
                        help='mini-RSNA held-out test patients')
    parser.add_argument('--seed', type=int, default=0,
                        help='seeds every training stage (aligner, both '
                        'cGANs, the detectors, GRANet): the same seed gives '
                        'the same numbers')
    parser.add_argument('--jobs', type=int, help='stages side by side '
                        '(default: mini 2, rsna 1)')
    parser.add_argument('--fast', action='store_true',
                        help='tiny settings for tests: 1 epoch everywhere')
    parser.add_argument('--smoke', action='store_true',
                        help="the preset's real configs on a generated "
                        '1024 px RSNA-layout dataset (24 patients), a few '
                        'iterations per training stage (--preset rsna: '
                        'the full-resolution path on a CPU)')
    parser.add_argument('--until', metavar='STAGE',
                        help='run only this stage and the stages it '
                        'depends on (e.g. abn2nor: the artifacts of a '
                        'setting without its detectors)')
    parser.add_argument('--dry-run', action='store_true',
                        help='print the stages and commands only')
    return parser.parse_args(argv)


def last_json(path: str) -> dict:
    with open(path) as f:
        lines = [ln for ln in f if ln.startswith('{')]
    return json.loads(lines[-1]) if lines else {}


def report(run: MethodRun) -> dict:
    """The results table: held-out test AP at the validation-chosen
    cut-off, and what mini-RSNA's ground truth measures."""
    art, logs = run.art, osp.join(run.art, 'logs')
    print(f'\n=== results, setting {run.setting} of {run.data}, seed '
          f'{run.seed}: cut-off '
          'chosen on the validation patients, held-out test patients '
          'scored at it (95 % bootstrap interval); raw: every box; '
          'optimistic: the best cut-off on the test patients themselves')
    print('| model | test AP | 95 % CI | AP@0.4 | AP@0.75 | cut-off | '
          'raw AP | optimistic AP |')
    print('| --- | --- | --- | --- | --- | --- | --- | --- |')
    results = {}
    for name, label in DETECTORS.items():
        with open(osp.join(art, 'scores', f'{name}.json')) as f:
            r = json.load(f)
        r.pop('image_scores', None)
        results[name] = r
        print(f'| {label} | {r["AP"]:.3f} | {r["AP_ci_low"]:.3f}-'
              f'{r["AP_ci_high"]:.3f} | {r["AP@0.4"]:.3f} | '
              f'{r["AP@0.75"]:.3f} | {r["score_thr"]:.2f} | '
              f'{r["AP_raw"]:.3f} | {r["AP_optimistic"]:.3f} |')
    truth = {}
    if osp.exists(osp.join(logs, 'alignment-error.log')):
        err = truth['alignment'] = last_json(
            osp.join(logs, 'alignment-error.log'))
        print('\nalignment (mean corner error against the true poses, '
              f'px): {err.get("before_px", float("nan")):.2f} unaligned '
              f'-> {err.get("after_px", float("nan")):.2f} aligned')
        box = truth['box_mapping'] = last_json(
            osp.join(logs, 'box-mapping-error.log'))
        print('boxes into the aligned frame, mean IoU with the true lesion '
              f'extent: {box.get("iou_vs_true_new", float("nan")):.3f} '
              '(the package\'s mapping) vs '
              f'{box.get("iou_vs_true_minmax", float("nan")):.3f} (corners'
              f' min/max); worst round trip IoU '
              f'{box.get("roundtrip_iou_min", float("nan")):.4f} (min/max '
              f'both ways: {box.get("roundtrip_iou_min_minmax", 0):.4f})')
        with open(osp.join(logs, 'pseudo-normal-quality.log')) as f:
            print(''.join(ln for ln in f if not ln.startswith('{')))
    print('stage times (s): ' + ', '.join(
        f'{k} {v:.0f}' for k, v in run.pipe.timings.items()))
    print(f'submissions: {art}submissions/; pictures: '
          f'{art}<model>/<timestamp>/pictures_<model>/, '
          f'{art}pseudo_normal_cases/')
    out = dict(setting=run.setting, seed=run.seed, detection=results,
               truth=truth,
               timings=run.pipe.timings)
    with atomic_write(osp.join(art, 'results.json')) as f:
        json.dump(out, f, indent=1)
    return out


def main(argv=None) -> int:
    args = parse_args(argv)
    run = MethodRun(args.preset, data_root=args.data_root,
                    work_root=args.work_dir, setting=args.setting,
                    jobs=args.jobs, fast=args.fast, smoke=args.smoke,
                    dry_run=args.dry_run, seed=args.seed,
                    num_patients=args.num_patients,
                    num_test=args.num_test,
                    # a smaller mini-RSNA gets a proportional holdout
                    holdout=max(1, args.num_patients // 5)
                    if args.num_patients else None)
    if args.until:
        run.run(run.needed_for(args.until))
        return 0
    run.run(STAGES)
    if not args.dry_run:
        report(run)
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except StageError as e:  # the stage and its log, not a traceback
        sys.exit(f'error: {e}')
