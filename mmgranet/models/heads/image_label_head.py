from types import MappingProxyType
from typing import List, Mapping, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmgranet.fileio import RSNA_IMAGE_CLASSES
from mmgranet.registry import MODELS


@MODELS.register_module()
class ImageLabelHead(BaseModule):
    """The global image classifier of RetinaNet in the paper's reference
    [6]: global average pooling of the last backbone stage, dropout, one
    linear layer to RSNA's three image classes (Normal, Lung Opacity, No
    Lung Opacity / Not Normal), cross entropy with a small weight.

    Labels come from each data sample's ``image_label`` (RSNADataset);
    samples without one (e.g. unlabelled test images) are left out of the
    loss.

    Args:
        in_channels (int): Channels of the last backbone stage.
        num_classes (int): Defaults to 3.
        dropout (float): Defaults to 0.5.
        loss_weight (float): Defaults to 0.1.
        init_cfg (dict, optional): Defaults to a normal init of the layer.
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int = len(RSNA_IMAGE_CLASSES),
                 dropout: float = 0.5,
                 loss_weight: float = 0.1,
                 init_cfg: Optional[Mapping] = MappingProxyType(
                     dict(type='Normal', layer='Linear', std=0.01))
                 ) -> None:
        super().__init__(init_cfg=None if init_cfg is None else
                         dict(init_cfg))
        self.num_classes = num_classes
        self.loss_weight = loss_weight
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(in_channels, num_classes)

    def forward(self, feat: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(F.adaptive_avg_pool2d(feat, 1).flatten(1)))

    def loss(self, feat: torch.Tensor, data_samples: Sequence) -> dict:
        logits = self(feat)
        labels: List[int] = [s.metainfo.get('image_label', -1)
                             for s in data_samples]
        target = torch.as_tensor([-1 if lb is None else int(lb)
                                  for lb in labels], device=logits.device)
        if (target >= 0).any():
            loss = F.cross_entropy(logits, target, ignore_index=-1)
        else:
            loss = logits.sum() * 0
        return dict(loss_image_cls=self.loss_weight * loss)

    def predict(self, feat: torch.Tensor) -> torch.Tensor:
        """Class probabilities, [B, num_classes]."""
        return self(feat).softmax(dim=1)
