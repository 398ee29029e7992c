import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from mmgranet.datasets import RSNADataset
from mmgranet.fileio import (InputError, read_rsna_class_info,
                             read_rsna_labels, write_dicom)


def build(root, **kwargs):
    init_default_scope('mmgranet')
    kwargs.setdefault('pipeline', [])
    return RSNADataset(data_root=root, **kwargs)


def test_one_sample_per_patient_with_boxes_labels_and_negatives(mini_rsna):
    ds = build(mini_rsna)
    labels = read_rsna_labels(osp.join(mini_rsna,
                                       'stage_2_train_labels.csv'))
    classes = read_rsna_class_info(
        osp.join(mini_rsna, 'stage_2_detailed_class_info.csv'))
    assert len(ds) == 24
    negatives = 0
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        pid = info['patient_id']
        assert info['img_id'] == pid
        assert info['img_path'].endswith(f'stage_2_train_images/{pid}.dcm')
        assert (info['height'], info['width']) == (128, 128)
        assert info['image_label'] == classes[pid]
        boxes = np.array([inst['bbox'] for inst in info['instances']])
        np.testing.assert_allclose(boxes.reshape(-1, 4), labels[pid])
        np.testing.assert_allclose(info['ori_gt_bboxes'], labels[pid])
        assert all(inst['bbox_label'] == 0 for inst in info['instances'])
        negatives += not info['instances']
    assert negatives == 19  # Normal + No Lung Opacity/Not Normal: kept
    assert ds.metainfo['classes'] == ('Lung Opacity', )
    assert ds.get_image_labels().tolist() == [
        classes[ds.get_data_info(i)['patient_id']] for i in range(24)]


def test_test_mode_without_labels(mini_rsna):
    ds = build(mini_rsna, ann_file='', test_mode=True,
               data_prefix=dict(img='stage_2_test_images/'))
    assert len(ds) == 4
    for i in range(4):
        info = ds.get_data_info(i)
        assert info['instances'] == [] and info['image_label'] == -1


def test_split_file_selects_patients(mini_rsna):
    ds = build(mini_rsna, split_file='splits/fold1_val.txt')
    wanted = open(osp.join(mini_rsna, 'splits',
                           'fold1_val.txt')).read().split()
    assert sorted(ds.get_data_info(i)['patient_id']
                  for i in range(len(ds))) == sorted(wanted)


def test_split_file_with_unknown_patient(mini_rsna_copy):
    with open(osp.join(mini_rsna_copy, 'splits', 'x.txt'), 'w') as f:
        f.write('nobody\n')
    with pytest.raises(InputError, match='1 patients are not in'):
        build(mini_rsna_copy, split_file='splits/x.txt')


def first_labelled(root, target):
    lines = open(osp.join(root, 'stage_2_train_labels.csv')).readlines()
    for n, line in enumerate(lines[1:], 2):
        if line.strip().endswith(f',{target}'):
            return line.split(',')[0], n


def test_labelled_patient_without_image(mini_rsna_copy):
    pid, line = first_labelled(mini_rsna_copy, 1)
    os.remove(osp.join(mini_rsna_copy, 'stage_2_train_images', f'{pid}.dcm'))
    with pytest.raises(InputError) as e:
        build(mini_rsna_copy)
    msg = str(e.value)
    assert f'stage_2_train_labels.csv, line {line}' in msg
    assert f'{pid} has no image' in msg
    with pytest.warns(UserWarning, match='skipped 1 bad patients'):
        ds = build(mini_rsna_copy, on_error='skip')
    assert len(ds) == 23


def test_corrupt_and_non_image_dicoms(mini_rsna_copy):
    pid, _ = first_labelled(mini_rsna_copy, 0)
    path = osp.join(mini_rsna_copy, 'stage_2_train_images', f'{pid}.dcm')
    with open(path, 'wb') as f:
        f.write(b'\x00' * 50)
    with pytest.raises(InputError, match=f'{pid}.dcm: not a readable DICOM'):
        build(mini_rsna_copy)
    # without the header check the loader reports it, with the file name
    ds = build(mini_rsna_copy, check_headers=False,
               pipeline=[dict(type='LoadDicomFromFile')])
    index = [ds.get_data_info(i)['patient_id']
             for i in range(len(ds))].index(pid)
    with pytest.raises(InputError, match=f'{pid}.dcm'):
        ds[index]


def test_box_outside_the_image(mini_rsna_copy):
    labels = osp.join(mini_rsna_copy, 'stage_2_train_labels.csv')
    lines = open(labels).readlines()
    pid, n = first_labelled(mini_rsna_copy, 1)
    lines[n - 1] = f'{pid},100,100,50,50,1\n'  # 100 + 50 > 128
    open(labels, 'w').writelines(lines)
    with pytest.raises(InputError,
                       match=f'line {n}: box of patient {pid} lies outside '
                       'its 128x128 image'):
        build(mini_rsna_copy)


def test_class_info_inconsistent_with_boxes(mini_rsna_copy):
    info = osp.join(mini_rsna_copy, 'stage_2_detailed_class_info.csv')
    pid, _ = first_labelled(mini_rsna_copy, 0)
    text = open(info).read()
    for name in ('Normal', 'No Lung Opacity / Not Normal'):
        text = text.replace(f'{pid},{name}\n', f'{pid},Lung Opacity\n')
    open(info, 'w').write(text)
    with pytest.raises(InputError, match=f"{pid} is 'Lung Opacity' in .* "
                       'but has 0 boxes'):
        build(mini_rsna_copy)


def test_malformed_csv_row_names_the_line(mini_rsna_copy):
    labels = osp.join(mini_rsna_copy, 'stage_2_train_labels.csv')
    with open(labels, 'a') as f:
        f.write('broken,1,2,3\n')
    n = len(open(labels).readlines())
    with pytest.raises(InputError, match=f'line {n}: 4 columns'):
        build(mini_rsna_copy)


def test_unlabelled_images_are_reported(mini_rsna_copy):
    write_dicom(osp.join(mini_rsna_copy, 'stage_2_train_images', 'x.dcm'),
                np.zeros((128, 128), np.uint8), 'x')
    with pytest.warns(UserWarning, match='1 images have no row'):
        assert len(build(mini_rsna_copy)) == 24


def test_pipeline_with_load_scale_to_original_pixels(mini_rsna):
    """Through the mini config's pipeline: boxes follow the load scale, and
    a prediction equal to the scaled ground truth maps back to it."""
    from mmengine import Config
    cfg = Config.fromfile('configs/_base_/datasets/mini-rsna_detection.py')
    init_default_scope('mmgranet')
    pipeline = cfg.test_pipeline
    assert pipeline[0]['type'] == 'LoadDicomFromFile'
    pipeline[0]['load_scale'] = (256, 256)  # the fixture's images: 128 px
    ds = RSNADataset(data_root=mini_rsna, pipeline=pipeline,
                     test_mode=True)
    i = next(i for i in range(len(ds))
             if ds.get_data_info(i)['instances'])
    sample = ds[i]['data_samples']
    assert sample.metainfo['ori_shape'] == (128, 128)
    assert sample.metainfo['img_shape'] == (256, 256)
    assert sample.metainfo['scale_factor'] == (2.0, 2.0)
    gt = sample.gt_instances.bboxes.tensor
    torch.testing.assert_close(
        gt / 2, torch.as_tensor(sample.metainfo['ori_gt_bboxes']))
