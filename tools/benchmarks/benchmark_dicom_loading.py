"""Images/s of LoadDicomFromFile with and without the decode cache.

Decodes the JPEG-baseline DICOMs of an RSNA-layout directory (by default
a mini-RSNA generated at RSNA's 1024 px), resizes them to --load-scale as
the training pipeline does, and reports, in one run: decoding every time
(no cache), the first pass with an empty cache (decode + write), and a
pass with a warm cache. Prints a markdown table.
"""
import argparse
import glob
import os.path as osp
import shutil
import statistics
import tempfile
import time

from mmgranet.datasets import LoadDicomFromFile
from mmgranet.datasets.synthetic import make_mini_rsna


def one_pass(load, paths):
    start = time.perf_counter()
    for p in paths:
        load(dict(img_path=p))
    return len(paths) / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data-root', help='an RSNA-layout directory '
                        '(default: generate a mini-RSNA)')
    parser.add_argument('--num-images', type=int, default=24)
    parser.add_argument('--size', type=int, default=1024)
    parser.add_argument('--load-scale', type=int, default=512)
    parser.add_argument('--repeat', type=int, default=3)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix='dicom-bench-')
    try:
        root = args.data_root
        if root is None:
            root = osp.join(tmp, 'mini-rsna')
            make_mini_rsna(root, num_patients=args.num_images,
                           size=args.size, seed=0, num_test=1)
        paths = sorted(glob.glob(osp.join(root, 'stage_2_train_images',
                                          '*.dcm')))[:args.num_images]
        scale = (args.load_scale, args.load_scale)
        plain = LoadDicomFromFile(color_type='grayscale', load_scale=scale)
        no_cache = statistics.median(
            one_pass(plain, paths) for _ in range(args.repeat))
        cold, warm = [], []
        for i in range(args.repeat):
            cache = osp.join(tmp, f'cache{i}')
            cached = LoadDicomFromFile(color_type='grayscale',
                                       load_scale=scale, cache_dir=cache)
            cold.append(one_pass(cached, paths))
            warm.append(one_pass(cached, paths))
        cold, warm = statistics.median(cold), statistics.median(warm)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(f'{len(paths)} JPEG-baseline DICOMs of {args.size} px from '
          f'{args.data_root or "a generated mini-RSNA"}, resized to '
          f'{args.load_scale} px, one process; median of {args.repeat} '
          'passes\n')
    print('| loading | images/s | vs. no cache |')
    print('| --- | --- | --- |')
    for name, rate in (('decode every time (no cache)', no_cache),
                       ('first pass, empty cache (decode + write)', cold),
                       ('warm cache', warm)):
        print(f'| {name} | {rate:.1f} | {rate / no_cache:.2f}x |')


if __name__ == '__main__':
    main()
