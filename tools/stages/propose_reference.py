"""Propose a reference image for the STN aligner.

The paper picked a "standard high-quality image" by hand. This proposes
the Normal patient whose 64 x 64 image is nearest (Euclidean) to the mean
of the Normal patients of --split-file (an evaluation setting's training
patients: the choice reads their labels), writes it as --out (the
pipeline's WORK/<setting>/reference.png, the path the aligner configs
read) with its patientId in reference.json, and prints it.
"""
import argparse
import json
import os.path as osp

import cv2
import numpy as np

from mmgranet.fileio import (atomic_write, read_dicom, read_rsna_class_info,
                             read_split_file)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root')
    parser.add_argument('--split-file', help='choose among these patients '
                        '(the setting\'s training patients); default: all')
    parser.add_argument('--out', help='default DATA_ROOT/reference.png')
    parser.add_argument('--limit', type=int, default=2000,
                        help='use at most this many Normal patients')
    args = parser.parse_args()
    classes = read_rsna_class_info(
        osp.join(args.data_root, 'stage_2_detailed_class_info.csv'))
    if args.split_file:
        allowed = set(read_split_file(args.split_file))
        classes = {p: c for p, c in classes.items() if p in allowed}
    normals = sorted(p for p, c in classes.items() if c == 0)[:args.limit]
    if not normals:
        raise SystemExit(f'{args.data_root}: no Normal patients'
                         + (f' in {args.split_file}' if args.split_file
                            else ''))
    images = {
        p: read_dicom(osp.join(args.data_root, 'stage_2_train_images',
                               f'{p}.dcm'))
        for p in normals
    }
    small = np.stack([
        cv2.resize(images[p], (64, 64),
                   interpolation=cv2.INTER_AREA).astype(np.float32).ravel()
        for p in normals
    ])
    best = int(np.argmin(((small - small.mean(0))**2).sum(1)))
    out = args.out or osp.join(args.data_root, 'reference.png')
    ok, buf = cv2.imencode('.png', images[normals[best]])
    with atomic_write(out, 'wb') as f:
        f.write(buf.tobytes())
    with atomic_write(osp.splitext(out)[0] + '.json') as f:
        json.dump(dict(patientId=normals[best], image=out), f)
    print(f'reference: {normals[best]} (nearest of {len(normals)} Normal '
          f'patients to their mean) -> {out}')


if __name__ == '__main__':
    main()
