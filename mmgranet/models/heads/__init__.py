from .dropout_retina_head import DropoutRetinaHead
from .image_label_head import ImageLabelHead

__all__ = ['DropoutRetinaHead', 'ImageLabelHead']
