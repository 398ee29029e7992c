"""Score a Kaggle RSNA submission against labels (the RSNA metric).

    rsna_score.py GT SUB                     AP at --score-thr (default: every
                                             box), + --sweep: the best cut-off
    rsna_score.py GT SUB --cutoff-from VAL_GT VAL_SUB
                                             the protocol: the cut-off chosen
                                             on the validation submission,
                                             GT/SUB (held-out test patients)
                                             scored at it, with a bootstrap
                                             95 % interval

Prints a short table, then, as the last line, a JSON object ("AP",
"AP@0.4"-style keys, "num_images"; with --cutoff-from also "score_thr",
"val_AP", "AP_raw", "AP_ci_low"/"AP_ci_high" and the optimistic
diagnostic "AP_optimistic"). Beside the Kaggle AP, over every box of SUB
(no cut-off): "image_AUROC" (an image's highest box score against "has a
Lung Opacity") and FROC at IoU 0.4, "FROC_sens@<fp>" for 0.125 ... 8
false positives per image and their mean "FROC_CPM", with percentile
bootstrap intervals over patients ("..._ci_low" / "..._ci_high",
--bootstrap resamples). A labelled patient
(of --split-file) missing from a submission is an error (Kaggle rejects
such a file) unless --allow-missing; a submission patient without labels
is an error; malformed input exits non-zero with the file, line and
problem.
"""
import argparse
import json
import sys

import numpy as np

from mmgranet.evaluation.functional import (DEFAULT_SWEEP, froc, heldout_ap,
                                            image_auroc, image_auroc_ci,
                                            load_for_scoring, score_submission)
from mmgranet.fileio import InputError, atomic_write


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 2)[2])
    parser.add_argument('gt_csv', help='labels in stage_2_train_labels.csv '
                        'format')
    parser.add_argument('submission_csv', help='patientId,PredictionString')
    parser.add_argument('--split-file',
                        help='score only these labelled patients')
    parser.add_argument('--cutoff-from', nargs=2,
                        metavar=('VAL_GT', 'VAL_SUB'),
                        help='choose the cut-off on this validation '
                        'submission, then score SUB at it')
    parser.add_argument('--cutoff-split-file',
                        help='the validation patients of VAL_GT')
    parser.add_argument('--bootstrap', type=int, default=1000,
                        help='bootstrap resamples of the test patients '
                        '(the AP with --cutoff-from, AUROC and FROC; 0: '
                        'none)')
    parser.add_argument('--iou-thrs', type=float, nargs='+',
                        help='default 0.40:0.05:0.75 (0.4 0.5 0.6 with '
                        '--no-fn)')
    parser.add_argument('--no-fn', action='store_true',
                        help="the paper's second setting: TP / (TP + FP)")
    parser.add_argument('--score-thr', type=float, default=0.0,
                        help='ignore predictions below this confidence')
    parser.add_argument('--sweep', action='store_true',
                        help='also report the best cut-off of 0.05..0.95 '
                        'on these patients (optimistic)')
    parser.add_argument('--allow-missing', action='store_true',
                        help='score labelled patients missing from a '
                        'submission as patients without predictions')
    parser.add_argument('--out', help='also write the result (with the '
                        'per-patient scores) as JSON')
    return parser.parse_args(argv)


def reader_metrics(boxes, scores, gts, num_samples: int) -> dict:
    """Beside the AP, on SUB's patients over every box: image-level
    AUROC (the highest box score) and FROC at IoU 0.4."""
    curve = froc(boxes, scores, gts, num_samples=num_samples)
    out = dict(image_AUROC=image_auroc(scores, gts))
    if num_samples:
        out['image_AUROC_ci_low'], out['image_AUROC_ci_high'] = \
            image_auroc_ci(scores, gts, num_samples=num_samples)
    out.update({f'FROC_{k}': v for k, v in curve.items()})
    return out


def score(args) -> dict:
    if not args.cutoff_from:
        result = score_submission(
            args.gt_csv, args.submission_csv, iou_thrs=args.iou_thrs,
            no_fn=args.no_fn, score_thr=args.score_thr,
            sweep_thrs=DEFAULT_SWEEP if args.sweep else None,
            split_file=args.split_file, allow_missing=args.allow_missing)
        _, *test = load_for_scoring(args.gt_csv, args.submission_csv,
                                    args.split_file, args.allow_missing)
        result.update(reader_metrics(*test, args.bootstrap))
        return result
    val_gt, val_sub = args.cutoff_from
    _, *val = load_for_scoring(val_gt, val_sub, args.cutoff_split_file,
                               args.allow_missing)
    pids, *test = load_for_scoring(args.gt_csv, args.submission_csv,
                                   args.split_file, args.allow_missing)
    result = heldout_ap(tuple(val), tuple(test), iou_thrs=args.iou_thrs,
                        no_fn=args.no_fn, num_samples=args.bootstrap)
    result['patients'] = pids
    # the submission already read for the AP, not read again
    result.update(reader_metrics(*test, args.bootstrap))
    return result


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        result = score(args)
    except InputError as e:
        print(f'rsna_score: {e}', file=sys.stderr)
        return 2
    image_scores = result.pop('image_scores', None)
    patients = result.pop('patients', None)
    for key, value in result.items():
        print(f'{key:>22}: {value:.4f}' if isinstance(value, float)
              else f'{key:>22}: {value}')
    if args.out:
        full = dict(result)
        if image_scores is not None:
            full['image_scores'] = {
                p: (None if np.isnan(s) else float(s))
                for p, s in zip(patients, image_scores)}
        with atomic_write(args.out) as f:
            json.dump(full, f, indent=1)
    print(json.dumps(result))
    return 0


if __name__ == '__main__':
    sys.exit(main())
