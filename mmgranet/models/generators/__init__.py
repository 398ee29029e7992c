from .inference import load_image_generator
from .pseudo_normal_gan import PseudoNormalGAN

__all__ = ['PseudoNormalGAN', 'load_image_generator']
