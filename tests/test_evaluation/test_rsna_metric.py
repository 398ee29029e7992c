import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from mmgranet.evaluation import DumpRSNASubmission, RSNAMetric
from mmgranet.fileio import InputError


def sample(pid, pred_boxes, scores, gt_boxes, scale=1.0):
    """A test-time sample as mmdet's predict returns it: predictions in
    original pixels, ground truth in resized pixels (scale_factor)."""
    s = DetDataSample(metainfo=dict(
        img_path=f'/data/stage_2_train_images/{pid}.dcm',
        scale_factor=(scale, scale), ori_shape=(1024, 1024)))
    s.pred_instances = InstanceData(
        bboxes=torch.tensor(pred_boxes, dtype=torch.float32).reshape(-1, 4),
        scores=torch.tensor(scores, dtype=torch.float32))
    s.gt_instances = InstanceData(
        bboxes=torch.tensor(gt_boxes, dtype=torch.float32).reshape(-1, 4) *
        scale,
        labels=torch.zeros(len(gt_boxes), dtype=torch.long))
    return s


SAMPLES = [
    # hit at every threshold
    ('p1', [[100, 100, 300, 400]], [0.9], [[100, 100, 300, 400]]),
    # a true negative: left out
    ('p2', [], [], []),
    # a false positive on a normal image: 0
    ('p3', [[10, 10, 50, 50]], [0.2], []),
    # IoU exactly 0.5 (strict): hit at 0.40 and 0.45 only
    ('p4', [[0, 0, 200, 100]], [0.7], [[0, 0, 200, 200]]),
]
EXPECTED_AP = (1 + 0 + 2 / 8) / 3


def test_metric_through_evaluator_in_original_pixels():
    init_default_scope('mmgranet')
    evaluator = Evaluator(dict(type='RSNAMetric'))
    # ground truth stored at half resolution, as after Resize to 512
    batch = [sample(*s, scale=0.5).to_dict() for s in SAMPLES]
    evaluator.process(batch[:2])
    evaluator.process(batch[2:])
    metrics = evaluator.evaluate(len(SAMPLES))
    assert metrics['rsna/AP'] == pytest.approx(EXPECTED_AP)
    assert metrics['rsna/AP@0.45'] == pytest.approx(2 / 3)
    assert metrics['rsna/AP@0.5'] == pytest.approx(1 / 3)
    assert metrics['rsna/num_images'] == 3
    # dropping p3's 0.2 false positive is the best cut-off
    assert metrics['rsna/best_score_thr'] == 0.25
    assert metrics['rsna/AP@best_score_thr'] == pytest.approx(
        (1 + 2 / 8) / 2)


def test_reader_metrics_beside_the_ap():
    """Image-level AUROC from the highest box and from the image head, and
    FROC: p1 and p4 have lesions; by box score the lesion images rank
    0.9, 0.7 against p3's 0.2 and p2's 0 (AUROC 1); the head ranks p3's
    0.8 above p4's 0.6 (AUROC 0.75); both lesions are found at 1 false
    positive per image only at IoU >= 0.4 (p4's IoU is 0.5)."""
    init_default_scope('mmgranet')
    heads = dict(p1=0.9, p2=0.1, p3=0.8, p4=0.6)
    batch = []
    for s in SAMPLES:
        d = sample(*s)
        d.set_field(torch.tensor([0.0, heads[s[0]], 0.0]),
                    'pred_image_probs', field_type='data')
        batch.append(d.to_dict())
    evaluator = Evaluator(dict(type='RSNAMetric'))
    evaluator.process(batch)
    metrics = evaluator.evaluate(len(batch))
    assert metrics['rsna/image_AUROC'] == pytest.approx(1.0)
    assert metrics['rsna/image_AUROC_head'] == pytest.approx(0.75)
    assert metrics['rsna/FROC_sens@1'] == pytest.approx(1.0)
    assert 0 < metrics['rsna/FROC_CPM'] <= 1
    quiet = Evaluator(dict(type='RSNAMetric', reader_metrics=False))
    quiet.process([sample(*s).to_dict() for s in SAMPLES])
    metrics = quiet.evaluate(len(SAMPLES))
    assert 'rsna/image_AUROC' not in metrics
    assert 'rsna/FROC_CPM' not in metrics


