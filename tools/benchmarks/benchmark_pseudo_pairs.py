"""Benchmarks of the pseudo-pair building blocks, each against its anchor
in the same run.

Poisson blending of one 300 x 300 box in a 1024 x 1024 image (median of
--repeat runs): this package's exact DST solver, cv2.seamlessClone (the
usual tool, not exact on the given box), and a scipy sparse direct solve
(exact, the textbook way); the residual of the discrete Poisson equation
says how exact each is.

Nearest neighbours at RSNA's size (6,012 abnormal queries, 8,851 normal
images, 32 x 32 = 1,024 features): the exact k-NN search against one plain
float32 GEMM of the same size.
"""
import argparse
import statistics
import time

import cv2
import numpy as np

from mmgranet.pseudo import nearest_neighbours, poisson_blend
from mmgranet.pseudo.poisson import _rhs, _solve_region, poisson_residual


def median_time(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def smooth_image(rng, size):
    noise = rng.normal(0, 1, (size // 16, size // 16))
    img = cv2.resize(noise, (size, size), interpolation=cv2.INTER_CUBIC)
    img = (img - img.min()) / (img.max() - img.min()) * 200 + 20
    return np.clip(img + rng.normal(0, 3, (size, size)), 0,
                   255).astype(np.uint8)


def poisson_rows(repeat):
    rng = np.random.default_rng(0)
    target, source = smooth_image(rng, 1024), smooth_image(rng, 1024)
    x1, y1, side = 362, 362, 300
    box = [[x1, y1, x1 + side, y1 + side]]
    t, s = target.astype(np.float64), source.astype(np.float64)

    ours_s, ours = median_time(lambda: poisson_blend(target, source, box),
                               repeat)
    exact = poisson_blend(t, s, box)

    src = cv2.cvtColor(source[y1:y1 + side, x1:x1 + side],
                       cv2.COLOR_GRAY2BGR)
    dst = cv2.cvtColor(target, cv2.COLOR_GRAY2BGR)
    mask = np.full((side, side), 255, np.uint8)
    centre = (x1 + side // 2, y1 + side // 2)
    cv_s, cv_out = median_time(
        lambda: cv2.seamlessClone(src, dst, mask, centre, cv2.NORMAL_CLONE),
        repeat)

    def sparse():
        m = np.zeros((side + 2, side + 2), bool)
        m[1:-1, 1:-1] = True
        win = (slice(y1 - 1, y1 + side + 1), slice(x1 - 1, x1 + side + 1))
        b = _rhs(t[win], s[win], m, False)
        out = t.copy()
        out[win][m] = _solve_region(b, m, t.shape)[m]
        return out

    sp_s, sp_out = median_time(sparse, max(1, repeat // 5))
    return [
        ('exact DST (mmgranet.pseudo.poisson_blend, uint8)', ours_s,
         poisson_residual(exact, t, s, box)),
        ('cv2.seamlessClone (NORMAL_CLONE)', cv_s,
         poisson_residual(cv_out[..., 0].astype(float), t, s, box)),
        ('scipy sparse direct solve', sp_s,
         poisson_residual(sp_out, t, s, box)),
    ], (ours_s, cv_s)


def neighbour_rows(num_queries, num_pool, repeat):
    """Anchor and k-NN interleaved, so drift on a shared machine hits both;
    the ratio is the median of the per-round ratios."""
    rng = np.random.default_rng(0)
    q = rng.uniform(0, 255, (num_queries, 1024)).astype(np.float32)
    p = rng.uniform(0, 255, (num_pool, 1024)).astype(np.float32)
    gemm, knn = [], []
    for _ in range(repeat):
        gemm.append(median_time(lambda: q @ p.T, 1)[0])
        knn.append(median_time(lambda: nearest_neighbours(q, p, k=1), 1)[0])
    ratio = statistics.median(k / g for k, g in zip(knn, gemm))
    return statistics.median(gemm), statistics.median(knn), ratio


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--num-queries', type=int, default=6012)
    parser.add_argument('--num-pool', type=int, default=8851)
    args = parser.parse_args()

    rows, (ours_s, cv_s) = poisson_rows(args.repeat)
    print('Poisson blending, one 300 x 300 box in a 1024 x 1024 image, '
          f'median of {args.repeat} runs (sparse: {max(1, args.repeat // 5)})'
          '\n')
    print('| method | ms | max residual of the discrete Poisson equation |')
    print('| --- | --- | --- |')
    for name, seconds, residual in rows:
        print(f'| {name} | {seconds * 1000:.1f} | {residual:.2e} |')
    print(f'\nexact DST is {cv_s / ours_s:.1f}x faster than '
          'cv2.seamlessClone\n')

    gemm_s, knn_s, ratio = neighbour_rows(args.num_queries, args.num_pool,
                                          max(1, args.repeat // 2))
    print(f'Exact 1-NN, {args.num_queries} x {args.num_pool} x 1024, '
          f'median of {max(1, args.repeat // 2)} interleaved rounds\n')
    print('| step | s | vs. one GEMM |')
    print('| --- | --- | --- |')
    print(f'| one float32 GEMM of the same size (anchor) | {gemm_s:.2f} | '
          '1.00x |')
    print(f'| exact k-NN (k = 1) | {knn_s:.2f} | {ratio:.2f}x |')


if __name__ == '__main__':
    main()
