from .amp_optim_wrapper import AmpOptimWrapper, enable_amp

__all__ = ['AmpOptimWrapper', 'enable_amp']
