"""Time the RSNA score on a dataset of RSNA's size.

26,684 images; 6,012 with 1-4 ground-truth boxes (RSNA stage 2); about 3
predictions per image (Poisson), near the truth or random. Reports the
median of --repeat runs for: the score alone, the score with the 19-point
confidence sweep, and the whole `tools/rsna_score.py` path (read both CSVs,
validate, score). Prints a markdown table.
"""
import argparse
import os
import statistics
import tempfile
import time

import numpy as np

from mmgranet.evaluation.functional import (DEFAULT_SWEEP, rsna_ap,
                                            score_submission)
from mmgranet.fileio import RSNA_LABELS_HEADER, write_submission


def make_data(num_images, num_abnormal, preds_per_image, seed=0):
    rng = np.random.default_rng(seed)
    gts, preds, scores = [], [], []
    for i in range(num_images):
        n_gt = int(rng.integers(1, 5)) if i < num_abnormal else 0
        xy = rng.uniform(0, 800, (n_gt, 2))
        gt = np.concatenate([xy, xy + rng.uniform(50, 220, (n_gt, 2))], 1)
        n_pred = int(rng.poisson(preds_per_image))
        near = gt[rng.integers(0, n_gt, n_pred)] if n_gt else \
            np.zeros((n_pred, 4))
        rand_xy = rng.uniform(0, 800, (n_pred, 2))
        rand = np.concatenate(
            [rand_xy, rand_xy + rng.uniform(50, 220, (n_pred, 2))], 1)
        use_near = (rng.uniform(size=n_pred) < 0.5)[:, None] & (n_gt > 0)
        pred = np.where(use_near, near + rng.normal(0, 15, (n_pred, 4)),
                        rand)
        pred[:, 2:] = np.maximum(pred[:, 2:], pred[:, :2] + 5)
        gts.append(gt)
        preds.append(pred)
        scores.append(rng.uniform(0, 1, n_pred))
    return gts, preds, scores


def median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num-images', type=int, default=26684)
    parser.add_argument('--num-abnormal', type=int, default=6012)
    parser.add_argument('--preds-per-image', type=float, default=3.0)
    parser.add_argument('--repeat', type=int, default=5)
    args = parser.parse_args()

    gts, preds, scores = make_data(args.num_images, args.num_abnormal,
                                   args.preds_per_image)
    n_pred = sum(len(s) for s in scores)
    rows = [('score (8 IoU thresholds)',
             median_time(lambda: rsna_ap(preds, scores, gts), args.repeat)),
            ('score + 19-point confidence sweep',
             median_time(
                 lambda: rsna_ap(preds, scores, gts, sweep_thrs=DEFAULT_SWEEP),
                 args.repeat))]

    with tempfile.TemporaryDirectory() as tmp:
        ids = [f'patient{i:05d}' for i in range(args.num_images)]
        gt_csv = os.path.join(tmp, 'labels.csv')
        with open(gt_csv, 'w') as f:
            f.write(','.join(RSNA_LABELS_HEADER) + '\n')
            for pid, gt in zip(ids, gts):
                if len(gt) == 0:
                    f.write(f'{pid},,,,,0\n')
                for x1, y1, x2, y2 in gt:
                    f.write(f'{pid},{x1:.0f},{y1:.0f},{x2 - x1:.0f},'
                            f'{y2 - y1:.0f},1\n')
        sub_csv = os.path.join(tmp, 'submission.csv')
        write_submission(sub_csv, {
            pid: (p, s)
            for pid, p, s in zip(ids, preds, scores)
        })
        rows.append(('read + validate both CSVs, then score '
                     '(tools/rsna_score.py)',
                     median_time(lambda: score_submission(gt_csv, sub_csv),
                                 args.repeat)))

    print(f'{args.num_images} images, {args.num_abnormal} with boxes, '
          f'{n_pred} predictions; median of {args.repeat} runs\n')
    print('| step | seconds | budget (2 s) |')
    print('| --- | --- | --- |')
    for name, seconds in rows:
        print(f'| {name} | {seconds:.3f} | {seconds / 2.0:.0%} |')


if __name__ == '__main__':
    main()
