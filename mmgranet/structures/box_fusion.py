"""Fusing the boxes of several predictions of one image (an ensemble of
checkpoints, a test-time flip): weighted box fusion or ref. [6]'s
averaging before NMS. Boxes are xyxy in one frame of an image of shape
(H, W); N boxes per member."""
from typing import Sequence, Tuple

import numpy as np

FUSIONS = ('wbf', 'nms')


def fuse(members: Sequence[Tuple[np.ndarray, np.ndarray]],
         shape: Tuple[int, int], method: str = 'wbf',
         iou_thr: float = 0.55) -> Tuple[np.ndarray, np.ndarray]:
    """Fuse the (boxes [N, 4], scores [N]) of several members of one image.

    ``'wbf'``: weighted box fusion (mmdet's ``weighted_boxes_fusion``,
    boxes normalised by the image size; a box found by fewer members
    scores lower, mmdet's 'avg'); ``'nms'``: every member's boxes with
    their scores divided by the number of members, then NMS at
    ``iou_thr`` (ref. [6]). One member is returned as it is. The result
    is sorted best first.
    """
    if method not in FUSIONS:
        raise ValueError(f'fusion must be one of {FUSIONS}, got {method!r}')
    if len(members) == 1:
        return members[0]
    h, w = shape
    norm = np.array([w, h, w, h], np.float64)
    if method == 'wbf':
        from mmdet.models.utils import weighted_boxes_fusion
        boxes, scores, _ = weighted_boxes_fusion(
            [np.clip(b / norm, 0, 1).tolist() for b, _ in members],
            [s.tolist() for _, s in members],
            [[0] * len(s) for _, s in members], iou_thr=iou_thr)
        boxes = np.asarray(boxes, np.float64).reshape(-1, 4) * norm
        scores = np.asarray(scores, np.float64).reshape(-1)
    else:
        import torch
        from mmcv.ops import nms
        boxes = np.concatenate([b for b, _ in members]).reshape(-1, 4)
        scores = np.concatenate([s for _, s in members]) / len(members)
        if len(boxes):
            _, keep = nms(torch.from_numpy(boxes).float(),
                          torch.from_numpy(scores).float(), iou_thr)
            keep = keep.numpy()
            boxes, scores = boxes[keep].astype(np.float64), scores[keep]
    order = np.argsort(-scores, kind='stable')
    return boxes[order], scores[order]
