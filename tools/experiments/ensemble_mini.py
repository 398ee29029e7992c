"""A single GRANet against a 4-fold ensemble, each with and without
horizontal-flip TTA and the RSNA box post-processing, and the same for
the RetinaNet† baseline: held-out test patients, everything chosen on
validation patients.

    ensemble_mini.py [--folds 0 1 2 3] [--methods granet baseline]
        [--work-root work_dirs/pipeline_mini/] [--out work_dirs/ensemble_mini]

Needs each fold's finished pipeline (`python tools/run_pipeline.py
--preset mini --setting fold{k} --seed 0`: its aligner, GRANet and
RetinaNet† checkpoints). Two tools/infer.py runs per method keep every
pass before fusion (--flip --save-members; they resume): each fold's
model on its own fold's validation patients (out-of-fold: no model
predicts a patient it trained on), and every fold's model on the
held-out test patients. Each row fuses its passes per image (weighted
box fusion in the original pixels, as tools/infer.py does) and chooses
its score cut-off, box shrink and image gating on validation patients:
the single model on fold 0's, the ensemble on the out-of-fold
predictions of its members with the same flips (the 300 training
patients; an ensemble has no patients outside every fold, so its cut-off
comes from its members' scores: `AP_optimistic`, the test-chosen
cut-off, is printed beside as the diagnostic of what that costs).
Printed per row: test AP at the chosen cut-off [95 % CI] and its paired
difference from the single model without TTA, the post-processed AP,
image-level AUROC (highest box score; the image head's probability) and
FROC CPM with intervals. The last line is the JSON summary (also
OUT/summary.json).
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np

from mmgranet.apis.stages import PRESETS, MethodRun
from mmgranet.evaluation.functional import (POWERS, choose, froc, heldout_ap,
                                            image_auroc, image_auroc_ci,
                                            process, read_predictions,
                                            seeds_patients_bootstrap)
from mmgranet.fileio import atomic_write, read_split_file
from mmgranet.structures import fuse

CONFIGS = PRESETS['mini']['configs']
NAMES = dict(granet='GRANet', baseline='RetinaNet†')


def checkpoint(args, fold: int, stage: str) -> str:
    """The last checkpoint of ``stage`` in the fold's pipeline (the
    pipeline's own naming); missing: the command that makes it."""
    path = MethodRun('mini', data_root=args.data_root,
                     work_root=args.work_root,
                     setting=f'fold{fold}').checkpoint(stage)
    if not osp.exists(path):
        raise SystemExit(f'{path}: missing; run fold {fold}\'s pipeline '
                         f'first (tools/run_pipeline.py --preset mini '
                         f'--setting fold{fold} --work-dir '
                         f'{args.work_root})')
    return path


