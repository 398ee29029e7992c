import torch.nn as nn
from mmdet.models.dense_heads import RetinaHead

from mmgranet.registry import MODELS


@MODELS.register_module()
class DropoutRetinaHead(RetinaHead):
    """mmdet's RetinaHead with dropout before the classification output
    (RetinaNet as modified in the paper's reference [6]).

    Args:
        dropout (float): Dropout probability on the classification branch's
            last features. Defaults to 0.5.
        *args, **kwargs: :class:`mmdet.models.RetinaHead` arguments.
    """

    def __init__(self, *args, dropout: float = 0.5, **kwargs) -> None:
        self.dropout_prob = dropout
        super().__init__(*args, **kwargs)

    def _init_layers(self) -> None:
        super()._init_layers()
        self.cls_dropout = nn.Dropout(self.dropout_prob)

    def forward_single(self, x):
        cls_feat = x
        reg_feat = x
        for cls_conv in self.cls_convs:
            cls_feat = cls_conv(cls_feat)
        for reg_conv in self.reg_convs:
            reg_feat = reg_conv(reg_feat)
        cls_score = self.retina_cls(self.cls_dropout(cls_feat))
        bbox_pred = self.retina_reg(reg_feat)
        return cls_score, bbox_pred
