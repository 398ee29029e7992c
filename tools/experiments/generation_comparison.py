"""The paper's generation comparison (section 4.2, fig. 3), scored against
mini-RSNA's ground truth: GRANet's cGANs against the unpaired CycleGAN and
UNIT, abnormal -> normal and normal -> abnormal.

For each seed it trains, on the setting's training patients (`make demo`'s
aligned copy, pseudo pairs and eq. 3 targets): the Abn2Nor cGAN (eq. 3),
GRANet's normal -> abnormal cGAN (told where to put the lesions), CycleGAN
and UNIT (both directions each), as the pipeline's own training stages
(mmgranet.apis.experiment; OUT/seed<k>/, the pipeline's resume rule) with
the configs of configs/cgan, configs/cyclegan and configs/unit;
``--checkpoint NAME CKPT`` scores a model trained elsewhere instead.
Then, on the held-out "Lung Opacity" test patients, whose true normal
twins mini-RSNA records (aligned frame):

- abnormal -> normal, input x, truth its twin: PSNR / SSIM / L1 inside and
  outside the lesion boxes, and where |x - G(x)| falls (share inside the
  boxes, pixel AUROC for the boxes);
- normal -> abnormal, input the twin, truth x, the boxes of x asked for:
  the change inside the asked boxes against outside, L1 to x inside them,
  and how a detector trained on real images (the baseline RetinaNet† of
  `make demo`, --detector) scores the generated lesions: the share of asked
  boxes it finds (a prediction with IoU > 0.4 above its validation-chosen
  cut-off).

The floor (x unchanged) and the ceiling (the true twin as the output)
print beside the methods; ``--methods`` trains and scores a subset (the
others print as not run).

Prints the table (mean ± std over seeds) and writes the figure in the
paper's layout (rows: input, GRANet cGAN, CycleGAN, UNIT, truth; both
directions) as a PNG. Last line: JSON.
"""
import argparse
import json
import os.path as osp
import statistics

import cv2
import numpy as np

from mmgranet.apis import load_detector, load_translator
from mmgranet.apis.config_reading import config_epochs
from mmgranet.apis.experiment import Row, run_rows
from mmgranet.apis.runner import StageError
from mmgranet.apis.setting import Setting, add_setting_args, setting_from_args
from mmgranet.apis.stages import StageRun, stamp_keys, train_stage
from mmgranet.datasets.synthetic.twin_cases import box_mask, held_out_cases
from mmgranet.evaluation.functional import (bbox_iou_xyxy, region_scores,
                                            residual_localisation)
from mmgranet.fileio import atomic_write
from mmgranet.visualization import box_tile, write_png

CONFIGS = dict(
    granet='configs/cgan/abn2nor_resnet6-32c_1xb4-10e_mini-rsna.py',
    granet_n2a='configs/cgan/nor2abn_resnet6-32c_1xb4-2e_mini-rsna.py',
    cyclegan='configs/cyclegan/cyclegan_resnet6-32c_1xb4-20e_mini-rsna.py',
    unit='configs/unit/unit_res3-32c_1xb4-20e_mini-rsna.py')
# --methods key -> (name, its translators: abnormal -> normal, normal ->
# abnormal, each (training, the translator's direction or None))
METHOD_KEYS = {
    'granet': ('GRANet cGAN', (('granet', None), ('granet_n2a', None))),
    'cyclegan': ('CycleGAN', (('cyclegan', 'normal'),
                              ('cyclegan', 'abnormal'))),
    'unit': ('UNIT', (('unit', 'normal'), ('unit', 'abnormal')))}
METHODS = tuple(name for name, _ in METHOD_KEYS.values())
CEILING = 'the true twin (ceiling)'
BASELINE = 'configs/retinanet/retinanet-dagger_r18_fpn-p2_1xb8-8e_mini-rsna.py'


def trainings(methods) -> list:
    """The trainings (keys of CONFIGS) the ``methods`` (keys of
    METHOD_KEYS) need."""
    return list(dict.fromkeys(t for m in methods
                              for t, _ in METHOD_KEYS[m][1]))


