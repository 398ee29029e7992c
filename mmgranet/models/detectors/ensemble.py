"""Several checkpoints of one detector and a horizontal-flip pass as one
model for ``tools/test.py`` (an ensemble with test-time augmentation),
scored by the RSNA metric like any detector.

mmdet's ``DetTTAModel`` merges augmented views by NMS and keeps only the
first view's data sample; it knows neither checkpoints nor the image
head. Here every member (a checkpoint, and with ``flip`` its flipped
pass) predicts the same preprocessed batch, the flipped boxes come back
into the unflipped frame, and the members of each image are fused
(:func:`mmgranet.structures.fuse`: weighted box fusion or ref. [6]'s
averaging before NMS) in the frame the detector predicts in (the
aligned frame for aligned configs, before RSNAMetric maps the boxes
back). The output is each image's own data sample with everything the
metric needs (patient id, original boxes, the alignment matrix), the
fused boxes, the mean image-level probabilities and (GRANet) the mean
residual of the unflipped passes.

Shapes: B images, N boxes, xyxy.
"""
import copy
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import load_checkpoint
from mmengine.structures import InstanceData

from mmgranet.fileio import check_checkpoint
from mmgranet.registry import MODELS
from mmgranet.structures import FUSIONS, fuse


def flip_inputs(inputs: torch.Tensor, data_samples) -> torch.Tensor:
    """Each image of a padded batch [B, C, H, W] flipped left-right within
    its own ``img_shape`` (the padding stays where it is, so a box flipped
    back about the image's width lands where the unflipped one would)."""
    out = inputs.clone()
    for i, s in enumerate(data_samples):
        h, w = s.metainfo.get('img_shape', inputs.shape[-2:])[:2]
        out[i, :, :h, :w] = inputs[i, :, :h, :w].flip(-1)
    return out


@torch.no_grad()
def predict_views(model: nn.Module, data: dict,
                  flips: Sequence[bool] = (False, )
                  ) -> List[List[Tuple[np.ndarray, np.ndarray, Optional[
                      np.ndarray], Optional[np.ndarray], object]]]:
    """Passes of ``model`` over a collated batch (as a dataloader gives
    it), preprocessed once: for each of ``flips`` (False: the image, True:
    its left-right flip), per image (boxes [N, 4] in the frame before the
    test resize, unflipped; scores [N]; the image head's probabilities or
    None; GRANet's residual [h, w] or None, unflipped passes only; the
    data sample)."""
    data = model.data_preprocessor(copy.deepcopy(data), False)
    views = []
    for flip in flips:
        inputs = data['inputs']
        if flip:
            inputs = flip_inputs(inputs, data['data_samples'])
        # each pass predicts into its own copy of the samples
        samples = model(inputs, copy.deepcopy(data['data_samples']),
                        mode='predict')
        out = []
        for s in samples:
            pred = s.pred_instances
            boxes = pred.bboxes.cpu().numpy().reshape(-1, 4).astype(
                np.float64)
            scores = pred.scores.cpu().numpy().astype(np.float64)
            if flip:  # back about the width of the frame the boxes are in
                w = s.metainfo['ori_shape'][1]
                boxes = np.stack([w - boxes[:, 2], boxes[:, 1],
                                  w - boxes[:, 0], boxes[:, 3]], 1)
            probs = s.get('pred_image_probs')
            probs = None if probs is None else probs.detach().cpu().numpy()
            residual = s.get('residual')
            residual = None if residual is None or flip else \
                residual[0].detach().cpu().numpy()
            out.append((boxes, scores, probs, residual, s))
        views.append(out)
    return views


@MODELS.register_module()
class RSNAEnsemble(BaseModel):
    """Checkpoints of one detector config, each with an optional flipped
    pass, fused per image (test only).

    Args:
        model (dict): The detector's config (``cfg.model``).
        checkpoints (list[str]): Its checkpoints (folds trained in one
            aligned frame, epochs, seeds); each is loaded into its own
            copy of the detector.
        flip (bool): Also predict each image flipped left-right.
        fusion (str): 'wbf' or 'nms' (:func:`mmgranet.structures.fuse`).
        iou_thr (float): The fusion's IoU. Defaults to 0.55.
    """

    def __init__(self, model: dict, checkpoints: Sequence[str],
                 flip: bool = False, fusion: str = 'wbf',
                 iou_thr: float = 0.55, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not checkpoints:
            raise ValueError('RSNAEnsemble: give at least one checkpoint')
        if fusion not in FUSIONS:
            raise ValueError(f'fusion must be one of {FUSIONS}, got '
                             f'{fusion!r}')
        self.members = nn.ModuleList()
        for ckpt in checkpoints:
            check_checkpoint(ckpt, 'checkpoint of the ensemble')
            member = MODELS.build(copy.deepcopy(model))
            load_checkpoint(member, ckpt, map_location='cpu',
                            logger='silent')
            member.eval()
            self.members.append(member)
        self.checkpoints = list(checkpoints)
        self.flip, self.fusion, self.iou_thr = flip, fusion, iou_thr

    def forward(self, inputs, data_samples=None, mode='tensor'):
        raise NotImplementedError(
            'RSNAEnsemble only predicts: call test_step / val_step')

    def train_step(self, data, optim_wrapper):
        raise RuntimeError('RSNAEnsemble is for testing; train its '
                           'members one by one')

    def val_step(self, data) -> list:
        return self.test_step(data)

    def test_step(self, data) -> list:
        flips = (False, True) if self.flip else (False, )
        views = []  # [member pass][image]
        for member in self.members:
            views += predict_views(member, data, flips)
        out = []
        for i in range(len(views[0])):
            own = [v[i] for v in views]
            sample = own[0][4]
            shape = tuple(sample.metainfo['ori_shape'][:2])
            boxes, scores = fuse([(b, s) for b, s, *_ in own], shape,
                                 self.fusion, self.iou_thr)
            device = sample.pred_instances.bboxes.device
            fused = InstanceData()
            fused.bboxes = torch.as_tensor(boxes, dtype=torch.float32,
                                           device=device).reshape(-1, 4)
            fused.scores = torch.as_tensor(scores, dtype=torch.float32,
                                           device=device)
            fused.labels = torch.zeros(len(scores), dtype=torch.long,
                                       device=device)
            sample.pred_instances = fused
            probs = [p for _, _, p, _, _ in own if p is not None]
            if probs:
                sample.set_field(torch.as_tensor(np.mean(probs, 0)),
                                 'pred_image_probs', field_type='data')
            residuals = [r for *_, r, _ in own if r is not None]
            if residuals:
                sample.set_field(
                    torch.as_tensor(np.mean(residuals, 0))[None],
                    'residual', field_type='data')
            out.append(sample)
        return out