def infer(inputs, method, ckpts, aligners, out, device):
    """tools/infer.py with every pass kept (it resumes on its own)."""
    cmd = [sys.executable, 'tools/infer.py', inputs, CONFIGS[method],
           *ckpts, '--flip', '--save-members', '--out', out,
           '--device', device]
    for a in aligners:
        cmd += ['--aligner', *a]
    print('$ ' + ' '.join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def fused(passes, flip: bool, checkpoints=None):
    """Per patient ((H, W), its passes: read_predictions' sixth list), the
    passes of ``checkpoints`` (None: all), with the flipped ones when
    ``flip``, fused: (boxes, scores, p_opacity)."""
    boxes, scores, probs = [], [], []
    for shape, own in passes:
        use = [m for m in own if (flip or not m['flip']) and (
            checkpoints is None or m['checkpoint'] in checkpoints)]
        b, s = fuse([(m['boxes'], m['scores']) for m in use], shape)
        boxes.append(b)
        scores.append(s)
        ps = [m['p_opacity'] for m in use if m['p_opacity'] is not None]
        probs.append(float(np.mean(ps)) if ps else None)
    return boxes, scores, probs


def evaluate(val, test, test_pids, bootstrap):
    """val / test: (boxes, scores, probs, gts) -> the row's numbers."""
    vb, vs, vp, vg = val
    tb, ts, tp, tg = test
    # scored as the written submission stores them (0.1 px, 4 decimals)
    sb, ss = process(tb, ts, tp)
    plain = heldout_ap((*process(vb, vs, vp), vg), (sb, ss, tg),
                       num_samples=bootstrap)
    gated = all(p is not None for p in vp + tp)
    best = choose(vb, vs, vp, vg, powers=POWERS if gated else (0.0, ),
                  log=None)
    post = heldout_ap((*process(vb, vs, vp, best['shrink'], best['power']),
                       vg), (*process(tb, ts, tp, best['shrink'],
                                      best['power']), tg), num_samples=0)
    curve = froc(sb, ss, tg, num_samples=bootstrap)
    row = dict(val_AP=plain['val_AP'], score_thr=plain['score_thr'],
               AP=plain['AP'], AP_ci=[plain['AP_ci_low'],
                                      plain['AP_ci_high']],
               AP_optimistic=plain['AP_optimistic'],
               post=dict(shrink=best['shrink'], power=best['power'],
                         score_thr=post['score_thr'],
                         val_AP=post['val_AP'], AP=post['AP']),
               AUROC_box=image_auroc(ss, tg),
               AUROC_box_ci=list(image_auroc_ci(ss, tg,
                                                num_samples=bootstrap)),
               FROC_CPM=curve['CPM'],
               FROC_CPM_ci=[curve.get('CPM_ci_low'),
                            curve.get('CPM_ci_high')],
               num_val=len(vb), num_test=len(tb))
    if all(p is not None for p in tp):
        row['AUROC_head'] = image_auroc(ss, tg, tp)
        row['AUROC_head_ci'] = list(image_auroc_ci(
            ss, tg, tp, num_samples=bootstrap))
    scores = dict(zip(test_pids, plain['image_scores']))
    post_scores = dict(zip(test_pids, post['image_scores']))
    return row, scores, post_scores


def run_method(method, args, data):
    out = osp.join(args.out, method)
    folds = args.folds
    ckpts = [checkpoint(args, k, method) for k in folds]
    aligners = [[CONFIGS['aligner'], checkpoint(args, k, 'aligner')]
                for k in folds] if method == 'granet' else \
        [[] for _ in folds]
    val_labels = osp.join(data, 'stage_2_train_labels.csv')
    test_labels = osp.join(data, 'test_labels.csv')
    # out-of-fold: each fold's model on its own validation patients
    val = {}
    for i, k in enumerate(folds):
        split = osp.join(data, 'splits', f'fold{k}_val.txt')
        folder = osp.join(out, f'val_fold{k}')
        os.makedirs(folder, exist_ok=True)
        listing = osp.join(folder, 'inputs.txt')
        with atomic_write(listing) as f:
            f.writelines(osp.abspath(osp.join(
                data, 'stage_2_train_images', f'{pid}.dcm')) + '\n'
                for pid in read_split_file(split))
        infer(listing, method, [ckpts[i]],
              [aligners[i]] if aligners[i] else [], folder, args.device)
        _, _, _, _, gts, passes = read_predictions(
            folder, val_labels, split, members=True)
        val[k] = (gts, passes)
    folder = osp.join(out, 'test')
    infer(osp.join(data, 'stage_2_test_images'), method, ckpts,
          [a for a in aligners if a], folder, args.device)
    tpids, _, _, _, tgts, tpasses = read_predictions(
        folder, test_labels, members=True)

    def val_rows(flip, ks):
        boxes, scores, probs, gts = [], [], [], []
        for k in ks:
            g, passes = val[k]
            b, s, p = fused(passes, flip)
            boxes += b
            scores += s
            probs += p
            gts += g
        return boxes, scores, probs, gts

    rows, per_patient = {}, {}
    first = folds[0]
    for label, ks, members in (
            (f'single (fold {first})', [first], [0]),
            (f'{len(folds)}-fold ensemble', folds, None)):
        for flip in (False, True):
            name = label + (' + flip TTA' if flip else '')
            test = (*fused(tpasses, flip, members), tgts)
            row, scores, post_scores = evaluate(
                val_rows(flip, ks), test, tpids, args.bootstrap)
            rows[name] = row
            per_patient[name] = (scores, post_scores)
    anchor = next(iter(rows))
    for name, row in rows.items():
        a = seeds_patients_bootstrap([per_patient[name][0]],
                                     [per_patient[anchor][0]],
                                     num_samples=args.bootstrap)
        p = seeds_patients_bootstrap([per_patient[name][1]],
                                     [per_patient[anchor][0]],
                                     num_samples=args.bootstrap)
        row['vs_single'] = [a['diff'], a['ci_low'], a['ci_high']]
        row['post_vs_single'] = [p['diff'], p['ci_low'], p['ci_high']]
    return rows


def fmt_ci(v, ci):
    if ci is None or ci[0] is None:
        return f'{v:.3f}'
    return f'{v:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]'


def fmt_diff(d):
    return f'{d[0]:+.3f} [{d[1]:+.3f}, {d[2]:+.3f}]'


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 2)[2])
    parser.add_argument('--folds', type=int, nargs='+', default=[0, 1, 2, 3])
    parser.add_argument('--methods', nargs='+', choices=list(NAMES),
                        default=list(NAMES))
    parser.add_argument('--data-root', default=PRESETS['mini']['data_root'])
    parser.add_argument('--work-root', default=PRESETS['mini']['work_root'])
    parser.add_argument('--out', default='work_dirs/ensemble_mini')
    parser.add_argument('--bootstrap', type=int, default=1000)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)
    summary = {}
    for method in args.methods:
        summary[NAMES[method]] = run_method(method, args, args.data_root)
    print('\n| method | predictions | val AP (chooses) | test AP [95 % CI] '
          '| vs. single [95 % CI] | + shrink / gating (chosen) | '
          'vs. single | image AUROC, box | image AUROC, head | FROC CPM |')
    print('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
    for method, rows in summary.items():
        for name, r in rows.items():
            post = r['post']
            head = fmt_ci(r['AUROC_head'], r['AUROC_head_ci']) \
                if 'AUROC_head' in r else '-'
            print(f'| {method} | {name} | {r["val_AP"]:.3f} | '
                  f'{fmt_ci(r["AP"], r["AP_ci"])} | '
                  f'{fmt_diff(r["vs_single"])} | {post["AP"]:.3f} '
                  f'({post["shrink"]:g} / {post["power"]:g}) | '
                  f'{fmt_diff(r["post_vs_single"])} | '
                  f'{fmt_ci(r["AUROC_box"], r["AUROC_box_ci"])} | {head} | '
                  f'{fmt_ci(r["FROC_CPM"], r["FROC_CPM_ci"])} |')
    os.makedirs(args.out, exist_ok=True)
    with atomic_write(osp.join(args.out, 'summary.json')) as f:
        json.dump(summary, f, indent=1)
    print(json.dumps(summary))
    return 0


if __name__ == '__main__':
    sys.exit(main())
