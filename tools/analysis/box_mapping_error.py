"""How boxes cross the alignment, against mini-RSNA's true lesion extent.

For every lesion box of mini-RSNA (training and test patients), the truth
in the aligned frame is the box around the lesion's pixels (where the image
differs from its normal twin, inside the box) warped with the image's
alignment affine. Printed: the mean IoU with that truth of the box mapping
the package uses (mmgranet.structures.affine.transform_boxes, q = 1.5), of its
two ends (q = 1: the corners' min/max; q = 2: the inscribed ellipse's box),
and the worst IoU of a box mapped forward and back: with the package's
exact inverse (untransform_boxes), and with the min/max of the inverse
affine as before. Last line: JSON with ``roundtrip_iou_min``,
``iou_vs_true_new``, ``iou_vs_true_minmax``.
"""
import argparse
import json
import os.path as osp

import numpy as np

from mmgranet.datasets.synthetic.twin_cases import (lesion_masks, mask_box,
                                                    read_twin, warp_mask)
from mmgranet.datasets.transforms import read_affines
from mmgranet.evaluation.functional import bbox_iou_xyxy
from mmgranet.fileio import read_dicom, read_rsna_labels
from mmgranet.structures import (BOX_SHAPE_Q, invert_affine, transform_boxes,
                                 transform_boxes_minmax, untransform_boxes)

SPLITS = (('stage_2_train_images', 'stage_2_train_labels.csv'),
          ('stage_2_test_images', 'test_labels.csv'))


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float(bbox_iou_xyxy(a[None], b[None])[0, 0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root', help='a mini-RSNA (normal_twins/)')
    parser.add_argument('affines', help='affines.csv of align_dataset.py')
    args = parser.parse_args()
    affines = read_affines(args.affines)
    rows = dict(new=[], minmax=[], ellipse=[], roundtrip_new=[],
                roundtrip_minmax=[])
    for image_dir, labels_file in SPLITS:
        path = osp.join(args.data_root, labels_file)
        if not osp.exists(path):
            continue
        for pid, boxes in read_rsna_labels(path).items():
            if not len(boxes) or pid not in affines:
                continue
            m = affines[pid]
            image = read_dicom(osp.join(args.data_root, image_dir,
                                        f'{pid}.dcm'))
            masks = lesion_masks(image, read_twin(args.data_root, pid),
                                 boxes)
            inv = invert_affine(m)
            for box, mask in zip(boxes, masks):
                truth = mask_box(warp_mask(mask, m))
                if truth is None:
                    continue
                moved = transform_boxes(box, m)
                rows['new'].append(iou(moved[0], truth))
                rows['roundtrip_new'].append(
                    iou(untransform_boxes(moved, m)[0], box))
                moved = transform_boxes_minmax(box, m)
                rows['minmax'].append(iou(moved[0], truth))
                rows['roundtrip_minmax'].append(
                    iou(transform_boxes_minmax(moved, inv)[0], box))
                rows['ellipse'].append(
                    iou(transform_boxes(box, m, q=2)[0], truth))
    if not rows['new']:
        raise SystemExit(f'{args.data_root}: no lesion box with an affine in'
                         f' {args.affines}')
    print(f'{len(rows["new"])} lesion boxes of {args.data_root}')
    print('| mapping | mean IoU with the true extent | worst | round trip '
          '(worst IoU) |')
    print('| --- | --- | --- | --- |')
    for name, label in (
            ('new', f'q = {BOX_SHAPE_Q:g} and its exact inverse (used)'),
            ('minmax', 'corners min/max both ways (q = 1)'),
            ('ellipse', 'inscribed ellipse (q = 2)')):
        back = rows.get(f'roundtrip_{name}')
        print(f'| {label} | {np.mean(rows[name]):.4f} | '
              f'{np.min(rows[name]):.4f} | '
              + (f'{np.min(back):.4f} |' if back else
                 'not measured (forward only) |'))
    print(json.dumps(dict(
        boxes=len(rows['new']),
        roundtrip_iou_min=round(float(np.min(rows['roundtrip_new'])), 6),
        roundtrip_iou_min_minmax=round(
            float(np.min(rows['roundtrip_minmax'])), 6),
        iou_vs_true_new=round(float(np.mean(rows['new'])), 4),
        iou_vs_true_minmax=round(float(np.mean(rows['minmax'])), 4),
        iou_vs_true_ellipse=round(float(np.mean(rows['ellipse'])), 4))))


if __name__ == '__main__':
    main()
