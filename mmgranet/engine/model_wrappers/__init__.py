from .device_agnostic_ddp import DeviceAgnosticDDP, DeviceAgnosticSeparateDDP

__all__ = ['DeviceAgnosticDDP', 'DeviceAgnosticSeparateDDP']
