"""Write patient-level splits of an RSNA data root to DATA_ROOT/splits/.

4-fold cross-validation stratified on the 3-class image label (the paper's
table 1 setting) and a holdout test set (table 2: 600 images). Files:
fold{k}_train.txt, fold{k}_val.txt, holdout{n}_train.txt,
holdout{n}_test.txt and splits.json; select one in a config with
``split_file='splits/fold0_train.txt'``.
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
                        help='holdout test patients (0: none)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', help='default DATA_ROOT/splits')
    args = parser.parse_args()
    labels = read_rsna_class_info(osp.join(args.data_root, args.class_info))
    splits = make_rsna_splits(labels, args.folds, args.holdout, args.seed)
    out = args.out or osp.join(args.data_root, 'splits')
    write_rsna_splits(splits, out, dict(
        folds=args.folds, holdout=args.holdout, seed=args.seed,
        class_info=args.class_info, patients=len(labels)))
    for name, ids in splits.items():
        print(f'{name}: {len(ids)}')
    print(f'splits written to {out}')


if __name__ == '__main__':
    main()
