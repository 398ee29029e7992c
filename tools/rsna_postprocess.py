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

from mmgranet.evaluation.functional import (POWERS, SHRINKS, choose,
                                            heldout_ap, process,
                                            read_predictions,
                                            seeds_patients_bootstrap)
from mmgranet.fileio import InputError, atomic_write, write_submission


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
                  args.powers if gated else [0.0],  # validation only
                  log=lambda line: print(line, flush=True))
    # the test patients, scored once each: the chosen processing and the
    # untouched predictions, both at their own validation-chosen cut-off
    best.update(heldout_ap((*process(vb, vs, vp, best['shrink'],
                                     best['power']), vg),
                           (*process(tb, ts, tp, best['shrink'],
                                     best['power']), tg), num_samples=0))
    plain = dict(shrink=1.0, power=0.0, **heldout_ap(
        (*process(vb, vs, vp), vg), (*process(tb, ts, tp), tg),
        num_samples=0))
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
