from .demo_inputs import demo_det_inputs
from .smoke import (SMOKE_DATA, SMOKE_OPTIONS, SMOKE_TRAIN_OPTIONS,
                    write_smoke_weights)

__all__ = ['demo_det_inputs', 'SMOKE_DATA', 'SMOKE_OPTIONS',
           'SMOKE_TRAIN_OPTIONS', 'write_smoke_weights']
