from .ensemble import RSNAEnsemble, predict_views
from .global_label_retinanet import GlobalLabelRetinaNet
from .granet import GRANet

__all__ = ['GRANet', 'GlobalLabelRetinaNet', 'RSNAEnsemble', 'predict_views']
