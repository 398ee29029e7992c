from .pseudo_normal_gan import PseudoNormalGAN
from .residual_generator import ResidualGenerator, build_generator

__all__ = ['PseudoNormalGAN', 'ResidualGenerator', 'build_generator']
