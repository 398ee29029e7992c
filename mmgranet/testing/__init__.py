from .demo_inputs import demo_det_inputs

__all__ = ['demo_det_inputs']
