from .aligners import STNAligner
from .data_preprocessors import GRANetDataPreprocessor
from .detectors import GlobalLabelRetinaNet, GRANet
from .generators import PseudoNormalGAN, ResidualGenerator
from .heads import DropoutRetinaHead, ImageLabelHead
from .layers import PretrainedOrWarnInit
from .necks import ResidualAttentionNeck

__all__ = ['DropoutRetinaHead', 'GlobalLabelRetinaNet', 'GRANet',
           'GRANetDataPreprocessor', 'ImageLabelHead', 'PretrainedOrWarnInit',
           'PseudoNormalGAN', 'ResidualAttentionNeck', 'ResidualGenerator',
           'STNAligner']
