"""Hand-computed cases for every rule of the RSNA score."""
import numpy as np
import pytest

from mmgranet.evaluation.functional import (NO_FN_IOU_THRS, RSNA_IOU_THRS,
                                            bbox_iou_xyxy, rsna_ap)


def B(*boxes):
    return np.array(boxes, dtype=np.float64).reshape(-1, 4)


def S(*scores):
    return np.array(scores, dtype=np.float64)


def score_one(pred, scores, gt, **kwargs):
    return rsna_ap([pred], [scores], [gt], **kwargs)


def test_thresholds():
    assert RSNA_IOU_THRS == (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75)
    assert NO_FN_IOU_THRS == (0.4, 0.5, 0.6)


def test_iou():
    assert bbox_iou_xyxy(B([0, 0, 10, 10]), B([0, 0, 10, 5]))[0, 0] == 0.5
    assert bbox_iou_xyxy(B([0, 0, 10, 10]), B([20, 20, 30, 30]))[0, 0] == 0


def test_perfect_prediction_scores_one():
    r = score_one(B([0, 0, 10, 10]), S(0.9), B([0, 0, 10, 10]))
    assert r['AP'] == 1.0 and r['num_images'] == 1


def test_iou_equal_to_threshold_is_a_miss():
    # IoU exactly 0.5: hit at 0.40 and 0.45 only (IoU > t is strict)
    r = score_one(B([0, 0, 10, 5]), S(0.9), B([0, 0, 10, 10]))
    assert r['AP@0.45'] == 1.0
    assert r['AP@0.5'] == 0.0  # TP 0, FP 1, FN 1
    assert r['AP'] == pytest.approx(2 / 8)
    # IoU exactly 0.4 misses at 0.4 too
    r = score_one(B([0, 0, 10, 4]), S(0.9), B([0, 0, 10, 10]))
    assert r['AP@0.4'] == 0.0 and r['AP'] == 0.0


def test_empty_image_rules():
    nothing = B()
    # no ground truth, no prediction: left out of the mean
    r = rsna_ap([nothing, B([0, 0, 10, 10])], [S(), S(0.9)],
                [nothing, B([0, 0, 10, 10])])
    assert r['num_images'] == 1 and r['AP'] == 1.0
    # no ground truth, any prediction: scores 0
    r = rsna_ap([B([0, 0, 5, 5]), B([0, 0, 10, 10])], [S(0.1), S(0.9)],
                [nothing, B([0, 0, 10, 10])])
    assert r['num_images'] == 2 and r['AP'] == 0.5
    # ground truth, no prediction: scores 0 (all FN)
    r = score_one(nothing, S(), B([0, 0, 10, 10]))
    assert r['num_images'] == 1 and r['AP'] == 0.0
    # nothing at all
    r = rsna_ap([nothing], [S()], [nothing])
    assert r['num_images'] == 0 and r['AP'] == 0.0


def test_confidence_order_and_highest_iou_when_one_prediction_overlaps_two():
    gt = B([0, 0, 10, 10], [6, 0, 16, 10])
    # p1 overlaps both: IoU 0.5 with the first box, 8/13 = 0.615 with the
    # second; p2 is the second box exactly (IoU 0.25 with the first).
    p1, p2 = [3, 0, 14, 10], [6, 0, 16, 10]
    # p1 more confident: it takes the second box (highest IoU), p2 finds
    # nothing left (0.25 with the first): TP 1, FP 1, FN 1 everywhere
    r = score_one(B(p1, p2), S(0.9, 0.8), gt)
    assert r['AP'] == pytest.approx(1 / 3)
    # p2 more confident: it takes the second box, then p1 matches the
    # first while 0.5 > t (t = 0.40, 0.45): TP 2 there, else 1/3
    r = score_one(B(p1, p2), S(0.8, 0.9), gt)
    assert r['AP@0.4'] == 1.0 and r['AP@0.45'] == 1.0
    assert r['AP@0.5'] == pytest.approx(1 / 3)
    assert r['AP'] == pytest.approx((2 + 6 / 3) / 8)


def test_unmatched_prediction_is_a_false_positive():
    r = score_one(B([0, 0, 10, 10], [50, 50, 60, 60]), S(0.9, 0.5),
                  B([0, 0, 10, 10]))
    assert r['AP'] == 0.5  # TP 1, FP 1


def test_no_fn_variant():
    gt = B([0, 0, 10, 10], [50, 50, 60, 60])
    # one of two boxes found: precision 1 (the FN does not count)
    r = score_one(B([0, 0, 10, 10]), S(0.9), gt, no_fn=True)
    assert set(r) >= {'AP@0.4', 'AP@0.5', 'AP@0.6'} and 'AP@0.45' not in r
    assert r['AP'] == 1.0
    assert score_one(B([0, 0, 10, 10]), S(0.9), gt)['AP'] == 0.5
    # ground truth without prediction: left out (precision undefined)
    r = rsna_ap([B(), B([0, 0, 10, 10])], [S(), S(0.9)],
                [gt, B([0, 0, 10, 10])], no_fn=True)
    assert r['num_images'] == 1 and r['AP'] == 1.0
    # no ground truth, a prediction: precision 0
    r = score_one(B([0, 0, 10, 10]), S(0.9), B(), no_fn=True)
    assert r['num_images'] == 1 and r['AP'] == 0.0


