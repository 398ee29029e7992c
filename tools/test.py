"""Test (and evaluate) a checkpoint with an mmgranet config.

    test.py CONFIG CKPT [CKPT ...] [--tta] [--fusion wbf|nms] [--split val]

Several CKPTs (epochs, seeds, folds trained in the config's aligned
frame) and ``--tta`` (a horizontal-flip pass of each) are fused per image
(``RSNAEnsemble``: weighted box fusion, or ref. [6]'s averaging before
NMS) and scored by the config's RSNA metric like one detector. Folds
with their own aligners are fused in each image's original pixels by
tools/infer.py.
"""
import argparse
import os
import os.path as osp
import sys

from mmdet.evaluation import DumpDetResults
from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmgranet.apis.config_inputs import check_config_inputs
from mmgranet.evaluation import DumpRSNASubmission
from mmgranet.fileio import InputError, check_checkpoint
from mmgranet.utils import init_cpu_dist_if_needed


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoints', nargs='+', metavar='checkpoint',
                        help='checkpoint file(s); several are fused')
    parser.add_argument('--tta', action='store_true',
                        help='also predict each image flipped left-right '
                        'and fuse the passes')
    parser.add_argument('--fusion', choices=['wbf', 'nms'], default='wbf',
                        help='how several checkpoints / --tta passes are '
                        'fused (default: weighted box fusion)')
    parser.add_argument('--iou-thr', type=float, default=0.55,
                        help="the fusion's IoU (default 0.55)")
    parser.add_argument('--work-dir', help='where the metrics are saved')
    parser.add_argument(
        '--split', choices=['test', 'val'], default='test',
        help="the patients to predict: the config's held-out test set "
        "(test_dataloader) or the setting's validation patients "
        '(val_dataloader, which choose the score cut-off)')
    parser.add_argument(
        '--out',
        help='also write the predictions: .csv a Kaggle RSNA submission '
        '(original pixels, every test patient), .pkl/.pickle the raw '
        'mmdet results')
    parser.add_argument('--out-score-thr', type=float, default=0.0,
                        help='confidence cut-off of the submission; the '
                        'RSNA metric reports the best one (best_score_thr)')
    parser.add_argument('--show-dir',
                        help='draw predictions and save the images here '
                        '(relative to the timestamped work dir)')
    parser.add_argument('--score-thr', type=float, default=0.3,
                        help='score cut-off for drawn boxes')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, key=value')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def enable_drawing(cfg: Config, show_dir: str, score_thr: float) -> None:
    hooks = cfg.get('default_hooks', {})
    if 'visualization' not in hooks:
        raise RuntimeError(
            '--show-dir needs default_hooks.visualization '
            '(RSNAVisualizationHook); configs/_base_/default_runtime.py '
            'has it')
    hooks.visualization.update(draw=True, test_out_dir=show_dir,
                               score_thr=score_thr)


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    for ckpt in args.checkpoints:
        check_checkpoint(ckpt, 'checkpoint to test')
    if len(args.checkpoints) > 1 or args.tta:
        cfg.model = dict(type='RSNAEnsemble', model=cfg.model,
                         checkpoints=args.checkpoints, flip=args.tta,
                         fusion=args.fusion, iou_thr=args.iou_thr)
        cfg.load_from = None  # each member loads its own
    else:
        cfg.load_from = args.checkpoints[0]
    if args.split == 'val':
        cfg.test_dataloader = cfg.val_dataloader
        cfg.test_evaluator = cfg.val_evaluator
    if args.show_dir:
        enable_drawing(cfg, args.show_dir, args.score_thr)
    if args.out is not None and \
            not args.out.endswith(('.csv', '.pkl', '.pickle')):
        raise SystemExit(f'--out {args.out}: expected .csv, .pkl or .pickle')

    check_config_inputs(cfg, args.config, loaders=('test_dataloader', ),
                        model=False)
    init_cpu_dist_if_needed(args.launcher)
    runner = (Runner.from_cfg(cfg) if 'runner_type' not in cfg
              else RUNNERS.build(cfg))
    if args.out is not None and args.out.endswith('.csv'):
        runner.test_evaluator.metrics.append(
            DumpRSNASubmission(args.out, score_thr=args.out_score_thr))
    elif args.out is not None:
        runner.test_evaluator.metrics.append(
            DumpDetResults(out_file_path=args.out))
    runner.test()


if __name__ == '__main__':
    try:
        main()
    except InputError as e:  # bad input: the message, not a traceback
        sys.exit(f'error: {e}')
