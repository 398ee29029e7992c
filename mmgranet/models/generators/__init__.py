from .pseudo_normal_gan import PseudoNormalGAN

__all__ = ['PseudoNormalGAN']
