"""Does the residual |x - G(x)| point at the lesions? Measured against
mini-RSNA's ground truth, per patient and averaged.

For the patients of a split in the setting's aligned frame (default: the
held-out test patients, which no G has seen) and a G checkpoint (an
Abn2Nor checkpoint, or a GRANet one with the Abn2Nor config: the G it
fine-tuned):

- on "Lung Opacity" patients: the pixel AUROC of the residual for the
  lesion boxes and for the true lesion pixels (where x differs from its
  normal twin), the share of the residual's mass inside the boxes, the
  mean residual inside / outside the boxes (grey levels);
- on patients without lesions: the mean residual (ideal: 0, G the
  identity on normal images);
- the same for the ideal residual |x - true twin|, and on the training
  split also for I_b alone and eq. 3's target G_realistic(I_b(x)).

Prints a markdown table (means over patients), writes per-patient rows
(--out) and a picture grid (--pictures: x with its boxes, G(x), the
residual, the ideal residual). Last line: JSON of the table.
"""
import argparse
import json
import os
import os.path as osp

import cv2
import numpy as np

from mmgranet.apis import load_image_generator
from mmgranet.apis.twin_cases import box_mask, held_out_cases
from mmgranet.evaluation.functional import residual_localisation
from mmgranet.fileio import atomic_write, read_dicom

KEYS = ('auroc_boxes', 'auroc_lesion', 'share_in_boxes', 'mean_in',
        'mean_out')


def residual(x, y):
    return np.abs(x.astype(np.float64) - y)


def grid(path, rows, tile=160):
    """rows: [(x, g, resid, ideal, boxes)] -> one PNG."""
    lines = []
    for x, g, resid, ideal, boxes in rows:
        s = tile / x.shape[1]
        panels = []
        for img, name in ((x, 'x'), (g, 'G(x)'),
                          (np.clip(resid * 4, 0, 255), '|x - G(x)| x4'),
                          (np.clip(ideal * 4, 0, 255), '|x - twin| x4')):
            t = cv2.cvtColor(cv2.resize(img.astype(np.uint8),
                                        (tile, int(x.shape[0] * s))),
                             cv2.COLOR_GRAY2BGR)
            for x1, y1, x2, y2 in boxes:
                cv2.rectangle(t, (int(x1 * s), int(y1 * s)),
                              (int(x2 * s), int(y2 * s)), (0, 0, 255), 1)
            cv2.putText(t, name, (3, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.38,
                        (0, 255, 255), 1)
            panels.append(t)
        lines.append(np.concatenate(panels, axis=1))
    ok, buf = cv2.imencode('.png', np.concatenate(lines, axis=0))
    with atomic_write(path, 'wb') as f:
        f.write(buf.tobytes())


def localise(data_root, art, split, setting, generate, pictures=None,
             num_pictures=6):
    """Per-patient rows and means for G, the ideal residual and, on the
    training split, I_b and eq. 3's target."""
    per_patient, shown = [], []
    names = ['G(x)', 'ideal |x - twin|']
    if split == 'train':
        names += ['I_b(x)', "eq. 3's target G_realistic(I_b(x))"]
    values = {n: {k: [] for k in KEYS} for n in names}
    lesion_free = []
    cases = list(held_out_cases(data_root, art, split, setting))
    outputs = generate([c.image for c in cases])
    for case, g in zip(cases, outputs):
        r = residual(case.image, g)
        if not len(case.boxes):
            lesion_free.append(float(r.mean()))
            per_patient.append(dict(patient_id=case.patient_id,
                                    lesions=0, mean_residual=lesion_free[-1]))
            continue
        boxes = box_mask(case.boxes, case.image.shape)
        lesion = np.any(case.lesion_masks, axis=0)
        maps = {'G(x)': r, 'ideal |x - twin|': residual(case.image,
                                                        case.twin)}
        if split == 'train':
            for name, sub in (('I_b(x)', 'pairs/pseudo_normal'),
                              ("eq. 3's target G_realistic(I_b(x))",
                               'realistic_targets')):
                path = osp.join(art, sub, 'stage_2_train_images',
                                f'{case.patient_id}.dcm')
                if osp.exists(path):
                    maps[name] = residual(case.image, read_dicom(path))
        row = dict(patient_id=case.patient_id, lesions=len(case.boxes))
        for name, m in maps.items():
            scores = residual_localisation(m, boxes, lesion)
            for k in KEYS:
                values[name][k].append(scores[k])
            row[name] = scores
        per_patient.append(row)
        if pictures and len(shown) < num_pictures:
            shown.append((case.image, g, r, maps['ideal |x - twin|'],
                          case.boxes))
    if pictures and shown:
        grid(pictures, shown)
    means = {n: {k: float(np.nanmean(v[k])) if v[k] else float('nan')
                 for k in KEYS} for n, v in values.items()}
    means['G(x)']['mean_lesion_free'] = float(np.mean(lesion_free)) \
        if lesion_free else float('nan')
    means['ideal |x - twin|']['mean_lesion_free'] = 0.0
    counts = dict(lesion=len(values['G(x)']['auroc_boxes']),
                  lesion_free=len(lesion_free))
    return means, counts, per_patient


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root', help='a mini-RSNA (normal_twins/)')
    parser.add_argument('config', help='the Abn2Nor (cGAN) config')
    parser.add_argument('checkpoint', help='an Abn2Nor or GRANet checkpoint')
    parser.add_argument('--artifacts', required=True,
                        help="the setting's artifact dir (WORK/<setting>/)")
    parser.add_argument('--split', default='test',
                        choices=['test', 'val', 'train'])
    parser.add_argument('--setting', help='default: the artifact dir name')
    parser.add_argument('--size', type=int, help='run G at this size '
                        '(default: its training size)')
    parser.add_argument('--device', help='default: cuda when available')
    parser.add_argument('--pictures', help='a PNG of a few cases')
    parser.add_argument('--num-pictures', type=int, default=6)
    parser.add_argument('--out', help='per-patient rows as JSON')
    args = parser.parse_args()
    art = args.artifacts.rstrip('/') + '/'
    setting = args.setting or osp.basename(art.rstrip('/'))
    generate = load_image_generator(args.config, args.checkpoint,
                                    size=args.size, device=args.device)
    if args.pictures:
        os.makedirs(osp.dirname(osp.abspath(args.pictures)), exist_ok=True)
    means, counts, per_patient = localise(
        args.data_root, art, args.split, setting, generate, args.pictures,
        args.num_pictures)
    print(f'{counts["lesion"]} "Lung Opacity" and {counts["lesion_free"]} '
          f'lesion-free {args.split} patients of {args.data_root} '
          f'(setting {setting}, aligned frame), G = {args.checkpoint}\n')
    print('| residual | pixel AUROC, boxes | pixel AUROC, true lesion | '
          'share inside the boxes | mean in / out of the boxes | mean on '
          'lesion-free images |')
    print('| --- | --- | --- | --- | --- | --- |')
    for name, m in means.items():
        free = m.get('mean_lesion_free')
        print(f'| {name} | {m["auroc_boxes"]:.3f} | {m["auroc_lesion"]:.3f}'
              f' | {100 * m["share_in_boxes"]:.1f} % | {m["mean_in"]:.1f} / '
              f'{m["mean_out"]:.1f} | '
              f'{"" if free is None else f"{free:.1f}"} |')
    if args.out:
        with atomic_write(args.out) as f:
            json.dump(dict(means=means, counts=counts,
                           patients=per_patient), f, indent=1)
    print(json.dumps(dict(means=means, counts=counts)))


if __name__ == '__main__':
    main()
