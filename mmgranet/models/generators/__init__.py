from .pseudo_normal_gan import PseudoNormalGAN
from .residual_generator import ResidualGenerator, build_generator
from .unpaired import UNIT, CycleGAN

__all__ = ['CycleGAN', 'PseudoNormalGAN', 'ResidualGenerator', 'UNIT',
           'build_generator']