def test_ori_gt_bboxes_take_precedence():
    metric = RSNAMetric(sweep_thrs=None)
    s = sample('p1', [[0, 0, 10, 10]], [0.9], [[50, 50, 60, 60]]).to_dict()
    s['ori_gt_bboxes'] = np.array([[0, 0, 10, 10]])
    metric.process({}, [s])
    assert metric.compute_metrics(metric.results)['AP'] == 1.0


def test_ground_truth_from_ann_file(tmp_path):
    labels = tmp_path / 'labels.csv'
    labels.write_text('patientId,x,y,width,height,Target\n'
                      'p1,100,100,200,300,1\np2,,,,,0\np3,,,,,0\n'
                      'p4,0,0,200,200,1\n')
    metric = RSNAMetric(ann_file=str(labels), sweep_thrs=None)
    # wrong in-sample ground truth: must be ignored
    metric.process({}, [sample(p, b, s, []).to_dict()
                        for p, b, s, _ in SAMPLES])
    assert metric.compute_metrics(metric.results)['AP'] == pytest.approx(
        EXPECTED_AP)


def test_ann_file_patients_must_all_be_predicted(tmp_path):
    labels = tmp_path / 'labels.csv'
    labels.write_text('patientId,x,y,width,height,Target\n'
                      'p1,100,100,200,300,1\np9,0,0,20,20,1\n')
    samples = [sample('p1', [[100, 100, 300, 400]], [0.9], []).to_dict()]
    metric = RSNAMetric(ann_file=str(labels), sweep_thrs=None)
    metric.process({}, samples)
    with pytest.raises(InputError, match=r"1 of 2 labelled patients were "
                       r"not predicted, e.g. \['p9'\]"):
        metric.compute_metrics(metric.results)
    metric = RSNAMetric(ann_file=str(labels), sweep_thrs=None,
                        allow_missing=True)
    metric.process({}, samples)
    assert metric.compute_metrics(metric.results)['AP'] == 0.5
    (tmp_path / 'split.txt').write_text('p1\n')
    metric = RSNAMetric(ann_file=str(labels), sweep_thrs=None,
                        split_file=str(tmp_path / 'split.txt'))
    metric.process({}, samples)
    assert metric.compute_metrics(metric.results)['AP'] == 1.0


def test_no_fn_setting():
    metric = RSNAMetric(no_fn=True, sweep_thrs=None)
    metric.process({}, [sample(*s).to_dict() for s in SAMPLES])
    r = metric.compute_metrics(metric.results)
    assert set(k for k in r if k.startswith('AP@')) == {
        'AP@0.4', 'AP@0.5', 'AP@0.6'}
    # p1: 1; p3: 0; p4: hit at 0.4 only -> 1/3
    assert r['AP'] == pytest.approx((1 + 0 + 1 / 3) / 3)


def test_round_trip_model_output_submission_rsna_score(tmp_path):
    """predictions -> DumpRSNASubmission -> tools/rsna_score.py equals the
    metric computed on the same samples."""
    sub = tmp_path / 'submission.csv'
    dump = DumpRSNASubmission(str(sub))
    dump.process({}, [sample(*s).to_dict() for s in SAMPLES])
    assert dump.compute_metrics(dump.results) == {}
    lines = sub.read_text().splitlines()
    assert lines[0] == 'patientId,PredictionString'
    assert [line.split(',')[0] for line in lines[1:]] == \
        ['p1', 'p2', 'p3', 'p4']
    assert lines[2] == 'p2,'
    assert lines[1] == 'p1,0.9000 100 100 200 300'

    labels = tmp_path / 'labels.csv'
    labels.write_text('patientId,x,y,width,height,Target\n'
                      'p1,100,100,200,300,1\np2,,,,,0\np3,,,,,0\n'
                      'p4,0,0,200,200,1\n'
                      'p5,500,500,100,100,1\n')  # not in the submission
    proc = subprocess.run(
        [sys.executable, 'tools/rsna_score.py', str(labels), str(sub)],
        capture_output=True, text=True)
    # Kaggle rejects a submission without every patient
    assert proc.returncode == 2
    assert '1 of the 5 labelled patients have no row' in proc.stderr
    out = subprocess.run(
        [sys.executable, 'tools/rsna_score.py', str(labels), str(sub),
         '--allow-missing'],
        capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    # allowed: p5 counts as a patient without predictions, score 0
    assert result['num_images'] == 4
    assert result['AP'] == pytest.approx(EXPECTED_AP * 3 / 4)
    assert result['AP@0.4'] == pytest.approx(2 / 4)
