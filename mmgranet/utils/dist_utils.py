import os

import torch
import torch.distributed as dist


def init_cpu_dist_if_needed(launcher: str, backend: str = 'gloo') -> bool:
    """Start the process group for CPU-only distributed runs.

    mmengine 0.10.7's ``pytorch`` launcher calls ``torch.cuda.set_device``
    before ``init_process_group``, which fails on a machine without CUDA.
    The Runner only initialises the group when none exists, so starting it
    here (gloo, from the variables torchrun sets) is enough; on a CUDA
    machine this does nothing and mmengine's own path (NCCL) is used.

    Args:
        launcher (str): The ``--launcher`` argument ('none', 'pytorch', ...).
        backend (str): The process-group backend. Defaults to 'gloo'.

    Returns:
        bool: Whether a process group was started here.
    """
    if launcher != 'pytorch' or torch.cuda.is_available():
        return False
    if dist.is_available() and dist.is_initialized():
        return False
    missing = [k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
               if k not in os.environ]
    if missing:
        raise RuntimeError(
            f'--launcher pytorch needs the variables torchrun sets; missing '
            f'{", ".join(missing)}. Start the job with tools/dist_train.sh or '
            'torchrun.')
    dist.init_process_group(backend=backend)
    return True