def training_row(out: str, setting: Setting, seed: int, fast: bool = False,
                 given=None, methods=tuple(METHOD_KEYS)) -> Row:
    """One seed's trainings (every method's without a ``given``
    checkpoint), after the pipeline's eq. 3 targets."""
    names = [n for n in trainings(methods) if n not in (given or {})]
    stages = tuple(train_stage(n, 'targets') for n in names)
    run = StageRun(setting, CONFIGS, out=out, seed=seed, fast=fast,
                   label=f'seed {seed}: ',
                   upstream=stamp_keys(setting.artifacts))
    return Row(f'seed {seed}', seed, run, stages)


def checkpoints(row: Row, given=None, methods=tuple(METHOD_KEYS)) -> dict:
    """Training -> (config, checkpoint)."""
    out = {n: (CONFIGS[n], row.run.checkpoint(n))
           for n in trainings(methods) if n not in (given or {})}
    out.update({n: (CONFIGS[n], c) for n, c in (given or {}).items()})
    return out


def change_inside(before, after, mask):
    """Mean |after - before| inside the mask and outside it."""
    d = np.abs(after.astype(np.float64) - before)
    return float(d[mask].mean()), float(d[~mask].mean())


def found_share(detections, boxes_list, cutoff):
    """The share of asked boxes a prediction above ``cutoff`` finds
    (IoU > 0.4)."""
    hits = total = 0
    for (pred, scores), boxes in zip(detections, boxes_list):
        keep = pred[scores >= cutoff]
        total += len(boxes)
        if len(keep):
            hits += int((bbox_iou_xyxy(boxes, keep).max(1) > 0.4).sum())
    return hits / max(total, 1)


def evaluate(runs, cases, detect, cutoff):
    """Every method of one seed (``runs``: method -> its two loaded
    translators) on the held-out cases, with the floor (x unchanged) and
    the ceiling (the twin)."""
    xs = [c.image for c in cases]
    twins = [c.twin for c in cases]
    masks = [box_mask(c.boxes, c.image.shape) for c in cases]
    lesions = [np.any(c.lesion_masks, axis=0) for c in cases]
    asked = [np.dstack([t, m.astype(np.uint8) * 255])
             for t, m in zip(twins, masks)]
    a2n, n2a = {'x (unchanged)': xs}, {}
    for method, (to_normal, to_abnormal) in runs.items():
        a2n[method] = to_normal(xs)
        # GRANet's conditional cGAN is asked where; the others are not
        n2a[method] = to_abnormal(asked if method == 'GRANet cGAN'
                                  else twins)
    a2n[CEILING] = twins
    rows = {}
    for name, outs in a2n.items():
        q = [region_scores(o, t, m) for o, t, m in zip(outs, twins, masks)]
        row = {k: float(np.mean([v[k] for v in q])) for k in q[0]}
        row.update(share_in_boxes=None, auroc_boxes=None)  # x: no residual
        if name != 'x (unchanged)':
            loc = [residual_localisation(np.abs(x.astype(float) - o), m,
                                         les)
                   for x, o, m, les in zip(xs, outs, masks, lesions)]
            row.update({k: float(np.nanmean([v[k] for v in loc]))
                        for k in ('share_in_boxes', 'auroc_boxes')})
        rows[f'a2n/{name}'] = row
    boxes = [c.boxes for c in cases]
    base = found_share(detect(twins), boxes, cutoff) if detect else None
    for name, outs in n2a.items():
        inside = [change_inside(t, o, m)
                  for t, o, m in zip(twins, outs, masks)]
        l1 = [float(np.abs(o.astype(float) - x)[m].mean())
              for o, x, m in zip(outs, xs, masks)]
        row = dict(change_in=float(np.mean([i for i, _ in inside])),
                   change_out=float(np.mean([o for _, o in inside])),
                   l1_in_vs_x=float(np.mean(l1)))
        if detect:
            row['found'] = found_share(detect(outs), boxes, cutoff)
            row['found_on_input'] = base
        rows[f'n2a/{name}'] = row
    if detect:
        rows['n2a/true abnormal x'] = dict(
            found=found_share(detect(xs), boxes, cutoff))
    return rows, a2n, n2a


