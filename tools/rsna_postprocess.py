"""Choose the RSNA box post-processing on validation patients, report it
on held-out test patients.

    rsna_postprocess.py VAL_PRED VAL_LABELS TEST_PRED TEST_LABELS
        [--val-split-file F] [--test-split-file F] [--out DIR]

VAL_PRED / TEST_PRED are tools/infer.py output folders (their
``predictions/*.json``: boxes, scores and the image head's "Lung Opacity"
probability). Chosen together, on the validation patients only, by their
AP at their own best cut-off: box shrinking about the centre (a scale,
as the RSNA winners shrank their boxes: i-pan 0.875, ref. [6]'s
percentile rule), image-level gating (score * p_opacity ** power, 0 = off)
and the score cut-off. The test patients are scored once, at the chosen
values, beside the untouched predictions at their own validation-chosen
cut-off (the difference with a paired bootstrap interval over test
patients). Writes ``DIR/submission.csv`` of the test patients with the
chosen processing and ``DIR/postprocess.json``; the last line of output
is that JSON.
"""
import argparse
import json
import os
import os.path as osp
import sys

import numpy as np

from mmgranet.evaluation.functional import (choose_cutoff, heldout_ap,
                                            seeds_patients_bootstrap)
from mmgranet.fileio import (InputError, atomic_write, read_rsna_labels,
                             read_split_file, write_submission)

SHRINKS = (1.0, 0.95, 0.9, 0.875, 0.85, 0.8)
POWERS = (0.0, 0.5, 1.0, 2.0)


def read_predictions(folder: str, labels_csv: str, split_file=None):
    """(patient ids, boxes, scores, p_opacity, gt boxes) of the labelled
    patients (of ``split_file``); a labelled patient without a prediction
    file is an error naming it."""
    labels = read_rsna_labels(labels_csv)
    pids = read_split_file(split_file) if split_file else list(labels)
    boxes, scores, probs, gts = [], [], [], []
    for pid in pids:
        path = osp.join(folder, 'predictions', f'{pid}.json')
        if pid not in labels:
            raise InputError(f'{split_file}: patient {pid} is not in '
                             f'{labels_csv}')
        if not osp.exists(path):
            raise InputError(f'{path}: no prediction for labelled patient '
                             f'{pid} (run tools/infer.py on its image)')
        with open(path) as f:
            r = json.load(f)
        boxes.append(np.asarray(r['boxes'], np.float64).reshape(-1, 4))
        scores.append(np.asarray(r['scores'], np.float64))
        probs.append(r.get('p_opacity'))
        gts.append(labels[pid])
    return pids, boxes, scores, probs, gts


def process(boxes, scores, probs, shrink: float, power: float):
    """Boxes shrunk about their centres by ``shrink``; scores times
    p_opacity ** ``power``."""
    out_b, out_s = [], []
    for b, s, p in zip(boxes, scores, probs):
        c = (b[:, :2] + b[:, 2:]) / 2
        half = (b[:, 2:] - b[:, :2]) / 2 * shrink
        out_b.append(np.concatenate([c - half, c + half], 1))
        out_s.append(s * (p ** power) if power and p is not None else s)
    return out_b, out_s


def choose(boxes, scores, probs, gts, shrinks=SHRINKS, powers=POWERS):
    """The shrink, power and cut-off with the best AP on these
    (validation) patients; only their predictions and labels are given.
    Ties go to the first in the grid (the least processing)."""
    best = None
    for shrink in shrinks:
        for power in powers:
            r = choose_cutoff(*process(boxes, scores, probs, shrink, power),
                              gts)
            print(f'shrink {shrink:.3f}, power {power:g}: val AP '
                  f'{r["AP"]:.4f} at cut-off {r["score_thr"]:.2f}',
                  flush=True)
            if best is None or r['AP'] > best['val_AP']:
                best = dict(shrink=shrink, power=power, val_AP=r['AP'],
                            score_thr=r['score_thr'])
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 2)[2])
    parser.add_argument('val_pred')
    parser.add_argument('val_labels')
    parser.add_argument('test_pred')
    parser.add_argument('test_labels')
    parser.add_argument('--val-split-file')
    parser.add_argument('--test-split-file')
    parser.add_argument('--shrinks', type=float, nargs='+', default=SHRINKS)
    parser.add_argument('--powers', type=float, nargs='+', default=POWERS)
    parser.add_argument('--bootstrap', type=int, default=1000)
    parser.add_argument('--out', help='default: TEST_PRED/postprocessed')
    args = parser.parse_args(argv)
    try:
        _, vb, vs, vp, vg = read_predictions(args.val_pred, args.val_labels,
                                             args.val_split_file)
        tpids, tb, ts, tp, tg = read_predictions(
            args.test_pred, args.test_labels, args.test_split_file)
    except InputError as e:
        print(f'rsna_postprocess: {e}', file=sys.stderr)
        return 2
    gated = all(p is not None for p in vp + tp)
    best = choose(vb, vs, vp, vg, args.shrinks,
                  args.powers if gated else [0.0])  # validation only
    # the test patients, scored once each: the chosen processing and the
    # untouched predictions, both at their own validation-chosen cut-off
    best.update(heldout_ap((*process(vb, vs, vp, best['shrink'],
                                     best['power']), vg),
                           (*process(tb, ts, tp, best['shrink'],
                                     best['power']), tg), num_samples=0))
    plain = dict(shrink=1.0, power=0.0, **heldout_ap(
        (vb, vs, vg), (tb, ts, tg), num_samples=0))
    diff = seeds_patients_bootstrap([best['image_scores']],
                                    [plain['image_scores']],
                                    num_samples=args.bootstrap)
    keys = ('shrink', 'power', 'score_thr', 'val_AP', 'AP', 'AP_raw')
    result = dict(chosen={k: best[k] for k in keys},
                  untouched={k: plain[k] for k in keys},
                  test_AP_difference=diff,
                  gating=gated, num_val=len(vb), num_test=len(tb))
    out = args.out or osp.join(args.test_pred, 'postprocessed')
    os.makedirs(out, exist_ok=True)
    boxes, scores = process(tb, ts, tp, best['shrink'], best['power'])
    write_submission(osp.join(out, 'submission.csv'), {
        pid: (b[s >= best['score_thr']], s[s >= best['score_thr']])
        for pid, b, s in zip(tpids, boxes, scores)})
    with atomic_write(osp.join(out, 'postprocess.json')) as f:
        json.dump(result, f, indent=1)
    print(f'\nchosen on {len(vb)} validation patients: shrink '
          f'{best["shrink"]}, power {best["power"]:g}, cut-off '
          f'{best["score_thr"]:.2f}; held-out test AP {best["AP"]:.4f} vs '
          f'{plain["AP"]:.4f} untouched ({diff["diff"]:+.4f} '
          f'[{diff["ci_low"]:+.4f}, {diff["ci_high"]:+.4f}])')
    print(json.dumps(result))
    return 0


if __name__ == '__main__':
    sys.exit(main())
