import cv2
import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import HorizontalBoxes
from mmengine.structures import InstanceData

from mmgranet.datasets import AffineAlign, read_affines
from mmgranet.evaluation import RSNAMetric
from mmgranet.fileio import InputError


def sample(img, boxes, **extra):
    return dict(img=img, gt_bboxes=HorizontalBoxes(
        torch.as_tensor(boxes, dtype=torch.float32)), **extra)


def test_warps_image_and_boxes_together():
    """A lesion-like blob (the ellipse inside its box) and its box through
    an 8 degree rotation: the box follows the blob's true extent."""
    img = np.zeros((64, 64), np.uint8)
    cv2.ellipse(img, (40, 15), (10, 5), 0, 0, 360, 255, -1)
    m = cv2.getRotationMatrix2D((32, 32), 8, 1.0)
    out = AffineAlign()(sample(img, [[30, 10, 51, 21]], align_matrix=m))
    x1, y1, x2, y2 = out['gt_bboxes'].numpy()[0]
    ys, xs = np.nonzero(out['img'] > 128)
    truth = [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
    np.testing.assert_allclose([x1, y1, x2, y2], truth, atol=1.0)
    np.testing.assert_array_equal(out['align_matrix'], m)


def test_affine_in_original_pixels_follows_the_load_scale():
    img = np.zeros((64, 64), np.uint8)
    m = np.array([[1.0, 0, 40], [0, 1.0, -20]])  # in 128 px originals
    out = AffineAlign()(sample(img, [[10, 20, 20, 30]], align_matrix=m,
                               scale_factor=(0.5, 0.5)))
    np.testing.assert_allclose(out['gt_bboxes'].numpy(), [[30, 10, 40, 20]])


def test_affine_file(tmp_path):
    path = tmp_path / 'affines.csv'
    path.write_text('patientId,a11,a12,a13,a21,a22,a23\n'
                    'p,1,0,5,0,1,0\nq,0,0,0,0,0,0\n')
    with pytest.raises(InputError, match='line 3: singular'):
        read_affines(str(path))
    path.write_text('patientId,a11,a12,a13,a21,a22,a23\np,1,0,5,0,1,0\n')
    out = AffineAlign(str(path))(sample(np.zeros((32, 32), np.uint8),
                                        [[1, 1, 5, 5]], patient_id='p'))
    np.testing.assert_allclose(out['gt_bboxes'].numpy(), [[6, 1, 10, 5]])
    with pytest.raises(InputError, match='no affine for patient x'):
        AffineAlign(str(path))(sample(np.zeros((32, 32), np.uint8), [],
                                      patient_id='x'))


def test_metric_scores_in_original_pixels_after_alignment():
    """A perfect prediction in the aligned frame scores 1 once mapped back
    with the inverse affine; without the mapping it would not."""
    m = cv2.getRotationMatrix2D((512, 512), 3, 1.0)
    m[:, 2] += (80, -60)
    original = np.array([[300.0, 400.0, 420.0, 560.0]])
    from mmgranet.structures import transform_boxes
    aligned = transform_boxes(original, m)
    s = DetDataSample(metainfo=dict(img_path='/x/p.dcm', align_matrix=m,
                                    ori_gt_bboxes=original))
    s.pred_instances = InstanceData(
        bboxes=torch.as_tensor(aligned, dtype=torch.float32),
        scores=torch.tensor([0.9]))
    metric = RSNAMetric(sweep_thrs=None)
    metric.process({}, [s.to_dict()])
    # exact: the box mapping round-trips (the corners' min/max gave IoU
    # 0.81 here)
    assert metric.compute_metrics(metric.results)['AP@0.75'] == 1.0
    np.testing.assert_allclose(metric.results[0]['boxes'], original)
    s.set_metainfo(dict(align_matrix=np.eye(2, 3)))
    metric = RSNAMetric(sweep_thrs=None)
    metric.process({}, [s.to_dict()])
    assert metric.compute_metrics(metric.results)['AP@0.4'] == 0.0
