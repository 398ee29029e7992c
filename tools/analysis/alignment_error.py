"""Alignment error on mini-RSNA, which records every image's true pose.

For image x with true pose P_x (canonical -> image pixels) and alignment
affine M_x (image -> aligned pixels), aligning x to the reference R is
perfect when M_x P_x = P_R. The error is the mean displacement of the four
canonical image corners between M_x P_x and P_R, in pixels, before
alignment (M = identity) and after it.
"""
import argparse
import json
import os.path as osp

import numpy as np

from mmgranet.datasets.synthetic import read_poses
from mmgranet.datasets.transforms import read_affines
from mmgranet.structures import compose, transform_points


def corner_error(m, pose, ref_pose, size):
    corners = np.array([[0, 0], [size, 0], [0, size], [size, size]], float)
    return float(np.linalg.norm(
        transform_points(corners, compose(m, pose)) -
        transform_points(corners, ref_pose), axis=1).mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root', help='a mini-RSNA (with poses.csv)')
    parser.add_argument('affines', help='affines.csv of align_dataset.py')
    parser.add_argument('--reference-id', help='default: reference.json '
                        'beside the aligned copy (WORK/<setting>/)')
    args = parser.parse_args()
    poses = read_poses(args.data_root)
    if args.reference_id:
        ref = args.reference_id
    else:
        path = osp.join(osp.dirname(osp.dirname(osp.abspath(args.affines))),
                        'reference.json')
        with open(path) as f:
            ref = json.load(f)['patientId']
    affines = read_affines(args.affines)
    size = json.load(open(osp.join(args.data_root, 'mini_rsna.json')))[
        'size']
    before = [corner_error(np.eye(2, 3), poses[p], poses[ref], size)
              for p in affines if p != ref]
    after = [corner_error(affines[p], poses[p], poses[ref], size)
             for p in affines if p != ref]
    result = dict(images=len(after), size=size,
                  before_px=round(float(np.mean(before)), 2),
                  after_px=round(float(np.mean(after)), 2),
                  after_median_px=round(float(np.median(after)), 2))
    print(json.dumps(result))


if __name__ == '__main__':
    main()
