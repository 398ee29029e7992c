"""Score a Kaggle RSNA submission against stage_2_train_labels.csv.

Prints a short table, then, as the last line, a JSON object with "AP",
"AP@0.4"-style keys, "num_images" and, with --sweep, the best confidence
cut-off. A ground-truth patient missing from the submission counts as
having no predictions; a submission patient unknown to the ground truth is
an error. Malformed input exits non-zero with the file, line and problem.
"""
import argparse
import json
import sys

from mmgranet.evaluation.functional import DEFAULT_SWEEP, score_submission
from mmgranet.fileio import InputError


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('gt_csv', help='labels in stage_2_train_labels.csv '
                        'format')
    parser.add_argument('submission_csv', help='patientId,PredictionString')
    parser.add_argument('--iou-thrs', type=float, nargs='+',
                        help='default 0.40:0.05:0.75 (0.4 0.5 0.6 with '
                        '--no-fn)')
    parser.add_argument('--no-fn', action='store_true',
                        help="the paper's second setting: TP / (TP + FP)")
    parser.add_argument('--score-thr', type=float, default=0.0,
                        help='ignore predictions below this confidence')
    parser.add_argument('--sweep', action='store_true',
                        help='also report the best cut-off of 0.05..0.95')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        result = score_submission(
            args.gt_csv, args.submission_csv, iou_thrs=args.iou_thrs,
            no_fn=args.no_fn, score_thr=args.score_thr,
            sweep_thrs=DEFAULT_SWEEP if args.sweep else None)
    except InputError as e:
        print(f'rsna_score: {e}', file=sys.stderr)
        return 2
    for key, value in result.items():
        print(f'{key:>18}: {value:.4f}' if isinstance(value, float)
              else f'{key:>18}: {value}')
    print(json.dumps(result))
    return 0


if __name__ == '__main__':
    sys.exit(main())
