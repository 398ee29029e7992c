import json
import os.path as osp
import subprocess
import sys

import numpy as np
from mmengine.registry import init_default_scope

from mmgranet.apis import align_dataset
from mmgranet.datasets import RSNADataset, read_affines
from mmgranet.datasets.synthetic import read_poses
from mmgranet.fileio import read_rsna_labels
from mmgranet.registry import MODELS
from mmgranet.structures import compose, invert_affine

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def run(*args):
    out = subprocess.run([sys.executable, *args], cwd=REPO, check=True,
                         capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


def test_reference_align_and_error_tools(mini_rsna_copy, tmp_path):
    root = mini_rsna_copy
    split = osp.join(root, 'splits', 'fold0_train.txt')
    assert 'reference:' in run('tools/stages/propose_reference.py', root,
                               '--split-file', split)
    ref = json.load(open(osp.join(root, 'reference.json')))['patientId']
    assert osp.isfile(osp.join(root, 'reference.png'))
    # chosen among the setting's training patients
    assert ref in open(split).read().split()

    # an untrained aligner is the identity: the output loads back and
    # matches the input
    init_default_scope('mmgranet')
    model = MODELS.build(dict(type='STNAligner',
                              reference=osp.join(root, 'reference.png'),
                              input_size=64, perceptual=dict(weight=0.0)))
    model.init_weights()
    out = str(tmp_path / 'aligned')
    counts = align_dataset(model, root, out, batch_size=8)
    assert counts == dict(stage_2_train_images=24, stage_2_test_images=4,
                          written=28)
    affines = read_affines(osp.join(out, 'affines.csv'))
    assert len(affines) == 28
    assert all(np.allclose(m, np.eye(2, 3), atol=1e-6)
               for m in affines.values())
    before = read_rsna_labels(osp.join(root, 'stage_2_train_labels.csv'))
    after = read_rsna_labels(osp.join(out, 'stage_2_train_labels.csv'))
    assert list(after) == list(before)
    for pid in before:
        np.testing.assert_allclose(after[pid], before[pid], atol=0.1)
    ds = RSNADataset(data_root=out, pipeline=[])
    assert len(ds) == 24
    assert align_dataset(model, root, out)['written'] == 0  # resumable

    # the error tool: identity leaves the error as it was; the true
    # alignment (P_R P_x^-1) brings it to zero
    result = json.loads(run('tools/analysis/alignment_error.py', root,
                            osp.join(out, 'affines.csv'), '--reference-id',
                            ref))
    assert result['before_px'] == result['after_px'] > 1
    poses = read_poses(root)
    oracle = tmp_path / 'oracle.csv'
    with open(oracle, 'w') as f:
        f.write('patientId,a11,a12,a13,a21,a22,a23\n')
        for pid, pose in poses.items():
            m = compose(poses[ref], invert_affine(pose))
            f.write(pid + ',' + ','.join(f'{v:.12f}' for v in m.ravel()) +
                    '\n')
    result = json.loads(run('tools/analysis/alignment_error.py', root,
                            str(oracle), '--reference-id', ref))
    assert result['after_px'] < 1e-6 < result['before_px']
