import csv
import os
import os.path as osp

import numpy as np
import pytest
from mmengine.registry import init_default_scope

from mmgranet.datasets import RSNADataset
from mmgranet.fileio import read_dicom, read_rsna_class_info, read_rsna_labels
from mmgranet.pseudo.offline import make_pseudo_pairs


def rows(path):
    with open(path, newline='') as f:
        return list(csv.DictReader(f))


@pytest.fixture
def pairs(mini_rsna, tmp_path):
    out = str(tmp_path / 'pairs')
    counts = make_pseudo_pairs(mini_rsna, out, k=2, workers=2)
    return mini_rsna, out, counts


def test_sets_provenance_and_rsna_layout(pairs):
    root, out, counts = pairs
    labels = read_rsna_labels(osp.join(root, 'stage_2_train_labels.csv'))
    classes = read_rsna_class_info(
        osp.join(root, 'stage_2_detailed_class_info.csv'))
    abnormal = [p for p in labels if len(labels[p])]
    others = [p for p in labels if not len(labels[p])]
    assert counts == dict(pseudo_normal=len(abnormal),
                          pseudo_abnormal=2 * len(others),
                          written=len(abnormal) + 2 * len(others))
    # pseudo-normal: one per abnormal patient, its neighbour a Normal one
    prov = rows(osp.join(out, 'pseudo_normal', 'provenance.csv'))
    assert sorted(r['patientId'] for r in prov) == sorted(abnormal)
    assert all(classes[r['neighbour']] == 0 for r in prov)
    # pseudo-abnormal: k = 2 distinct lesion donors per patient, never
    # itself, and the labels are the donors' boxes
    prov = rows(osp.join(out, 'pseudo_abnormal', 'provenance.csv'))
    by_patient = {}
    for r in prov:
        by_patient.setdefault(r['normal_patient'], []).append(
            r['lesions_from'])
        assert r['lesions_from'] in abnormal
    assert sorted(by_patient) == sorted(others)
    assert all(len(set(v)) == 2 for v in by_patient.values())
    pa_labels = read_rsna_labels(
        osp.join(out, 'pseudo_abnormal', 'stage_2_train_labels.csv'))
    for r in prov:
        np.testing.assert_array_equal(pa_labels[r['patientId']],
                                      labels[r['lesions_from']])
    # RSNADataset reads the pseudo-abnormal set as it is
    init_default_scope('mmgranet')
    ds = RSNADataset(data_root=osp.join(out, 'pseudo_abnormal'),
                     pipeline=[])
    assert len(ds) == 2 * len(others)
    assert all(ds.get_data_info(i)['instances'] for i in range(len(ds)))
    assert osp.isfile(osp.join(out, 'side_by_side.png'))


def test_images_keep_their_surroundings(pairs):
    root, out, _ = pairs
    prov = rows(osp.join(out, 'pseudo_abnormal', 'provenance.csv'))[0]
    labels = read_rsna_labels(osp.join(root, 'stage_2_train_labels.csv'))
    made = read_dicom(osp.join(out, 'pseudo_abnormal',
                               'stage_2_train_images',
                               f'{prov["patientId"]}.dcm')).astype(int)
    base = read_dicom(osp.join(root, 'stage_2_train_images',
                               f'{prov["normal_patient"]}.dcm')).astype(int)
    inside = np.zeros(made.shape, bool)
    for x1, y1, x2, y2 in labels[prov['lesions_from']].astype(int):
        inside[y1:y2, x1:x2] = True
    # outside the pasted boxes only JPEG re-encoding differs
    assert np.abs(made - base)[~inside].mean() < 1.5
    assert np.abs(made - base)[inside].mean() > 3


def test_resume_redoes_only_what_is_missing(pairs):
    root, out, counts = pairs
    images = osp.join(out, 'pseudo_abnormal', 'stage_2_train_images')
    names = sorted(os.listdir(images))
    stamps = {n: os.stat(osp.join(images, n)).st_mtime_ns for n in names}
    os.remove(osp.join(images, names[0]))  # as if interrupted
    again = make_pseudo_pairs(root, out, k=2, workers=1)
    assert again['written'] == 1
    for n in names[1:]:
        assert os.stat(osp.join(images, n)).st_mtime_ns == stamps[n]
    assert osp.exists(osp.join(images, names[0]))


def test_deterministic(pairs, tmp_path):
    root, out, _ = pairs
    other = str(tmp_path / 'again')
    make_pseudo_pairs(root, other, k=2, workers=1)
    for name in ('neighbours.csv',
                 'pseudo_abnormal/stage_2_train_labels.csv'):
        assert open(osp.join(out, name)).read() == \
            open(osp.join(other, name)).read()
    name = sorted(os.listdir(osp.join(out, 'pseudo_normal',
                                      'stage_2_train_images')))[0]
    np.testing.assert_array_equal(
        read_dicom(osp.join(out, 'pseudo_normal', 'stage_2_train_images',
                            name)),
        read_dicom(osp.join(other, 'pseudo_normal', 'stage_2_train_images',
                            name)))
