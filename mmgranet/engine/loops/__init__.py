from .alternating_loop import (AlternatingEpochBasedTrainLoop, parse_schedule,
                               phase_of_epoch)

__all__ = ['AlternatingEpochBasedTrainLoop', 'parse_schedule',
           'phase_of_epoch']
