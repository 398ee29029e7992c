"""`make demo`'s pipeline end to end on a tiny mini-RSNA (1 epoch per
training stage): every stage's artifact, the submissions' format, and a
rerun that skips what is current and redoes only what was removed."""
import json
import os
import os.path as osp
import sys

import numpy as np
import pytest
from test_tools.test_train_tools import run_tool

from mmgranet.datasets import read_split_file
from mmgranet.fileio import read_dicom, read_submission


@pytest.mark.slow
def test_pipeline_end_to_end_and_rerun(tmp_path):
    data = str(tmp_path / 'mini-rsna')
    work = str(tmp_path / 'work')
    cmd = [sys.executable, 'tools/run_pipeline.py', '--preset', 'mini',
           '--data-root', data, '--work-dir', work, '--num-patients', '40',
           '--fast']
    out = run_tool(cmd, timeout=1500)

    aligned = osp.join(data, 'aligned')
    pairs = osp.join(aligned, 'pairs')
    for path in ('splits/fold0_val.txt', 'reference.png',
                 'aligned/affines.csv', 'aligned/stage_2_train_labels.csv',
                 'aligned/pairs/neighbours.csv',
                 'aligned/pairs/pseudo_abnormal/stage_2_train_labels.csv'):
        assert osp.exists(osp.join(data, path)), path
    targets = os.listdir(osp.join(pairs, 'realistic_targets',
                                  'stage_2_train_images'))
    normals = os.listdir(osp.join(pairs, 'pseudo_normal',
                                  'stage_2_train_images'))
    assert sorted(targets) == sorted(normals) and targets
    for stage in ('aligner', 'realistic', 'abn2nor', 'baseline', 'granet'):
        assert osp.exists(osp.join(work, stage, 'epoch_1.pth')), stage

    val = read_split_file(osp.join(data, 'splits', 'fold0_val.txt'))
    for name in ('baseline', 'granet'):
        rows = read_submission(osp.join(work,
                                        f'submission_{name}_fold0_val.csv'))
        assert sorted(rows) == sorted(val)
        for boxes, scores in rows.values():  # xyxy, original 256 px
            assert (boxes >= 0).all() and (boxes <= 256 + 1e-3).all()
            assert (np.diff(scores) <= 0).all()  # best box first
        pictures = [p for p in os.listdir(osp.join(work, name))
                    if osp.isdir(osp.join(work, name, p, f'pictures_{name}'))]
        assert pictures, name
    assert os.listdir(osp.join(work, 'pseudo_normal_cases'))

    results = json.load(open(osp.join(work, 'results.json')))
    assert set(results['detection']) == {'baseline', 'granet'}
    assert 'AP' in results['detection']['granet']
    assert 'alignment (mean corner error' in out
    assert '| G_abn2nor(x) |' in out

    # a rerun: every stage is current; a removed target image is redone by
    # the targets stage alone
    removed = osp.join(pairs, 'realistic_targets', 'stage_2_train_images',
                       targets[0])
    os.remove(removed)
    os.remove(osp.join(work, 'stamps', 'targets.json'))
    out = run_tool(cmd, timeout=900)
    ran = [line.split(']')[0][1:] for line in out.splitlines()
           if '] $ ' in line]
    assert ran == ['targets'], ran
    assert read_dicom(removed).shape == (256, 256)
    assert 'current, skipped' in out