def test_score_threshold_and_sweep():
    pred = B([0, 0, 10, 10], [50, 50, 60, 60])
    scores = S(0.9, 0.3)
    gt = B([0, 0, 10, 10])
    assert score_one(pred, scores, gt)['AP'] == 0.5
    assert score_one(pred, scores, gt, score_thr=0.5)['AP'] == 1.0
    r = score_one(pred, scores, gt, sweep_thrs=[0.1, 0.5, 0.95])
    assert r['AP'] == 0.5
    assert r['best_score_thr'] == 0.5 and r['AP@best_score_thr'] == 1.0


def test_custom_thresholds():
    r = score_one(B([0, 0, 10, 5]), S(0.9), B([0, 0, 10, 10]),
                  iou_thrs=[0.3, 0.6])
    assert r['AP@0.3'] == 1.0 and r['AP@0.6'] == 0.0 and r['AP'] == 0.5


def reference_image_score(pred, scores, gt, thrs):
    """Plain-loop statement of the rules, for the randomized comparison."""
    if len(gt) == 0 and len(pred) == 0:
        return None
    out = []
    for t in thrs:
        matched, tp = set(), 0
        for p in np.argsort(-scores, kind='stable'):
            best, best_iou = None, t
            for g in range(len(gt)):
                iou = bbox_iou_xyxy(pred[p:p + 1], gt[g:g + 1])[0, 0]
                if g not in matched and iou > best_iou:
                    best, best_iou = g, iou
            if best is not None:
                matched.add(best)
                tp += 1
        out.append(tp / (len(pred) + len(gt) - tp))
    return np.mean(out)


def test_vectorised_matches_plain_loops_on_random_data():
    rng = np.random.default_rng(0)
    preds, scores, gts = [], [], []
    for _ in range(300):
        def boxes(n):
            xy = rng.uniform(0, 50, (n, 2))
            return np.concatenate([xy, xy + rng.uniform(5, 30, (n, 2))], 1)
        gts.append(boxes(int(rng.integers(0, 4))))
        preds.append(boxes(int(rng.integers(0, 6))))
        scores.append(rng.uniform(0, 1, len(preds[-1])))
    ref = [reference_image_score(p, s, g, RSNA_IOU_THRS)
           for p, s, g in zip(preds, scores, gts)]
    ref = [r for r in ref if r is not None]
    r = rsna_ap(preds, scores, gts)
    assert r['num_images'] == len(ref)
    assert r['AP'] == pytest.approx(np.mean(ref), abs=1e-12)


def peer_map_iou(gt, pred, scores, thresholds=RSNA_IOU_THRS):
    """The rule most RSNA peers copied (the public `map_iou` kernel): per
    threshold, each ground-truth box in turn takes the first
    still-unmatched prediction, in descending confidence, with IoU >= t;
    FP = the predictions left over. Written here from its description, to
    show where it and the challenge's rule (mmgranet's) part."""
    if not len(gt) and not len(pred):
        return None
    pred = pred[np.argsort(-scores, kind='stable')]
    ious = bbox_iou_xyxy(gt, pred) if len(gt) and len(pred) else \
        np.zeros((len(gt), len(pred)))
    total = 0.0
    for t in thresholds:
        taken, tp = set(), 0
        for i in range(len(gt)):
            j = next((j for j in range(len(pred))
                      if j not in taken and ious[i, j] >= t), None)
            if j is not None:
                taken.add(j)
                tp += 1
        fp, fn = len(pred) - len(taken), len(gt) - tp
        total += tp / (tp + fp + fn)
    return total / len(thresholds)


def test_where_the_peer_map_iou_rule_differs():
    """docs/evaluation.md, "The match rule": (1) an IoU exactly at a
    threshold is a hit for `map_iou` (>=), a miss for the challenge (>);
    (2) ground-truth-first matching gives a confident prediction to the
    first box it overlaps enough, where confidence-first matching gives it
    the box it overlaps most; otherwise the two agree."""
    # (1) IoU exactly 0.5 (a 10 x 10 box against its 10 x 20 extension)
    gt, pred = B([0, 0, 10, 10]), B([0, 0, 10, 20])
    ours = score_one(pred, S(0.9), gt, iou_thrs=(0.5, ))['AP']
    assert ours == 0 and peer_map_iou(gt, pred, S(0.9), (0.5, )) == 1
    # (2) P1 (confident) overlaps both A and B (B more), P2 only A
    a, b = [0, 0, 10, 10], [2, 0, 14, 10]
    p1, p2 = [1, 0, 13, 10], [0, 0, 10, 11]
    gt, pred, scores = B(a, b), B(p1, p2), S(0.9, 0.8)
    iou = bbox_iou_xyxy(gt, pred)
    assert iou[1, 0] > iou[0, 0] >= 0.6 and iou[0, 1] >= 0.6 > iou[1, 1]
    thr = (0.6, )
    assert score_one(pred, scores, gt, iou_thrs=thr)['AP'] == 1.0  # P1-B
    # the peer rule: A takes P1, B is missed, P2 is a false positive
    assert peer_map_iou(gt, pred, scores, thr) == pytest.approx(1 / 3)
    # elsewhere they agree: random images away from ties
    rng = np.random.default_rng(0)
    for _ in range(50):
        g = B(*[[x, y, x + w, y + h] for x, y, w, h in
                rng.uniform([0, 0, 20, 20], [200, 200, 60, 60], (1, 4))])
        p = g + rng.normal(0, 8, g.shape)
        s = rng.uniform(0, 1, len(p))
        assert score_one(p, s, g)['AP'] == pytest.approx(
            peer_map_iou(g, p, s))
