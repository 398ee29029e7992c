"""Training curves of an mmgranet run (detector, GRANet, cGAN or STN), as
mmdet's analyze_logs draws them: the losses per iteration and the RSNA AP
per validation epoch, read from the run's ``vis_data/scalars.json``
(every timestamped run under WORK_DIR, in order, so a resumed run is one
curve).

    python tools/analysis/plot_curves.py work_dirs/pipeline_mini/fold0/granet
    python tools/analysis/plot_curves.py WORK_DIR --keys loss_d loss_g
"""
import argparse
import glob
import json
import os.path as osp
import sys

from mmgranet.fileio import InputError, atomic_write


def read_scalars(work_dir: str):
    """(training rows, validation rows) of every run under ``work_dir``."""
    paths = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                      'scalars.json')))
    if not paths:
        raise InputError(f'{work_dir}: no */vis_data/scalars.json (not an '
                         'mmengine work dir, or nothing logged yet)')
    train, val = [], []
    for path in paths:
        with open(path) as f:
            for n, line in enumerate(f, 1):
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as e:
                    raise InputError(f'{path}, line {n}: {e}') from None
                (val if any(k.startswith('rsna/') for k in row)
                 else train).append(row)
    return train, val


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 2)[2])
    parser.add_argument('work_dir')
    parser.add_argument('--keys', nargs='+',
                        help='training scalars to draw (default: every '
                        'loss*)')
    parser.add_argument('--out', help='default WORK_DIR/curves.png')
    args = parser.parse_args(argv)
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    try:
        train, val = read_scalars(args.work_dir)
    except InputError as e:
        print(f'plot_curves: {e}', file=sys.stderr)
        return 2
    keys = args.keys or sorted({k for r in train for k in r
                                if k.startswith('loss')})
    panels = 1 + bool(val)
    fig, axes = plt.subplots(1, panels, figsize=(6 * panels, 4),
                             squeeze=False)
    ax = axes[0, 0]
    for key in keys:
        pts = [(r['step'], r[key]) for r in train if key in r]
        if pts:
            ax.plot(*zip(*pts), label=key)
    ax.set_xlabel('iteration')
    ax.set_title('training losses')
    ax.legend(fontsize=8)
    if val:
        ax = axes[0, 1]
        for key in ('rsna/AP', 'rsna/AP@0.4', 'rsna/AP@best_score_thr'):
            pts = [(r['step'], r[key]) for r in val if key in r]
            if pts:
                ax.plot(*zip(*pts), marker='o', label=key)
        ax.set_xlabel('epoch')
        ax.set_title('validation (optimistic: AP@best_score_thr)')
        ax.legend(fontsize=8)
    out = args.out or osp.join(args.work_dir, 'curves.png')
    with atomic_write(out, 'wb') as f:
        fig.savefig(f, format='png', dpi=100, bbox_inches='tight')
    print(out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