def figure(path, cases, a2n, n2a, num=3, tile=128):
    """Two blocks side by side, a column per patient; rows: input, GRANet
    cGAN, CycleGAN, UNIT, truth."""
    def block(inputs, outs, truth, boxes):
        rows = []
        for label, imgs in [('input', inputs)] + \
                [(m, outs[m]) for m in METHODS if m in outs] + \
                [('truth', truth)]:
            rows.append(np.concatenate([
                box_tile(cv2.resize(img, (tile, tile)), bx * tile /
                         img.shape[1], label=label if j == 0 else None,
                         font_scale=0.4)
                for j, (img, bx) in enumerate(zip(imgs[:num], boxes[:num]))
            ], axis=1))
        return np.concatenate(rows, axis=0)

    boxes = [c.boxes for c in cases]
    xs, twins = [c.image for c in cases], [c.twin for c in cases]
    left = block(xs, a2n, twins, boxes)
    right = block(twins, n2a, xs, boxes)
    gap = np.full((left.shape[0], 8, 3), 255, np.uint8)
    write_png(path, np.concatenate([left, gap, right], 1))


def n2a_any(rows):
    """A method's normal -> abnormal row of one seed (None: none run)."""
    return next((rows[f'n2a/{m}'] for m in METHODS if f'n2a/{m}' in rows),
                None)


