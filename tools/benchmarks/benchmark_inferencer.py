"""Images/s of the whole inference chain on new radiographs
(mmgranet.apis.GRANetInferencer: read the file, STN aligner, G, detector,
boxes back to the original pixels) against the plain detector through
the same inferencer, on the CPU.

    benchmark_inferencer.py [--work-root DIR] [--images DIR] [--num 48]
        [--rounds 3] [--batch-size 8]

The checkpoints are `make demo`'s (setting fold0 under --work-root:
baseline/, aligner/, granet/, their last epochs). The rows run
interleaved, --rounds times each, and the median is reported with its
ratio to the plain detector of the same rounds (this machine is shared:
the ratio is the figure to compare).
"""
import argparse
import glob
import os
import os.path as osp
import statistics
import time

import torch

from mmgranet.apis.stages import PRESETS, MethodRun

CONFIGS = PRESETS['mini']['configs']


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-root', default='work_dirs/pipeline_mini/')
    parser.add_argument('--setting', default='fold0')
    parser.add_argument('--images', default='data/mini-rsna/'
                        'stage_2_test_images', help='DICOMs to predict')
    parser.add_argument('--num', type=int, default=48)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--batch-size', type=int, default=8)
    args = parser.parse_args()
    from mmgranet.apis.inferencer import GRANetInferencer
    run = MethodRun('mini', work_root=args.work_root, setting=args.setting)
    baseline, granet, stn = (run.checkpoint(n) for n in (
        'baseline', 'granet', 'aligner'))
    for path in (baseline, granet, stn):
        if not osp.exists(path):
            raise SystemExit(f'{path}: missing (run `make demo` first)')
    paths = sorted(glob.glob(osp.join(args.images, '*.dcm')))[:args.num]
    if len(paths) < args.num:
        raise SystemExit(f'{args.images}: {len(paths)} DICOMs, --num '
                         f'{args.num} asked')
    aligner = (CONFIGS['aligner'], stn)
    rows = {
        'plain detector (RetinaNet†, anchor)': dict(
            config=CONFIGS['baseline'], checkpoints=[baseline]),
        'GRANet: STN + G + detector': dict(
            config=CONFIGS['granet'], checkpoints=[granet],
            aligner=aligner),
        'GRANet + flip TTA': dict(
            config=CONFIGS['granet'], checkpoints=[granet],
            aligner=aligner, flip=True),
        'GRANet x 2 checkpoints + flip (4 passes)': dict(
            config=CONFIGS['granet'], checkpoints=[granet, granet],
            aligner=aligner, flip=True),
    }
    models = {name: GRANetInferencer(device='cpu',
                                     batch_size=args.batch_size, **kw)
              for name, kw in rows.items()}
    for m in models.values():  # warm-up: first-call allocations
        m(paths[:args.batch_size])
    times = {name: [] for name in rows}
    for _ in range(args.rounds):
        for name, m in models.items():
            start = time.perf_counter()
            m(paths)
            times[name].append(time.perf_counter() - start)
    print(f'{len(paths)} mini-RSNA DICOMs ({args.images}), batch '
          f'{args.batch_size}, {torch.get_num_threads()} threads, '
          f'{os.cpu_count()} cores; median of {args.rounds} interleaved '
          'rounds\n')
    print('| chain | images/s | vs. plain detector (time) |')
    print('| --- | --- | --- |')
    anchor = statistics.median(times[next(iter(rows))])
    for name, t in times.items():
        med = statistics.median(t)
        print(f'| {name} | {len(paths) / med:.1f} | {med / anchor:.2f}x |')


if __name__ == '__main__':
    main()
