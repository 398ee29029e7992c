from .aligners import STNAligner
from .backbones import SEResNeXt
from .data_preprocessors import GRANetDataPreprocessor
from .detectors import GlobalLabelRetinaNet, GRANet
from .generators import PseudoNormalGAN, ResidualGenerator
from .heads import DropoutRetinaHead, ImageLabelHead
from .layers import StrictPretrainedInit
from .necks import ResidualAttentionNeck

__all__ = ['DropoutRetinaHead', 'SEResNeXt', 'GlobalLabelRetinaNet', 'GRANet',
           'GRANetDataPreprocessor', 'ImageLabelHead', 'StrictPretrainedInit',
           'PseudoNormalGAN', 'ResidualAttentionNeck', 'ResidualGenerator',
           'STNAligner']
