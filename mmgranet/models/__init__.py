from .aligners import STNAligner
from .generators import PseudoNormalGAN

__all__ = ['PseudoNormalGAN', 'STNAligner']
