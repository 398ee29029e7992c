from .alternating_loop import (AlternatingEpochBasedTrainLoop,
                               epochs_for_detector, parse_schedule,
                               phase_of_epoch)

__all__ = ['AlternatingEpochBasedTrainLoop', 'epochs_for_detector',
           'parse_schedule', 'phase_of_epoch']
