"""Train a model from an mmgranet config (mmdet-style arguments)."""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmgranet.apis.config_inputs import check_config_inputs
from mmgranet.engine.optimizers import enable_amp
from mmgranet.fileio import InputError, check_checkpoint
from mmgranet.utils import init_cpu_dist_if_needed


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('config', help='config file path')
    parser.add_argument('--work-dir', help='where logs and checkpoints go')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision: float16 on a GPU, '
                        'bfloat16 on the CPU')
    parser.add_argument('--tensorboard', action='store_true',
                        help='also log to TensorBoard (WORK_DIR/<run>/'
                        'vis_data; `tensorboard --logdir WORK_DIR`)')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the LR by the actual batch size')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from this checkpoint, or, without a path, from the '
        'latest checkpoint in the work dir')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, key=value (e.g. '
        'train_cfg.max_epochs=2 "model.backbone.depth=50")')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    # torch.distributed.launch passes --local-rank (torch>=2) / --local_rank
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)

    # work_dir priority: CLI > config > ./work_dirs/<config name>
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])

    if args.amp:
        enable_amp(cfg)
    if args.tensorboard:
        cfg.visualizer.vis_backends = list(cfg.visualizer.vis_backends) + [
            dict(type='TensorboardVisBackend')]

    if args.auto_scale_lr:
        if not cfg.get('auto_scale_lr', {}).get('base_batch_size'):
            raise RuntimeError(f'{args.config} has no auto_scale_lr.'
                               'base_batch_size; --auto-scale-lr needs it')
        cfg.auto_scale_lr.enable = True

    # an explicit checkpoint wins over auto-resume
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    # every file it reads, before anything is built: one clear message
    check_config_inputs(cfg, args.config)
    if cfg.get('load_from'):
        check_checkpoint(cfg.load_from, 'checkpoint to start from')

    init_cpu_dist_if_needed(args.launcher)
    runner = (Runner.from_cfg(cfg) if 'runner_type' not in cfg
              else RUNNERS.build(cfg))
    runner.train()


if __name__ == '__main__':
    try:
        main()
    except InputError as e:  # bad input: the message, not a traceback
        sys.exit(f'error: {e}')
