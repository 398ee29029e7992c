from typing import Optional, Tuple

import torch
from mmdet.models.detectors import RetinaNet

from mmgranet.fileio import LUNG_OPACITY
from mmgranet.registry import MODELS


@MODELS.register_module()
class GlobalLabelRetinaNet(RetinaNet):
    """RetinaNet with a global image-label head (the paper's RetinaNet†,
    after its reference [6]).

    The configs add the rest of [6]: an SE-ResNeXt101 backbone, a P2 level
    with smaller anchors, dropout before the classification output
    (:class:`DropoutRetinaHead`), and images without boxes kept in training
    (RSNADataset never filters them). The image head sees the last backbone
    stage; its loss is added to the box losses.

    At inference each image's probability of "Lung Opacity" can rescale its
    box scores, ``score * p ** image_score_power`` (0 turns it off); the
    probabilities are kept in ``pred_image_probs`` of each data sample.

    Args:
        image_head (dict, optional): e.g. ``dict(type='ImageLabelHead',
            in_channels=2048)``. None: a plain RetinaNet.
        image_score_power (float): Defaults to 0.
        *args, **kwargs: mmdet ``RetinaNet`` arguments.
    """

    def __init__(self,
                 *args,
                 image_head: Optional[dict] = None,
                 image_score_power: float = 0.0,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.image_head = MODELS.build(image_head) if image_head else None
        self.image_score_power = image_score_power

    def _features(self, inputs: torch.Tensor) -> Tuple[tuple, torch.Tensor]:
        x = self.backbone(inputs)
        last = x[-1]
        if self.with_neck:
            x = self.neck(x)
        return x, last

    def extract_feat(self, batch_inputs: torch.Tensor) -> tuple:
        return self._features(batch_inputs)[0]

    def loss(self, batch_inputs, batch_data_samples) -> dict:
        x, last = self._features(batch_inputs)
        losses = self.bbox_head.loss(x, batch_data_samples)
        if self.image_head is not None:
            losses.update(self.image_head.loss(last, batch_data_samples))
        return losses

    def predict(self, batch_inputs, batch_data_samples, rescale: bool = True):
        x, last = self._features(batch_inputs)
        results = self.bbox_head.predict(x, batch_data_samples,
                                         rescale=rescale)
        probs = None
        if self.image_head is not None:
            probs = self.image_head.predict(last)
            if self.image_score_power > 0:
                for res, p in zip(results, probs):
                    res.scores = res.scores * p[LUNG_OPACITY].pow(
                        self.image_score_power)
        samples = self.add_pred_to_datasample(batch_data_samples, results)
        if probs is not None:
            for sample, p in zip(samples, probs):
                sample.set_field(p.detach(), 'pred_image_probs',
                                 field_type='data')
        return samples