def mean_std(values):
    values = [v for v in values if v is not None and not np.isnan(v)]
    if not values:
        return '—'
    s = statistics.stdev(values) if len(values) > 1 else 0.0
    return f'{statistics.mean(values):.3f} ± {s:.3f}'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    add_setting_args(parser)
    parser.add_argument('--detector', nargs=2, metavar=('CONFIG', 'CKPT'),
                        help='a detector trained on real (aligned) images; '
                        "default: make demo's baseline RetinaNet†")
    parser.add_argument('--cutoff', type=float,
                        help="the detector's score cut-off, chosen on "
                        'validation patients (default: the one tools/'
                        "rsna_score.py chose for make demo's baseline)")
    parser.add_argument('--no-detector', action='store_true',
                        help='leave out the "asked boxes the detector '
                        'finds" column')
    parser.add_argument('--checkpoint', nargs=2, action='append',
                        metavar=('METHOD', 'CKPT'),
                        help='score this checkpoint of METHOD (' +
                        ', '.join(CONFIGS) + ') instead of training it '
                        '(one seed; repeat for several methods)')
    parser.add_argument('--methods', nargs='+', choices=list(METHOD_KEYS),
                        default=list(METHOD_KEYS),
                        help='train and score only these (default: all; '
                        'granet: both of its cGANs); the others print as '
                        'not run')
    parser.add_argument('--fast', action='store_true',
                        help='one epoch per training (tests)')
    parser.add_argument('--device', help='default: cuda when available')
    parser.add_argument('--out', default='work_dirs/generation_comparison')
    parser.add_argument('--figure', help='default OUT/generation.png')
    args = parser.parse_args()
    if args.detector and args.cutoff is None:
        parser.error('--detector needs --cutoff (its score cut-off chosen '
                     'on validation patients)')
    setting = setting_from_args(args)
    data, art, env = setting.data_root, setting.artifacts, setting.env
    if not osp.exists(osp.join(art, 'realistic_targets')):
        raise SystemExit(f'{art}: no eq. 3 targets; run `make demo` first '
                         '(it makes every input of the comparison)')
    detect, cutoff = None, args.cutoff
    if args.detector:
        detector = tuple(args.detector)
    elif not args.no_detector:
        # make demo's baseline: its last checkpoint and the cut-off its
        # score stage chose on the validation patients
        config = BASELINE
        detector = (config, osp.join(art, 'baseline', 'epoch_%d.pth' %
                                     config_epochs(config, env)))
        scores = osp.join(art, 'scores', 'baseline.json')
        for path in (detector[1], scores):
            if not osp.exists(path):
                raise SystemExit(
                    f'{path}: no baseline detector of make demo (or its '
                    'validation-chosen cut-off) for the "found" column; '
                    'run make demo, give --detector CONFIG CKPT --cutoff '
                    'T, or leave the column out with --no-detector')
        if cutoff is None:
            with open(scores) as f:
                cutoff = json.load(f)['score_thr']
    if args.detector and not osp.exists(detector[1]):
        raise SystemExit(f'{detector[1]}: no such detector checkpoint')
    if not args.no_detector:
        detect = load_detector(*detector, device=args.device)
    given = dict(args.checkpoint or [])
    unknown = set(given) - set(trainings(args.methods))
    if unknown:
        parser.error(f'--checkpoint {sorted(unknown)}: the trainings of '
                     f'--methods {" ".join(args.methods)} are '
                     f'{trainings(args.methods)}')
    if given and len(args.seeds) > 1:
        parser.error('--checkpoint scores one trained model: give one seed')
    cases = list(held_out_cases(data, art, 'test', with_lesions=True))
    rows = [training_row(osp.join(args.out, f'seed{seed}') + '/', setting,
                         seed, args.fast, given, args.methods)
            for seed in args.seeds]
    run_rows(rows)
    per_seed = []
    for row in rows:
        ckpts = checkpoints(row, given, args.methods)
        # the evaluation of these checkpoints (their stamps, or the given
        # files) is reused; a retrained method re-evaluates the seed
        inputs = dict(
            methods={n: [c, row.run.pipe.keys.get(n) or
                         osp.getmtime(c)] for n, (_, c) in ckpts.items()},
            detector=list(detector) if detect else None, cutoff=cutoff,
            rows='with the ceiling')  # a result without it: rescored
        path = osp.join(row.out, 'result.json')
        if osp.exists(path):
            with open(path) as f:
                saved = json.load(f)
            if saved.get('inputs') == json.loads(json.dumps(inputs)):
                per_seed.append(saved['rows'])
                continue
        # method -> (abnormal -> normal, normal -> abnormal) translators
        runs = {name: tuple(
            load_translator(*ckpts[training], *filter(None, (direction, )),
                            device=args.device)
            for training, direction in translators)
            for name, translators in (METHOD_KEYS[m] for m in args.methods)}
        result, a2n, n2a = evaluate(runs, cases, detect, cutoff)
        if row is rows[0]:
            figure(args.figure or osp.join(args.out, 'generation.png'),
                   cases, a2n, n2a)
        with atomic_write(path) as f:
            json.dump(dict(inputs=inputs, rows=result), f, indent=1)
        per_seed.append(result)

    print(f'\n{len(cases)} held-out "Lung Opacity" test patients of {data} '
          f'(aligned frame), seeds {args.seeds}; mean ± std over seeds\n')
    print('abnormal -> normal (truth: the true normal twin)\n')
    print('| method | PSNR in | SSIM in | L1 in | PSNR out | L1 out | '
          'residual share in boxes | residual AUROC, boxes |')
    print('| --- | --- | --- | --- | --- | --- | --- | --- |')
    keys = ('psnr_in', 'ssim_in', 'l1_in', 'psnr_out', 'l1_out',
            'share_in_boxes', 'auroc_boxes')
    summary = {}
    for name in ('x (unchanged)', ) + METHODS + (CEILING, ):
        k = f'a2n/{name}'
        if k not in per_seed[0]:
            print(f'| {name} | not run (--methods) |' + ' |' * 6)
            continue
        summary[k] = {c: [r[k][c] for r in per_seed] for c in keys}
        print(f'| {name} | ' + ' | '.join(
            mean_std(summary[k][c]) for c in keys) + ' |')
    area = float(np.mean([box_mask(c.boxes, c.image.shape).mean()
                          for c in cases]))
    print(f'\nThe boxes cover {100 * area:.1f} % of an image on average: a '
          'residual spread evenly puts that share inside them (AUROC 0.5).')
    print('\nnormal -> abnormal (input: the twin; asked: the boxes of x; '
          'truth: x)\n')
    print('| method | change in the asked boxes | change outside | L1 to x '
          'in the boxes | asked boxes the detector finds |')
    print('| --- | --- | --- | --- | --- |')
    keys = ('change_in', 'change_out', 'l1_in_vs_x', 'found')
    for name in METHODS + ('true abnormal x', ):
        k = f'n2a/{name}'
        if k not in per_seed[0]:
            if name in METHODS:
                print(f'| {name} | not run (--methods) |' + ' |' * 3)
            continue
        summary[k] = {c: [r[k].get(c) for r in per_seed] for c in keys}
        print(f'| {name} | ' + ' | '.join(
            mean_std(summary[k][c]) for c in keys) + ' |')
    if detect and n2a_any(per_seed[0]):
        print(f'\ndetector: {detector[1]} at its validation-chosen cut-off '
              f'{cutoff:.2f}; on the unchanged twins it finds '
              f'{n2a_any(per_seed[0])["found_on_input"]:.3f} of '
              'the asked boxes')
    print(json.dumps(summary))


if __name__ == '__main__':
    try:
        main()
    except StageError as e:  # a training failed: its log is named
        raise SystemExit(f'error: {e}') from None
