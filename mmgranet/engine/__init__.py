from .hooks import AlternatingParamSchedulerHook, RSNAVisualizationHook
from .loops import AlternatingEpochBasedTrainLoop
from .model_wrappers import DeviceAgnosticDDP, DeviceAgnosticSeparateDDP

__all__ = [
    'AlternatingEpochBasedTrainLoop', 'AlternatingParamSchedulerHook',
    'DeviceAgnosticDDP', 'DeviceAgnosticSeparateDDP', 'RSNAVisualizationHook'
]
