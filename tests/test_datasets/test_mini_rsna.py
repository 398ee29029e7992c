import csv
import json
import os
import os.path as osp

import cv2
import numpy as np
import pydicom
import pytest

from mmgranet.datasets.synthetic import make_mini_rsna
from mmgranet.fileio import read_dicom, read_rsna_class_info, read_rsna_labels


def test_layout_is_rsna(mini_rsna):
    for name in ('stage_2_train_labels.csv',
                 'stage_2_detailed_class_info.csv',
                 'stage_2_sample_submission.csv', 'poses.csv',
                 'test_labels.csv', 'contact_sheet.png', 'mini_rsna.json'):
        assert osp.isfile(osp.join(mini_rsna, name)), name
    train = os.listdir(osp.join(mini_rsna, 'stage_2_train_images'))
    test = os.listdir(osp.join(mini_rsna, 'stage_2_test_images'))
    assert len(train) == 24 and len(test) == 4
    labels = read_rsna_labels(osp.join(mini_rsna,
                                       'stage_2_train_labels.csv'))
    assert sorted(f'{p}.dcm' for p in labels) == sorted(train)
    header = open(osp.join(mini_rsna, 'stage_2_train_labels.csv')).readline()
    assert header.strip() == 'patientId,x,y,width,height,Target'


def test_classes_boxes_and_twins(mini_rsna):
    labels = read_rsna_labels(osp.join(mini_rsna,
                                       'stage_2_train_labels.csv'))
    classes = read_rsna_class_info(
        osp.join(mini_rsna, 'stage_2_detailed_class_info.csv'))
    counts = np.bincount(list(classes.values()), minlength=3)
    # RSNA's proportions 33% / 23% / 44% of 24
    assert counts.tolist() == [8, 5, 11]
    twins = os.listdir(osp.join(mini_rsna, 'normal_twins'))
    for pid, boxes in labels.items():
        assert (classes[pid] == 1) == (len(boxes) > 0)
        assert len(boxes) <= 4
        assert (f'{pid}_twin.png' in twins) == (classes[pid] == 1)
        assert (boxes >= 0).all() and (boxes <= 128).all()


def test_lesions_are_inside_the_boxes(mini_rsna):
    labels = read_rsna_labels(osp.join(mini_rsna,
                                       'stage_2_train_labels.csv'))
    for pid, boxes in labels.items():
        if not len(boxes):
            continue
        img = read_dicom(osp.join(mini_rsna, 'stage_2_train_images',
                                  f'{pid}.dcm')).astype(float)
        twin = cv2.imread(osp.join(mini_rsna, 'normal_twins',
                                   f'{pid}_twin.png'), 0).astype(float)
        inside = np.zeros(img.shape, bool)
        for x1, y1, x2, y2 in boxes.astype(int):
            inside[y1:y2, x1:x2] = True
        diff = img - twin
        # the twin is the image without the opacities (JPEG noise aside)
        assert diff[inside].mean() > 8
        assert np.abs(diff[~inside]).mean() < 2


def test_dicom_tags_like_rsna(mini_rsna):
    name = sorted(os.listdir(osp.join(mini_rsna, 'stage_2_train_images')))[0]
    ds = pydicom.dcmread(osp.join(mini_rsna, 'stage_2_train_images', name))
    assert ds.file_meta.TransferSyntaxUID == '1.2.840.10008.1.2.4.50'
    assert ds.PhotometricInterpretation == 'MONOCHROME2'
    assert ds.BitsStored == 8 and ds.Rows == ds.Columns == 128
    assert ds.PatientID == name[:-4]
    assert ds.ViewPosition in ('PA', 'AP') and ds.PatientSex in ('M', 'F')
    assert 18 <= int(ds.PatientAge[:3]) < 90


def test_poses_record_every_image(mini_rsna):
    with open(osp.join(mini_rsna, 'poses.csv')) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 28
    assert {r['split'] for r in rows} == {'train', 'test'}
    for r in rows:
        angle, scale = float(r['angle_deg']), float(r['scale'])
        a11, a12 = float(r['a11']), float(r['a12'])
        assert abs(angle) <= 7 and 0.9 <= scale <= 1.1
        assert a11 == pytest.approx(scale * np.cos(np.radians(angle)),
                                    abs=1e-6)
        assert a12 == pytest.approx(scale * np.sin(np.radians(angle)),
                                    abs=1e-6)


def test_deterministic_and_seeded(mini_rsna, tmp_path):
    again = str(tmp_path / 'again')
    make_mini_rsna(again, num_patients=24, size=128, seed=0, num_test=4)
    for name in ('stage_2_train_labels.csv', 'poses.csv'):
        assert open(osp.join(again, name)).read() == \
            open(osp.join(mini_rsna, name)).read()
    pid = sorted(os.listdir(osp.join(again, 'stage_2_train_images')))[0]
    np.testing.assert_array_equal(
        read_dicom(osp.join(again, 'stage_2_train_images', pid)),
        read_dicom(osp.join(mini_rsna, 'stage_2_train_images', pid)))
    other = str(tmp_path / 'other')
    make_mini_rsna(other, num_patients=24, size=128, seed=1, num_test=4)
    assert open(osp.join(other, 'poses.csv')).read() != \
        open(osp.join(mini_rsna, 'poses.csv')).read()


def test_rerun_is_skipped_and_other_arguments_refused(tmp_path):
    out = str(tmp_path / 'm')
    info = make_mini_rsna(out, num_patients=6, size=64, seed=0, num_test=1)
    stamp = os.stat(osp.join(out, 'mini_rsna.json')).st_mtime_ns
    assert make_mini_rsna(out, num_patients=6, size=64, seed=0,
                          num_test=1) == info
    assert os.stat(osp.join(out, 'mini_rsna.json')).st_mtime_ns == stamp
    with pytest.raises(FileExistsError, match='overwrite'):
        make_mini_rsna(out, num_patients=7, size=64, seed=0, num_test=1)
    make_mini_rsna(out, num_patients=7, size=64, seed=0, num_test=1,
                   overwrite=True)
    assert json.load(open(osp.join(out, 'mini_rsna.json')))[
        'num_patients'] == 7
    assert not osp.exists(out + '.partial')
