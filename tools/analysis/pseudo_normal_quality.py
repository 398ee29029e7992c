"""Pseudo-normal quality against mini-RSNA's true normal twins.

For every "Lung Opacity" training patient: PSNR, SSIM and L1 (grey
levels) against its true normal twin, inside its lesion boxes and outside
them, for (a) the abnormal input x, (b) I_b(x), (c) G_realistic(I_b(x)),
(d) G_abn2nor(x); means over patients as a markdown table, and a picture
per case (x, G(x), |x - G(x)|, boxes) for a few patients.

On an aligned copy (tools/align_dataset.py; the pipeline's order: align,
then pairs and cGANs) give --twins-root (the mini-RSNA with normal_twins/)
and --affines: each twin is warped into the aligned frame first.
"""
import argparse
import os
import os.path as osp

import cv2
import numpy as np

from mmgranet.apis import load_image_generator
from mmgranet.datasets import read_affines
from mmgranet.fileio import InputError, read_dicom, read_rsna_labels
from mmgranet.pseudo import pixel_boxes


def ssim_map(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """SSIM (Wang et al. 2004; 11x11 Gaussian, sigma 1.5) per pixel."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    c1, c2 = (0.01 * 255)**2, (0.03 * 255)**2

    def blur(x):
        return cv2.GaussianBlur(x, (11, 11), 1.5)

    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a**2
    var_b = blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    return ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / \
        ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))


def scores(img: np.ndarray, twin: np.ndarray, mask: np.ndarray) -> dict:
    out = {}
    diff = img.astype(np.float64) - twin
    ssim = ssim_map(img, twin)
    for name, region in (('in', mask), ('out', ~mask)):
        mse = float((diff[region]**2).mean())
        out[f'psnr_{name}'] = 10 * np.log10(255**2 / max(mse, 1e-10))
        out[f'ssim_{name}'] = float(ssim[region].mean())
        out[f'l1_{name}'] = float(np.abs(diff[region]).mean())
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root')
    parser.add_argument('--pairs', help='default DATA_ROOT/pairs')
    parser.add_argument('--abn2nor', nargs=2, metavar=('CONFIG', 'CKPT'))
    parser.add_argument('--abn2nor-size', type=int,
                        help='run G at this size (default: its training '
                        'size; the cost knob of GRANet.generator_size)')
    parser.add_argument('--pictures', help='directory for case pictures')
    parser.add_argument('--num-pictures', type=int, default=4)
    parser.add_argument('--twins-root',
                        help='where normal_twins/ is (default DATA_ROOT)')
    parser.add_argument('--affines', help='affines.csv: warp each twin '
                        'into the aligned frame of DATA_ROOT')
    args = parser.parse_args()
    twins_root = args.twins_root or args.data_root
    affines = read_affines(args.affines) if args.affines else None
    pairs = args.pairs or osp.join(args.data_root, 'pairs')
    labels = read_rsna_labels(osp.join(args.data_root,
                                       'stage_2_train_labels.csv'))
    abn2nor = load_image_generator(*args.abn2nor, size=args.abn2nor_size) \
        if args.abn2nor else None
    rows = {k: [] for k in ('x', 'I_b', 'G_realistic(I_b)',
                            'G_abn2nor(x)')}
    shown = 0
    for pid, boxes in labels.items():
        if not len(boxes):
            continue
        x = read_dicom(osp.join(args.data_root, 'stage_2_train_images',
                                f'{pid}.dcm'))
        twin_path = osp.join(twins_root, 'normal_twins', f'{pid}_twin.png')
        twin = cv2.imread(twin_path, 0)
        if twin is None:
            raise InputError(f'{twin_path}: cannot read the true twin')
        if affines is not None:
            twin = cv2.warpAffine(twin, affines[pid], x.shape[::-1],
                                  flags=cv2.INTER_LINEAR)
        mask = np.zeros(x.shape, bool)
        for x1, y1, x2, y2 in pixel_boxes(boxes, x.shape):
            mask[y1:y2, x1:x2] = True
        cases = dict(x=x)
        cases['I_b'] = read_dicom(osp.join(pairs, 'pseudo_normal',
                                           'stage_2_train_images',
                                           f'{pid}.dcm'))
        target = osp.join(pairs, 'realistic_targets',
                          'stage_2_train_images', f'{pid}.dcm')
        if osp.exists(target):
            cases['G_realistic(I_b)'] = read_dicom(target)
        if abn2nor is not None:
            cases['G_abn2nor(x)'] = abn2nor(x)
        for name, img in cases.items():
            rows[name].append(scores(img, twin, mask))
        if args.pictures and abn2nor is not None and \
                shown < args.num_pictures:
            os.makedirs(args.pictures, exist_ok=True)
            g = cases['G_abn2nor(x)']
            resid = np.clip(np.abs(x.astype(int) - g) * 4, 0, 255)
            panels = [cv2.cvtColor(p.astype(np.uint8), cv2.COLOR_GRAY2BGR)
                      for p in (x, g, resid, twin)]
            for p in panels:
                for x1, y1, x2, y2 in boxes.astype(int):
                    cv2.rectangle(p, (x1, y1), (x2, y2), (0, 0, 255), 1)
            cv2.imwrite(osp.join(args.pictures, f'{pid}.png'),
                        np.concatenate(panels, axis=1))
            shown += 1
    print(f'{len(rows["x"])} "Lung Opacity" patients of {args.data_root}; '
          'against the true normal twin\n')
    print('| image | PSNR in | SSIM in | L1 in | PSNR out | SSIM out | '
          'L1 out |')
    print('| --- | --- | --- | --- | --- | --- | --- |')
    for name, values in rows.items():
        if not values:
            continue
        m = {k: np.mean([v[k] for v in values]) for k in values[0]}
        print(f'| {name} | {m["psnr_in"]:.2f} | {m["ssim_in"]:.3f} | '
              f'{m["l1_in"]:.2f} | {m["psnr_out"]:.2f} | '
              f'{m["ssim_out"]:.3f} | {m["l1_out"]:.2f} |')


if __name__ == '__main__':
    main()
