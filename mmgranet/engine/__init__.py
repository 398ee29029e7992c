from .hooks import RSNAVisualizationHook
from .loops import AlternatingEpochBasedTrainLoop
from .model_wrappers import DeviceAgnosticDDP, DeviceAgnosticSeparateDDP

__all__ = ['AlternatingEpochBasedTrainLoop', 'DeviceAgnosticDDP',
           'DeviceAgnosticSeparateDDP', 'RSNAVisualizationHook']
