"""Write the oracle's eq. 3 targets: every "Lung Opacity" training
patient's true normal twin (mini-RSNA's ground truth) in the setting's
aligned frame. An Abn2Nor G trained towards them is the ceiling of what
the architecture and the loss can learn from the setting's training
patients (no validation or test patient is read); real data has no
twins. Same layout as tools/stages/make_realistic_targets.py. Resumable.
"""
import argparse
import json
import os
import os.path as osp

from mmgranet.apis.setting import add_artifact_args, artifacts_from_args
from mmgranet.datasets.synthetic.twin_cases import held_out_cases
from mmgranet.fileio import write_dicom


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_artifact_args(parser)
    parser.add_argument('--out', required=True)
    args = parser.parse_args()
    art, setting = artifacts_from_args(args)
    dst = osp.join(args.out, 'stage_2_train_images')
    os.makedirs(dst, exist_ok=True)
    images = written = 0
    for case in held_out_cases(args.data_root, art, 'train', setting,
                               with_lesions=True):
        images += 1
        path = osp.join(dst, f'{case.patient_id}.dcm')
        if not osp.exists(path):
            write_dicom(path, case.twin, case.patient_id, jpeg=False)
            written += 1
    print(json.dumps(dict(images=images, written=written)))


if __name__ == '__main__':
    main()
