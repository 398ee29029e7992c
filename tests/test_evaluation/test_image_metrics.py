"""The measures every generator claim rests on, on images whose answers
are known: an identity G, the true twin, a G that brightens the lesion."""
import numpy as np
import pytest

from mmgranet.evaluation.functional import (pixel_auroc, pseudo_normal_scores,
                                            residual_localisation)


def lesion_case(size=64, bright=40.0):
    rng = np.random.default_rng(0)
    twin = rng.uniform(60, 120, (size, size))
    boxes = np.zeros((size, size), bool)
    boxes[10:30, 20:40] = True
    lesion = np.zeros_like(boxes)
    lesion[14:26, 24:36] = True
    image = twin + bright * lesion
    return image, twin, boxes, lesion


def test_pixel_auroc_known_values():
    pos = np.array([0, 0, 1, 1], bool)
    assert pixel_auroc(np.array([0, 1, 2, 3]), pos) == 1.0
    assert pixel_auroc(np.array([3, 2, 1, 0]), pos) == 0.0
    assert pixel_auroc(np.zeros(4), pos) == 0.5  # ties count half
    assert np.isnan(pixel_auroc(np.zeros(4), np.zeros(4, bool)))


def test_identity_g_is_the_floor():
    image, twin, boxes, lesion = lesion_case()
    s = pseudo_normal_scores(image, image, twin, boxes, lesion)
    assert s['mean_in'] == s['mean_out'] == s['signed_in'] == 0
    assert s['auroc_boxes'] == 0.5 and np.isnan(s['share_in_boxes'])
    # G(x) = x is as far from the twin as x: the lesion's mean in the boxes
    assert np.isclose(s['l1_twin_in'], 40.0 * lesion.sum() / boxes.sum())
    assert s['l1_twin_out'] == 0


def test_the_twin_is_the_ceiling():
    image, twin, boxes, lesion = lesion_case()
    s = pseudo_normal_scores(image, twin, twin, boxes, lesion)
    assert s['l1_twin_in'] == s['l1_twin_out'] == 0
    assert s['auroc_lesion'] == 1.0 and s['share_in_boxes'] == 1.0
    assert np.isclose(s['signed_in'], -40.0 * lesion.sum() / boxes.sum())


def test_a_highlighter_localises_but_does_not_remove():
    """A G that doubles the lesion puts its residual on the lesion (the
    localisation scores cannot tell it from a remover) but moves away from
    the twin, and its signed change is positive."""
    image, twin, boxes, lesion = lesion_case()
    brighter = image + 40.0 * lesion
    s = pseudo_normal_scores(image, brighter, twin, boxes, lesion)
    assert s['auroc_lesion'] == 1.0
    assert s['signed_in'] > 0
    assert s['l1_twin_in'] > pseudo_normal_scores(
        image, image, twin, boxes, lesion)['l1_twin_in']
    assert residual_localisation(np.abs(image - brighter), boxes,
                                 lesion)['share_in_boxes'] == 1.0


def test_image_auroc_and_froc_by_hand():
    from mmgranet.evaluation.functional import froc, image_auroc
    gt = [np.array([[0., 0., 10., 10.]]), np.zeros((0, 4)),
          np.array([[20., 20., 30., 30.], [50., 50., 60., 60.]])]
    # image 0: its lesion at 0.9; image 1: a false mark at 0.8;
    # image 2: one lesion at 0.3, a false mark at 0.95
    boxes = [np.array([[0., 0., 10., 10.]]), np.array([[5., 5., 9., 9.]]),
             np.array([[20., 20., 30., 31.], [70., 70., 80., 80.]])]
    scores = [np.array([0.9]), np.array([0.8]), np.array([0.3, 0.95])]
    # max box scores: positives 0.9, 0.95 above the negative's 0.8
    assert image_auroc(scores, gt) == 1.0
    assert image_auroc(scores, gt, image_probs=[0.2, 0.9, 0.1]) == 0.0
    r = froc(boxes, scores, gt)
    # cut-offs falling: 0.95 (1 FP), 0.9 (+ a lesion), 0.8 (2 FP),
    # 0.3 (+ a lesion): 3 images, 3 lesions
    assert r['sens@0.125'] == 0.0  # 0 FP / image only before any mark
    assert r['sens@0.5'] == pytest.approx(1 / 3)  # 1 FP: 1 of 3 found
    assert r['sens@1'] == pytest.approx(2 / 3)  # 2 FP and both hits
    assert r['sens@8'] == pytest.approx(2 / 3)  # the third never hit
    assert r['CPM'] == pytest.approx(np.mean(
        [0, 0, 1 / 3, 2 / 3, 2 / 3, 2 / 3, 2 / 3]))
    assert np.isnan(froc(boxes, scores, [np.zeros((0, 4))] * 3)['CPM'])


def test_reader_metric_intervals_cover_the_estimate():
    from mmgranet.evaluation.functional import (froc, image_auroc,
                                                image_auroc_ci)
    rng = np.random.default_rng(3)
    gt, boxes, scores = [], [], []
    for i in range(60):
        lesion = np.array([[10., 10., 40., 40.]]) if i % 2 else \
            np.zeros((0, 4))
        gt.append(lesion)
        found = lesion + rng.normal(0, 2, lesion.shape)
        miss = np.array([[60., 60., 90., 90.]])
        boxes.append(np.concatenate([found, miss]))
        scores.append(np.concatenate([rng.uniform(0.3, 1, len(found)),
                                      rng.uniform(0, 0.7, 1)]))
    r = froc(boxes, scores, gt, num_samples=200)
    assert r['CPM_ci_low'] <= r['CPM'] <= r['CPM_ci_high']
    assert r['CPM_ci_high'] - r['CPM_ci_low'] > 0
    lo, hi = image_auroc_ci(scores, gt, num_samples=200)
    assert lo <= image_auroc(scores, gt) <= hi < 1.0 + 1e-9
