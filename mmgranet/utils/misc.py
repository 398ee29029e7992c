import torch


def require_amp_device() -> None:
    """Fail early and clearly when --amp is asked for without a GPU.

    mmengine's AmpOptimWrapper supports CUDA (and NPU/MLU/MUSA) only; without
    this check the run dies later inside the Runner with an assertion.
    """
    if not torch.cuda.is_available():
        raise RuntimeError('--amp needs a CUDA GPU (mmengine\'s '
                           'AmpOptimWrapper); run without --amp on the CPU')
