"""`make demo`'s pipeline end to end on a tiny mini-RSNA (1 epoch per
training stage): every stage's artifact, fold discipline (no fold-0
validation patient reaches anything that trains G or feeds PseudoPair),
the submissions' format, the held-out scores, and a rerun that skips what
is current and redoes only what was removed."""
import csv
import json
import os
import os.path as osp
import sys

import numpy as np
import pytest
from test_tools.test_train_tools import run_tool

from mmgranet.fileio import (read_dicom, read_rsna_labels, read_split_file,
                             read_submission)


def rows(path):
    with open(path, newline='') as f:
        return list(csv.DictReader(f))


def assert_no_leak(data, art, env, monkeypatch):
    """Nothing label-trained for fold 0 holds a fold-0 validation or a
    test patient."""
    val = set(read_split_file(osp.join(data, 'splits', 'fold0_val.txt')))
    train = set(read_split_file(osp.join(data, 'splits',
                                         'fold0_train.txt')))
    test = set(read_rsna_labels(osp.join(data, 'test_labels.csv')))
    assert val and train and test and not (val | test) & train
    outside = val | test

    # the alignment reference
    with open(osp.join(art, 'reference.json')) as f:
        assert json.load(f)['patientId'] in train
    # neighbour index: queries and neighbours (I_b's normals, donors)
    index = rows(osp.join(art, 'pairs', 'neighbours.csv'))
    assert index
    assert not {r['patientId'] for r in index} & outside
    assert not {r['neighbour'] for r in index} & outside
    # pseudo-normal and pseudo-abnormal sets and their provenance
    for name in ('pseudo_normal', 'pseudo_abnormal'):
        for r in rows(osp.join(art, 'pairs', name, 'provenance.csv')):
            assert not set(r.values()) & outside, r
    for d in ('pairs/pseudo_normal', 'realistic_targets'):
        ids = {n[:-4] for n in os.listdir(osp.join(art, d,
                                                   'stage_2_train_images'))}
        assert ids and not ids & outside, d
    # the cGAN datasets exactly as the configs build them
    from mmengine import Config
    from mmengine.registry import init_default_scope

    from mmgranet.registry import DATASETS
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    init_default_scope('mmgranet')
    for config in ('configs/cgan/realistic_resnet6-32c_1xb4-8e_mini-rsna.py',
                   'configs/cgan/abn2nor_resnet6-32c_1xb4-10e_mini-rsna.py'):
        ds = DATASETS.build(Config.fromfile(config).train_dataloader.dataset)
        samples = {ds.get_data_info(i)['patient_id'] for i in range(len(ds))}
        assert samples and not samples & outside, config
        assert ds._normals and not set(ds._normals) & outside, config


@pytest.mark.slow
def test_pipeline_end_to_end_and_rerun(tmp_path, monkeypatch):
    data = str(tmp_path / 'mini-rsna')
    work = str(tmp_path / 'work')
    art = osp.join(work, 'fold0')
    cmd = [sys.executable, 'tools/run_pipeline.py', '--preset', 'mini',
           '--data-root', data, '--work-dir', work, '--num-patients', '40',
           '--num-test', '20', '--fast']
    out = run_tool(cmd, timeout=1500)

    for path in ('splits/fold0_val.txt', 'test_labels.csv'):
        assert osp.exists(osp.join(data, path)), path
    for path in ('reference.png', 'aligned/affines.csv',
                 'aligned/stage_2_train_labels.csv',
                 'pairs/neighbours.csv',
                 'pairs/pseudo_abnormal/stage_2_train_labels.csv'):
        assert osp.exists(osp.join(art, path)), path
    targets = os.listdir(osp.join(art, 'realistic_targets',
                                  'stage_2_train_images'))
    normals = os.listdir(osp.join(art, 'pairs', 'pseudo_normal',
                                  'stage_2_train_images'))
    assert sorted(targets) == sorted(normals) and targets
    for stage, epoch in (('aligner', 1), ('realistic', 1), ('abn2nor', 1),
                         ('baseline', 1), ('granet', 1)):
        assert osp.exists(osp.join(art, stage, f'epoch_{epoch}.pth')), stage
    env = dict(MMGRANET_DATA_ROOT=data + '/', MMGRANET_WORK_ROOT=work + '/',
               MMGRANET_SETTING='fold0')
    assert_no_leak(data, art, env, monkeypatch)

    val = read_split_file(osp.join(data, 'splits', 'fold0_val.txt'))
    test = list(read_rsna_labels(osp.join(data, 'test_labels.csv')))
    for name in ('baseline', 'granet'):
        for split, patients in (('val', val), ('test', test)):
            sub = read_submission(osp.join(art, 'submissions',
                                           f'{name}_{split}.csv'))
            assert sorted(sub) == sorted(patients), (name, split)
            for boxes, scores in sub.values():  # xyxy, original 256 px
                assert (boxes >= 0).all() and (boxes <= 256 + 1e-3).all()
                assert (np.diff(scores) <= 0).all()  # best box first
        with open(osp.join(art, 'scores', f'{name}.json')) as f:
            score = json.load(f)
        assert score['AP_ci_low'] <= score['AP'] <= score['AP_ci_high']
        assert sorted(score['image_scores']) == sorted(test)
        pictures = [p for p in os.listdir(osp.join(art, name))
                    if osp.isdir(osp.join(art, name, p, f'pictures_{name}'))]
        assert pictures, name
    assert os.listdir(osp.join(art, 'pseudo_normal_cases'))

    results = json.load(open(osp.join(art, 'results.json')))
    assert set(results['detection']) == {'baseline', 'granet'}
    assert 'AP' in results['detection']['granet']
    assert results['truth']['box_mapping']['roundtrip_iou_min'] >= 0.999
    assert 'alignment (mean corner error' in out
    assert '| G_abn2nor(x) |' in out

    # a rerun: every stage is current; a removed target image is redone by
    # the targets stage alone
    removed = osp.join(art, 'realistic_targets', 'stage_2_train_images',
                       targets[0])
    os.remove(removed)
    os.remove(osp.join(art, 'stamps', 'targets.json'))
    out = run_tool(cmd, timeout=900)
    ran = [line.split(']')[0][1:] for line in out.splitlines()
           if '] $ ' in line]
    assert ran == ['targets'], ran
    assert read_dicom(removed).shape == (256, 256)
    assert 'current, skipped' in out
