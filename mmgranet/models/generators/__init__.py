from .box_balanced import box_balanced_l1
from .pseudo_normal_gan import PseudoNormalGAN
from .residual_generator import ResidualGenerator, build_generator
from .unpaired import UNIT, CycleGAN

__all__ = ['CycleGAN', 'PseudoNormalGAN', 'ResidualGenerator', 'UNIT',
           'box_balanced_l1', 'build_generator']
