from .model_wrappers import DeviceAgnosticDDP

__all__ = ['DeviceAgnosticDDP']
