from typing import List, Optional

import torch
import torch.nn as nn
from mmengine.model import (MMDistributedDataParallel,
                            MMSeparateDistributedDataParallel)

from mmgranet.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class DeviceAgnosticDDP(MMDistributedDataParallel):
    """mmengine's DDP wrapper that also runs on CPU-only machines.

    mmengine's Runner always passes ``device_ids=[LOCAL_RANK]`` to a DDP
    wrapper; PyTorch rejects ``device_ids`` for a module on the CPU. This
    wrapper drops them when CUDA is absent, so the same config trains under
    ``torchrun`` on GPUs (NCCL) and on CPU cores (gloo, e.g. in CI).

    Args:
        module (nn.Module): The model to wrap.
        device_ids (list[int], optional): CUDA devices of this process; ignored
            without CUDA. Defaults to None.
        **kwargs: Passed to :class:`MMDistributedDataParallel`
            (``broadcast_buffers``, ``find_unused_parameters``, ...).
    """

    def __init__(self,
                 module: nn.Module,
                 device_ids: Optional[List[int]] = None,
                 **kwargs) -> None:
        if not torch.cuda.is_available():
            device_ids = None
        super().__init__(module=module, device_ids=device_ids, **kwargs)


@MODEL_WRAPPERS.register_module()
class DeviceAgnosticSeparateDDP(MMSeparateDistributedDataParallel):
    """mmengine's ``MMSeparateDistributedDataParallel`` (one DDP per
    submodule, for models that update their parts with separate optimizers,
    e.g. GRANet's detector and generator) that also runs on CPU-only
    machines, like :class:`DeviceAgnosticDDP`."""

    def __init__(self,
                 module: nn.Module,
                 device_ids: Optional[List[int]] = None,
                 **kwargs) -> None:
        if torch.cuda.is_available() and device_ids is not None:
            kwargs['device_ids'] = device_ids
        super().__init__(module=module, **kwargs)
