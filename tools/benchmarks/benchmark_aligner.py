"""Aligned images/s and peak memory of the STN aligner on the CPU.

Inference (theta from the ResNet18, then grid_sample) at --size px for
batch sizes 1 and 8, median of --repeat runs; peak resident memory of the
process (ru_maxrss) after the runs.
"""
import argparse
import resource
import statistics
import time

import numpy as np
import torch
from mmengine.registry import init_default_scope

from mmgranet.registry import MODELS


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', type=int, default=512)
    parser.add_argument('--repeat', type=int, default=5)
    args = parser.parse_args()
    init_default_scope('mmgranet')
    rng = np.random.default_rng(0)
    model = MODELS.build(dict(
        type='STNAligner', input_size=args.size,
        reference=rng.integers(0, 256, (args.size, args.size), np.uint8),
        perceptual=dict(weight=0.0)))
    model.init_weights()
    model.eval()
    print(f'STN aligner (ResNet18, 2 input channels) at {args.size} px, '
          f'{torch.get_num_threads()} threads, median of {args.repeat}\n')
    print('| batch | aligned images/s |')
    print('| --- | --- |')
    for batch in (1, 8):
        x = torch.randint(0, 256, (batch, 1, args.size, args.size),
                          dtype=torch.uint8)
        times = []
        with torch.no_grad():
            for _ in range(args.repeat + 1):
                start = time.perf_counter()
                model.warp(model._prepare(x))
                times.append(time.perf_counter() - start)
        print(f'| {batch} | {batch / statistics.median(times[1:]):.1f} |')
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f'\npeak resident memory of the process: {peak:.0f} MiB')


if __name__ == '__main__':
    main()
