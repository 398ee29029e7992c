from .hooks import AlternatingParamSchedulerHook, RSNAVisualizationHook
from .loops import AlternatingEpochBasedTrainLoop
from .model_wrappers import DeviceAgnosticDDP, DeviceAgnosticSeparateDDP
from .optimizers import AmpOptimWrapper

__all__ = [
    'AlternatingEpochBasedTrainLoop', 'AlternatingParamSchedulerHook',
    'AmpOptimWrapper',
    'DeviceAgnosticDDP', 'DeviceAgnosticSeparateDDP', 'RSNAVisualizationHook'
]
