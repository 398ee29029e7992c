"""Write patient-level splits of an RSNA data root to DATA_ROOT/splits/.

A held-out test set (``--test``, RSNA: 600 patients, the paper's table 2
holdout; 0 for data with a separate labelled test set such as
mini-RSNA), then 4-fold cross-validation stratified on the 3-class image
label over the other patients (the paper's table 1 setting ``fold{k}``)
and the holdout setting ``holdout{n}`` (n validation patients, the rest
train). Files: test.txt, fold{k}_train.txt, fold{k}_val.txt,
holdout{n}_train.txt, holdout{n}_val.txt and splits.json. A setting's
train patients are all that anything learns from; its val patients choose
the score cut-off; the test patients are scored at it.
"""
import argparse
import os.path as osp

from mmgranet.datasets import make_rsna_splits, write_rsna_splits
from mmgranet.fileio import read_rsna_class_info


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root')
    parser.add_argument('--class-info',
                        default='stage_2_detailed_class_info.csv')
    parser.add_argument('--folds', type=int, default=4)
    parser.add_argument('--holdout', type=int, default=600,
                        help='validation patients of the holdout setting '
                        '(0: none)')
    parser.add_argument('--test', type=int, default=600,
                        help='held-out test patients carved out of the '
                        'labelled data (0: the data has its own labelled '
                        'test set)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', help='default DATA_ROOT/splits')
    args = parser.parse_args()
    labels = read_rsna_class_info(osp.join(args.data_root, args.class_info))
    splits = make_rsna_splits(labels, args.folds, args.holdout, args.seed,
                              test_size=args.test)
    out = args.out or osp.join(args.data_root, 'splits')
    write_rsna_splits(splits, out, dict(
        folds=args.folds, holdout=args.holdout, test=args.test, seed=args.seed,
        class_info=args.class_info, patients=len(labels)))
    for name, ids in splits.items():
        print(f'{name}: {len(ids)}')
    print(f'splits written to {out}')


if __name__ == '__main__':
    main()
