from typing import Union

import torch
from mmengine.optim import AmpOptimWrapper as _AmpOptimWrapper
from mmengine.optim import OptimWrapper

from mmgranet.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class AmpOptimWrapper(_AmpOptimWrapper):
    """mmengine's ``AmpOptimWrapper``, which also runs on the CPU.

    On a GPU it is mmengine's wrapper (float16 autocast with a dynamic loss
    scaler by default). On the CPU, where mmengine's refuses to start,
    autocast runs in bfloat16 without loss scaling (bfloat16 has float32's
    range): the mixed-precision code paths of every config can be tested
    on a CPU machine (``tools/train.py --amp``).

    Args:
        loss_scale (str | float | dict): The GPU loss scaler's setting.
            Defaults to 'dynamic'.
        dtype (str | torch.dtype, optional): Autocast dtype. Defaults to
            float16 on a GPU, bfloat16 (the only one) on the CPU.
        use_fsdp (bool): Defaults to False.
        **kwargs: ``OptimWrapper`` arguments.
    """

    def __init__(self, loss_scale: Union[str, float, dict] = 'dynamic',
                 dtype: Union[str, torch.dtype, None] = None,
                 use_fsdp: bool = False, **kwargs) -> None:
        if torch.cuda.is_available():
            super().__init__(loss_scale=loss_scale, dtype=dtype,
                             use_fsdp=use_fsdp, **kwargs)
            return
        if dtype not in (None, 'bfloat16', torch.bfloat16):
            raise ValueError(f'autocast on the CPU runs in bfloat16, not '
                             f'{dtype}')
        OptimWrapper.__init__(self, **kwargs)
        self._scale_update_param = None
        # bfloat16 needs no loss scaling: a disabled scaler passes through
        self.loss_scaler = torch.amp.GradScaler('cpu', enabled=False)
        self.cast_dtype = torch.bfloat16


def enable_amp(cfg) -> None:
    """Mixed precision for every optimizer of a config (``tools/train.py
    --amp``): one wrapper, or a dict of them (GRANet, the cGANs:
    ``mmagic.MultiOptimWrapperConstructor``), each its own
    :class:`AmpOptimWrapper`. GRANet's joint phase shares the detector's
    loss scaler for its one backward (:meth:`GRANet._joint_update`)."""
    wrapper = cfg.optim_wrapper
    constructor = str(wrapper.get('constructor', ''))
    if constructor.endswith('MultiOptimWrapperConstructor'):
        subs = [wrapper[k] for k in wrapper
                if k not in ('constructor', 'paramwise_cfg')]
    else:
        subs = [wrapper]
    for sub in subs:
        sub.type = 'mmgranet.AmpOptimWrapper'
        sub.setdefault('loss_scale', 'dynamic')
