import os.path as osp

import numpy as np
import pytest
from mmdet.structures.bbox import HorizontalBoxes
from mmengine.registry import init_default_scope

from mmgranet.datasets import PseudoPair, RSNADataset
from mmgranet.fileio import InputError
from mmgranet.pseudo import pseudo_normal
from mmgranet.registry import TRANSFORMS


@pytest.fixture
def index(mini_rsna, granet_stages):
    # the session's pairs (make_pseudo_pairs, k=2) on the session's mini-RSNA
    return mini_rsna, granet_stages['neighbour_file']


def loaded(root, with_boxes):
    """A training patient of fold 0 (the pairs' patients), loaded."""
    init_default_scope('mmgranet')
    ds = RSNADataset(
        data_root=root, split_file='splits/fold0_train.txt',
        pipeline=[dict(type='LoadDicomFromFile'),
                  dict(type='mmdet.LoadAnnotations', with_bbox=True)])
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        if bool(info['instances']) == with_boxes:
            return ds.pipeline(ds.get_data_info(i))


def test_normal_mode_pairs_stay_aligned_through_resize_and_flip(index):
    root, neighbours = index
    results = loaded(root, with_boxes=True)
    x = results['img'][..., 0].copy()
    boxes = results['gt_bboxes'].numpy().copy()
    pair = PseudoPair(neighbours, root, mode='normal')
    results = pair(results)
    assert results['pair_channels'] == 3 and results['img'].shape[2] == 6
    img, partner = PseudoPair.split(results['img'], 3)
    np.testing.assert_array_equal(img[..., 0], x)
    expected = pseudo_normal(
        x, pair._image(results['pseudo_neighbour'], x.shape), boxes)
    np.testing.assert_array_equal(partner[..., 0], expected)

    resize = TRANSFORMS.build(dict(type='mmdet.Resize', scale=(64, 64)))
    flip = TRANSFORMS.build(dict(type='mmdet.RandomFlip', prob=1.0))
    results = flip(resize(results))
    img, partner = PseudoPair.split(results['img'], 3)
    assert img.shape == partner.shape == (64, 64, 3)
    # I_b equals x outside the boxes: after the same resize and flip the
    # two still agree there (away from the box edges)
    far = np.ones((64, 64), bool)
    for x1, y1, x2, y2 in results['gt_bboxes'].numpy():
        far[max(int(y1) - 2, 0):int(y2) + 3, max(int(x1) - 2, 0):
            int(x2) + 3] = False
    assert far.sum() > 1000
    np.testing.assert_array_equal(img[far], partner[far])
    assert not np.array_equal(img[~far], partner[~far])


def test_normal_mode_leaves_samples_without_boxes(index):
    root, neighbours = index
    results = loaded(root, with_boxes=False)
    before = results['img'].copy()
    results = PseudoPair(neighbours, root, mode='normal')(results)
    assert results['pair_channels'] == 0
    np.testing.assert_array_equal(results['img'], before)


def test_abnormal_mode_adds_the_pasted_boxes(index):
    root, neighbours = index
    results = loaded(root, with_boxes=False)
    before = results['img'].copy()
    results = PseudoPair(neighbours, root, mode='abnormal', prob=1.0)(
        results)
    assert isinstance(results['gt_bboxes'], HorizontalBoxes)
    boxes = results['gt_bboxes'].numpy()
    assert len(boxes) >= 1 and results['gt_bboxes_labels'].tolist() == [
        0] * len(boxes)
    assert results['pseudo_neighbour'] is not None
    changed = np.abs(results['img'].astype(int) - before).max(axis=2) > 0
    inside = np.zeros(changed.shape, bool)
    for x1, y1, x2, y2 in boxes.astype(int):
        inside[y1:y2, x1:x2] = True
    assert changed.any() and not (changed & ~inside).any()
    # the image before the paste is kept (G's target); it is now abnormal
    assert np.array_equal(results['pseudo_source'], before[..., 0])
    assert results['image_label'] == 1
    # prob 0 never changes anything
    results = loaded(root, with_boxes=False)
    results = PseudoPair(neighbours, root, mode='abnormal', prob=0.0)(
        results)
    assert len(results['gt_bboxes']) == 0


def test_bad_index(tmp_path, mini_rsna):
    bad = tmp_path / 'n.csv'
    bad.write_text('a,b\n1,2\n')
    results = loaded(mini_rsna, with_boxes=True)
    with pytest.raises(InputError, match='make_pseudo_pairs'):
        PseudoPair(str(bad), mini_rsna)(results)


def test_generator_targets(index, granet_stages, tmp_path):
    """G's target channel: the pseudo-normal file for an image with boxes,
    the image before the paste for a pseudo-abnormal one, the image itself
    otherwise; a missing file names the stage that makes it."""
    from mmgranet.datasets import LoadGeneratorTarget
    from mmgranet.fileio import read_dicom
    root, neighbours = index
    load = LoadGeneratorTarget(granet_stages['target_root'])

    results = load(loaded(root, with_boxes=True))
    assert results['img'].shape[2] == 4
    assert results['gen_target_kind'] == 'pseudo'
    expected = read_dicom(osp.join(granet_stages['target_root'],
                                   'stage_2_train_images',
                                   results['patient_id'] + '.dcm'))
    assert np.array_equal(results['img'][..., 3], expected)

    results = loaded(root, with_boxes=False)
    plain = results['img'][..., 0].copy()
    results = load(results)
    assert results['gen_target_kind'] == 'identity'
    assert np.array_equal(results['img'][..., 3], plain)

    results = PseudoPair(neighbours, root, mode='abnormal', prob=1.0)(
        loaded(root, with_boxes=False))
    results = load(results)
    assert results['gen_target_kind'] == 'pseudo'
    assert np.array_equal(results['img'][..., 3], plain)
    assert not np.array_equal(results['img'][..., 0], plain)

    with pytest.raises(InputError, match='make_realistic_targets'):
        LoadGeneratorTarget(str(tmp_path))(loaded(root, with_boxes=True))


def test_boxes_to_masks(index):
    from mmgranet.datasets import BoxesToMasks
    root, _ = index
    results = BoxesToMasks()(loaded(root, with_boxes=True))
    masks = results['gt_masks'].masks
    boxes = results['gt_bboxes'].numpy()
    assert masks.shape == (len(boxes), ) + results['img'].shape[:2]
    for m, (x1, y1, x2, y2) in zip(masks, boxes):
        ys, xs = np.nonzero(m)
        assert xs.min() == int(np.floor(x1)) and xs.max() + 1 == int(
            np.ceil(x2))
        assert ys.min() == int(np.floor(y1)) and ys.max() + 1 == int(
            np.ceil(y2))
        assert m.sum() == (xs.max() - xs.min() + 1) * (ys.max() - ys.min()
                                                       + 1)
