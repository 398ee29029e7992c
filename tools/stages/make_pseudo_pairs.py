"""Write the pseudo-normal set I_b and the pseudo-abnormal augmentation set.

For every "Lung Opacity" patient: its boxes replaced by the nearest Normal
patient's pixels (32 x 32 Euclidean, exact), Poisson-blended. For every
other patient: the lesion boxes of its k nearest "Lung Opacity" patients
pasted in and blended, written in RSNA layout with labels and provenance.
With --split-file only those patients take part (give the evaluation
setting's training patients: nothing trained on the pairs then sees a
validation or test patient). Resumable (finished images are skipped),
multiprocess, atomic writes.
"""
import argparse
import json
import time

from mmgranet.pseudo.offline import make_pseudo_pairs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root', help='an RSNA-layout directory')
    parser.add_argument('--out', required=True)
    parser.add_argument('--split-file', help='only these patients (the '
                        'setting\'s training patients)')
    parser.add_argument('--k', type=int, default=1,
                        help='pseudo-abnormal images per patient')
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--no-blend', action='store_true',
                        help='hard paste, no Poisson blending')
    parser.add_argument('--mixed', action='store_true',
                        help='mixed-gradient Poisson blending')
    args = parser.parse_args()
    start = time.time()
    counts = make_pseudo_pairs(args.data_root, args.out, k=args.k,
                               workers=args.workers,
                               blend=not args.no_blend, mixed=args.mixed,
                               split_file=args.split_file)
    seconds = time.time() - start
    print(json.dumps(dict(counts, seconds=round(seconds, 1))))


if __name__ == '__main__':
    main()
