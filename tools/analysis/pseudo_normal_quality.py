"""Pseudo-normal quality against mini-RSNA's true normal twins.

In the setting's aligned frame (ARTIFACTS = WORK/<setting>/), for every
"Lung Opacity" patient: PSNR, SSIM and L1 (grey levels) against the true
normal twin (warped into the frame), inside the lesion boxes and outside,
means over patients as markdown tables:

- the held-out test patients (nothing was trained on them): the input x
  and G_abn2nor(x) (--abn2nor);
- the setting's training patients, whose pseudo-normals G learnt from:
  x, I_b (the nearest normal's boxes, blended), G_realistic(I_b) (eq. 3's
  targets) and G_abn2nor(x).

With --pictures, a picture per test case (x, G(x), |x - G(x)| x 4, true
twin, boxes) for a few patients. Last line: JSON of the tables.
"""
import argparse
import json
import os
import os.path as osp

import numpy as np

from mmgranet.apis import load_image_generator
from mmgranet.apis.setting import add_artifact_args, artifacts_from_args
from mmgranet.datasets.synthetic.twin_cases import box_mask, held_out_cases
from mmgranet.evaluation.functional import region_scores
from mmgranet.fileio import read_dicom
from mmgranet.visualization import box_tile, write_png

COLUMNS = ('psnr_in', 'ssim_in', 'l1_in', 'psnr_out', 'ssim_out', 'l1_out')


def table(title: str, rows: dict) -> dict:
    print(f'\n{title}\n')
    print('| image | PSNR in | SSIM in | L1 in | PSNR out | SSIM out | '
          'L1 out |')
    print('| --- | --- | --- | --- | --- | --- | --- |')
    means = {}
    for name, values in rows.items():
        if not values:
            continue
        m = means[name] = {k: float(np.mean([v[k] for v in values]))
                           for k in COLUMNS}
        print(f'| {name} | {m["psnr_in"]:.2f} | {m["ssim_in"]:.3f} | '
              f'{m["l1_in"]:.2f} | {m["psnr_out"]:.2f} | '
              f'{m["ssim_out"]:.3f} | {m["l1_out"]:.2f} |')
    return means


def picture(path: str, x, g, twin, boxes) -> None:
    resid = np.abs(x.astype(int) - g) * 4
    write_png(path, np.concatenate([box_tile(p, boxes.astype(int))
                                    for p in (x, g, resid, twin)], axis=1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_artifact_args(parser)
    parser.add_argument('--abn2nor', nargs=2, metavar=('CONFIG', 'CKPT'))
    parser.add_argument('--abn2nor-size', type=int,
                        help='run G at this size (default: its training '
                        'size; the cost knob of GRANet.generator_size)')
    parser.add_argument('--device', help='default: cuda when available')
    parser.add_argument('--pictures', help='directory for case pictures')
    parser.add_argument('--num-pictures', type=int, default=4)
    args = parser.parse_args()
    art, setting = artifacts_from_args(args)
    abn2nor = load_image_generator(*args.abn2nor, size=args.abn2nor_size,
                                   device=args.device) \
        if args.abn2nor else None

    test_rows = {'x': [], 'G_abn2nor(x)': []}
    shown = 0
    for case in held_out_cases(args.data_root, art, 'test',
                               with_lesions=True):
        mask = box_mask(case.boxes, case.image.shape)
        test_rows['x'].append(region_scores(case.image, case.twin, mask))
        if abn2nor is None:
            continue
        g = abn2nor(case.image)
        test_rows['G_abn2nor(x)'].append(region_scores(g, case.twin, mask))
        if args.pictures and shown < args.num_pictures:
            os.makedirs(args.pictures, exist_ok=True)
            picture(osp.join(args.pictures, f'{case.patient_id}.png'),
                    case.image, g, case.twin, case.boxes)
            shown += 1

    train_rows = {'x': [], 'I_b': [], 'G_realistic(I_b)': [],
                  'G_abn2nor(x)': []}
    for case in held_out_cases(args.data_root, art, 'train', setting,
                               with_lesions=True):
        mask = box_mask(case.boxes, case.image.shape)
        cases = dict(x=case.image)
        i_b = osp.join(art, 'pairs', 'pseudo_normal', 'stage_2_train_images',
                       f'{case.patient_id}.dcm')
        if osp.exists(i_b):
            cases['I_b'] = read_dicom(i_b)
        target = osp.join(art, 'realistic_targets', 'stage_2_train_images',
                          f'{case.patient_id}.dcm')
        if osp.exists(target):
            cases['G_realistic(I_b)'] = read_dicom(target)
        if abn2nor is not None:
            cases['G_abn2nor(x)'] = abn2nor(case.image)
        for name, img in cases.items():
            train_rows[name].append(region_scores(img, case.twin, mask))

    n_test, n_train = len(test_rows['x']), len(train_rows['x'])
    result = dict(
        test=table(f'{n_test} held-out "Lung Opacity" test patients of '
                   f'{args.data_root} against their true normal twins, '
                   'aligned frame', test_rows),
        train=table(f'{n_train} "Lung Opacity" training patients of '
                    f'{setting} (what G learnt from)', train_rows),
        test_patients=n_test, train_patients=n_train)
    print(json.dumps(result))


if __name__ == '__main__':
    main()
