"""Does the residual |x - G(x)| point at the lesions, and does G remove
them? Measured against mini-RSNA's ground truth, per patient and averaged,
with the floor and the ceiling beside every G through the same code.

For the patients of a split in the setting's aligned frame (default: the
held-out test patients, which no G has seen) and a G checkpoint (an
Abn2Nor checkpoint, or a GRANet one with the Abn2Nor config: the G it
fine-tuned), or an oracle G (``--oracle identity``: G(x) = x;
``--oracle twin``: G(x) = x's true normal twin; no config then):

- on "Lung Opacity" patients: the pixel AUROC of the residual for the
  lesion boxes and for the true lesion pixels (where x differs from its
  normal twin), the share of the residual's mass inside the boxes, the
  mean residual inside / outside the boxes, the signed mean change
  G(x) - x inside the boxes (negative: G removed brightness, as a
  pseudo-normal must; positive: G highlighted the lesion) and the L1 of
  G(x) to the true twin inside / outside the boxes (grey levels);
- on patients without lesions: the mean residual (ideal: 0, G the
  identity on normal images);
- every row beside the floor (the identity G) and the ceiling (the true
  twin), and on the training split also I_b alone and eq. 3's target
  G_realistic(I_b(x)).

By default everything is measured at G's own size (``--resolution g``:
x, the twin, the boxes and the lesion masks area-resized to the size G
runs at), where GRANet's attention compares x and G(x); ``--resolution
full`` measures at the image's size, G's output being x plus its change
upsampled (``load_translator``'s ``full_size='change'``). Either way the
identity scores 0.

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
from mmgranet.apis.setting import add_artifact_args, artifacts_from_args
from mmgranet.datasets.synthetic.twin_cases import box_mask, held_out_cases
from mmgranet.evaluation.functional import pseudo_normal_scores
from mmgranet.fileio import atomic_write, read_dicom
from mmgranet.visualization import box_tile, write_png

KEYS = ('auroc_boxes', 'auroc_lesion', 'share_in_boxes', 'mean_in',
        'mean_out', 'signed_in', 'l1_twin_in', 'l1_twin_out')
G = 'G(x)'
FLOOR = 'floor: identity G(x) = x'
CEILING = 'ceiling: the true twin'
ORACLES = dict(identity=FLOOR, twin=CEILING)


def residual(x, y):
    return np.abs(x.astype(np.float64) - y)


def grid(path, rows, tile=160):
    """rows: [(x, g, resid, ideal, boxes)] -> one PNG."""
    lines = []
    for x, g, resid, ideal, boxes in rows:
        lines.append(np.concatenate([
            box_tile(img, boxes, tile, name, font_scale=0.38)
            for img, name in ((x, 'x'), (g, 'G(x)'),
                              (resid * 4, '|x - G(x)| x4'),
                              (ideal * 4, '|x - twin| x4'))], axis=1))
    write_png(path, np.concatenate(lines, axis=0))


def nanmean(values) -> float:
    """The mean of the defined values; NaN when there are none (the
    identity's share in boxes: its residual is 0 everywhere)."""
    values = np.asarray(values, dtype=np.float64)
    values = values[~np.isnan(values)]
    return float(values.mean()) if len(values) else float('nan')


def at_size(case, size):
    """A case area-resized to ``size`` x ``size`` (G's size): x, the twin,
    the boxes and the lesion masks (a pixel is lesion when half of it
    is)."""
    h, w = case.image.shape
    if (h, w) == (size, size):
        return case

    def small(img):
        return None if img is None else cv2.resize(
            img, (size, size), interpolation=cv2.INTER_AREA)
    masks = [cv2.resize(m.astype(np.float32), (size, size),
                        interpolation=cv2.INTER_AREA) >= 0.5
             for m in case.lesion_masks]
    scale = np.array([size / w, size / h, size / w, size / h])
    return case._replace(image=small(case.image), twin=small(case.twin),
                         boxes=np.asarray(case.boxes) * scale,
                         lesion_masks=masks)


def oracle(name):
    """G(x) = x, or G(x) = the true twin (x itself without lesions)."""
    if name == 'identity':
        return lambda cases: [c.image for c in cases]
    return lambda cases: [c.image if c.twin is None else c.twin
                          for c in cases]


def localise(data_root, art, split, setting, generate, pictures=None,
             num_pictures=6, size=None):
    """Per-patient rows and means for G (a function of a list of cases ->
    G(x) each), beside the floor and the ceiling and, on the training
    split, I_b and eq. 3's target; at ``size`` (G's) when given."""
    per_patient, shown = [], []
    cases = list(held_out_cases(data_root, art, split, setting))
    if size:
        cases = [at_size(c, size) for c in cases]
    outputs = {FLOOR: oracle('identity')(cases), G: generate(cases),
               CEILING: oracle('twin')(cases)}
    if split == 'train':
        for name, sub in (('I_b(x)', 'pairs/pseudo_normal'),
                          ("eq. 3's target G_realistic(I_b(x))",
                           'realistic_targets')):
            outputs[name] = []
            for case in cases:
                path = osp.join(art, sub, 'stage_2_train_images',
                                f'{case.patient_id}.dcm')
                img = read_dicom(path) if osp.exists(path) else None
                if img is not None and img.shape != case.image.shape:
                    img = cv2.resize(img, case.image.shape[::-1],
                                     interpolation=cv2.INTER_AREA)
                outputs[name].append(img)
    values = {n: {k: [] for k in KEYS} for n in outputs}
    lesion_free = {n: [] for n in outputs}
    for i, case in enumerate(cases):
        row = dict(patient_id=case.patient_id, lesions=len(case.boxes))
        if not len(case.boxes):
            for name, outs in outputs.items():
                if outs[i] is not None:
                    lesion_free[name].append(
                        float(residual(case.image, outs[i]).mean()))
            row['mean_residual'] = lesion_free[G][-1]
            per_patient.append(row)
            continue
        boxes = box_mask(case.boxes, case.image.shape)
        lesion = np.any(case.lesion_masks, axis=0)
        for name, outs in outputs.items():
            if outs[i] is None:
                continue
            scores = pseudo_normal_scores(case.image, outs[i], case.twin,
                                          boxes, lesion)
            for k in KEYS:
                values[name][k].append(scores[k])
            row[name] = scores
        per_patient.append(row)
        if pictures and len(shown) < num_pictures:
            shown.append((case.image, outputs[G][i],
                          residual(case.image, outputs[G][i]),
                          residual(case.image, case.twin), case.boxes))
    if pictures and shown:
        grid(pictures, shown)
    means = {}
    for name, v in values.items():
        means[name] = {k: nanmean(v[k]) for k in KEYS}
        means[name]['mean_lesion_free'] = float(np.mean(lesion_free[name])) \
            if lesion_free[name] else float('nan')
    counts = dict(lesion=len(values[G]['auroc_boxes']),
                  lesion_free=len(lesion_free[G]))
    return means, counts, per_patient


def table(means) -> str:
    """The markdown table of :func:`localise`'s means."""
    def f(v, fmt='.3f'):
        return '—' if v is None or np.isnan(v) else format(v, fmt)
    lines = [
        '| G | pixel AUROC, boxes | pixel AUROC, true lesion | share inside '
        'the boxes | mean residual in / out of the boxes | signed change '
        'in the boxes | L1 to the twin in / out of the boxes | mean on '
        'lesion-free images |',
        '| --- | --- | --- | --- | --- | --- | --- | --- |']
    for name, m in means.items():
        share = m['share_in_boxes']
        lines.append(
            f'| {name} | {f(m["auroc_boxes"])} | {f(m["auroc_lesion"])} | '
            f'{f(None if np.isnan(share) else 100 * share, ".1f")} % | '
            f'{f(m["mean_in"], ".2f")} / {f(m["mean_out"], ".2f")} | '
            f'{f(m["signed_in"], "+.2f")} | {f(m["l1_twin_in"], ".2f")} / '
            f'{f(m["l1_twin_out"], ".2f")} | '
            f'{f(m["mean_lesion_free"], ".2f")} |')
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_artifact_args(parser)
    parser.add_argument('config', nargs='?',
                        help='the Abn2Nor (cGAN) config')
    parser.add_argument('checkpoint', nargs='?',
                        help='an Abn2Nor or GRANet checkpoint')
    parser.add_argument('--oracle', choices=sorted(ORACLES),
                        help='measure an oracle G instead of a checkpoint: '
                        'identity (G(x) = x, the floor) or twin (the true '
                        'twin, the ceiling)')
    parser.add_argument('--split', default='test',
                        choices=['test', 'val', 'train'])
    parser.add_argument('--size', type=int, help='run G at this size '
                        '(default: its training size; the oracles: 128, the '
                        "mini cGANs')")
    parser.add_argument('--resolution', choices=['g', 'full'], default='g',
                        help="measure at G's size (default) or the image's")
    parser.add_argument('--device', help='default: cuda when available')
    parser.add_argument('--pictures', help='a PNG of a few cases')
    parser.add_argument('--num-pictures', type=int, default=6)
    parser.add_argument('--out', help='per-patient rows as JSON')
    args = parser.parse_args()
    if bool(args.oracle) == bool(args.config and args.checkpoint) or \
            (args.oracle and args.config):
        parser.error('give CONFIG CHECKPOINT, or --oracle without them')
    art, setting = artifacts_from_args(args)
    if args.oracle:
        generate, what = oracle(args.oracle), ORACLES[args.oracle]
        size = args.size or 128
    else:
        from mmengine import Config
        size = args.size or \
            Config.fromfile(args.config).train_dataloader.dataset.size
        run = load_image_generator(args.config, args.checkpoint,
                                   size=size, device=args.device)

        def generate(cases):
            return run([c.image for c in cases])
        what = args.checkpoint
    if args.pictures:
        os.makedirs(osp.dirname(osp.abspath(args.pictures)), exist_ok=True)
    means, counts, per_patient = localise(
        args.data_root, art, args.split, setting, generate, args.pictures,
        args.num_pictures, size if args.resolution == 'g' else None)
    where = f"at G's size, {size} px" if args.resolution == 'g' else \
        f"at the image's size (G at {size} px, its change upsampled)"
    print(f'{counts["lesion"]} "Lung Opacity" and {counts["lesion_free"]} '
          f'lesion-free {args.split} patients of {args.data_root} '
          f'(setting {setting}, aligned frame), G = {what}, measured '
          f'{where}\n')
    print(table(means))
    if args.out:
        with atomic_write(args.out) as f:
            json.dump(dict(means=means, counts=counts,
                           patients=per_patient), f, indent=1)
    print(json.dumps(dict(means=means, counts=counts, size=size,
                          resolution=args.resolution)))


if __name__ == '__main__':
    main()
