"""Let mmengine 0.10.7 load its own checkpoints under torch >= 2.6.

torch 2.6 made ``torch.load`` default to ``weights_only=True``; mmengine
0.10.7 calls it without the argument, and its checkpoints hold more than
tensors: the message hub's ``HistoryBuffer`` objects, the numpy arrays and
scalars they contain, and the buffer's statistic methods, which pickle as
``getattr(HistoryBuffer, 'mean')``. Resume and ``load_from`` then fail with
``Unsupported global: mmengine.logging.history_buffer.HistoryBuffer``.

Rather than switch the safety check off for every file
(``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``), this allow-lists exactly the types
an mmengine checkpoint is made of. ``getattr`` in particular is not allowed
in general (``getattr(np.ndarray, 'tofile')`` would write files); a
stand-in answers only for HistoryBuffer's registered statistic methods, so
arbitrary code in a foreign checkpoint is still refused.
"""
import pickle

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

# numpy moved its pickling helpers from numpy.core to numpy._core in 2.0
# (numpy 1.26 has a numpy._core stub without them)
_np_core = np.core if np.lib.NumpyVersion(np.__version__) < '2.0.0' \
    else np._core

# dtypes that metrics, losses and counters in the message hub take
_NUMPY_DTYPES = ('bool', 'uint8', 'int8', 'int16', 'int32', 'int64',
                 'float16', 'float32', 'float64')


def history_buffer_getattr(obj, name: str):
    """``getattr`` restricted to HistoryBuffer's statistic methods.

    Raises:
        pickle.UnpicklingError: For any other object or attribute.
    """
    if obj is HistoryBuffer:
        # min/max/current/mean and methods registered by users
        HistoryBuffer()._set_default_statistics()
        if name in HistoryBuffer._statistics_methods:
            return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'checkpoint asks for getattr({obj!r}, {name!r}); mmgranet allows '
        'only HistoryBuffer statistic methods under weights-only loading')


def mmengine_checkpoint_globals() -> list:
    """The classes and functions an mmengine checkpoint pickles."""
    return [
        HistoryBuffer,
        np.ndarray,
        np.dtype,
        _np_core.multiarray._reconstruct,
        _np_core.multiarray.scalar,
        *(type(np.dtype(name)) for name in _NUMPY_DTYPES),
        (history_buffer_getattr, 'builtins.getattr'),
    ]


def allow_mmengine_checkpoint_globals() -> None:
    """Allow-list mmengine's checkpoint types for weights-only loading.

    Idempotent; a no-op on torch versions without ``add_safe_globals``.
    """
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is not None:
        add(mmengine_checkpoint_globals())
