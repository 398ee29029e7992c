"""mmcv's compiled ops are present and correct (not mmcv-lite)."""
import torch


def test_nms_op_runs_and_suppresses():
    from mmcv.ops import nms
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.],
                          [20., 20., 30., 30.]])
    scores = torch.tensor([0.9, 0.8, 0.7])
    dets, keep = nms(boxes, scores, iou_threshold=0.5)
    assert keep.tolist() == [0, 2]
    assert dets.shape == (2, 5)


def test_roi_align_op_matches_constant_image():
    from mmcv.ops import roi_align
    feat = torch.full((1, 2, 16, 16), 3.0)
    rois = torch.tensor([[0., 2., 2., 10., 10.]])
    out = roi_align(feat, rois, (4, 4), 1.0, 2, 'avg', True)
    assert out.shape == (1, 2, 4, 4)
    assert torch.allclose(out, torch.full_like(out, 3.0))


def test_ext_module_is_compiled():
    from mmcv.utils import ext_loader
    ext = ext_loader.load_ext('_ext', ['nms', 'roi_align_forward'])
    assert hasattr(ext, 'nms')
