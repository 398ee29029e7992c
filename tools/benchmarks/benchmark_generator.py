"""Forward cost of the cGAN generator (MMagic's CycleGAN ResnetGenerator,
1 channel) against the detector backbone, for the knobs the configs
expose: base channels, residual blocks, the resolution G runs at.

CPU, batch 1, median of --repeat runs; the anchor is a ResNeXt-101
(32x4d) backbone forward at the same resolution, measured in the same run.
"""
import argparse
import statistics
import time

import torch
from mmengine.registry import init_default_scope

from mmgranet.registry import MODELS


def median_time(module, x, repeat):
    times = []
    with torch.no_grad():
        for _ in range(repeat + 1):
            start = time.perf_counter()
            module(x)
            times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--sizes', type=int, nargs='+', default=[128, 256])
    args = parser.parse_args()
    init_default_scope('mmgranet')
    print(f'{torch.get_num_threads()} threads, batch 1, median of '
          f'{args.repeat}\n')
    print('| network | px | params (M) | forward s | vs. ResNeXt-101 |')
    print('| --- | --- | --- | --- | --- |')
    for size in args.sizes:
        anchor = MODELS.build(dict(type='mmdet.ResNeXt', depth=101,
                                   groups=32, base_width=4, init_cfg=None))
        anchor.eval()  # not chained: mmdet's ResNet.train() returns None
        a = median_time(anchor, torch.rand(1, 3, size, size), args.repeat)
        n = sum(p.numel() for p in anchor.parameters()) / 1e6
        print(f'| ResNeXt-101 32x4d backbone (anchor) | {size} | {n:.1f} | '
              f'{a:.3f} | 1.00x |')
        for base, blocks in ((64, 9), (32, 9), (32, 6), (16, 9)):
            g = MODELS.build(dict(type='mmagic.ResnetGenerator',
                                  in_channels=1, out_channels=1,
                                  base_channels=base, num_blocks=blocks))
            g.eval()
            t = median_time(g, torch.rand(1, 1, size, size), args.repeat)
            n = sum(p.numel() for p in g.parameters()) / 1e6
            print(f'| G: {base} channels, {blocks} blocks | {size} | '
                  f'{n:.1f} | {t:.3f} | {t / a:.2f}x |')


if __name__ == '__main__':
    main()
