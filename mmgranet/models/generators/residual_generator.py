from typing import Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmgranet.registry import MODELS


@MODELS.register_module()
class ResidualGenerator(BaseModule):
    """G(x) = x + D(x), with D's last layer zero-initialised: G starts as
    the identity.

    Beyond the paper (a knob of the cGAN configs, ``residual_generator``):
    the paper's G is a plain CycleGAN generator, which must learn to copy
    every normal pixel before it can change a lesion, and on mini-RSNA
    never quite does (it blurs and shifts the anatomy by ~10 grey levels
    everywhere, so |x - G(x)| is mostly its own reconstruction error). Here
    D only has to learn the change, which is zero away from lesions.

    Shapes: images [B, C, H, W] in [-1, 1] (the tanh range of D).

    Args:
        generator (dict): D, an image-to-image network (its output
            channels add to the first input channels), e.g.
            ``dict(type='mmagic.ResnetGenerator', in_channels=1,
            out_channels=1)``.
        init_cfg (dict, optional): Defaults to None.
    """

    def __init__(self, generator: dict,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.residual = MODELS.build(generator)

    def _last_layer(self) -> nn.Module:
        for module in reversed(list(self.residual.modules())):
            if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d,
                                   nn.Linear)):
                return module
        raise TypeError(f'{type(self.residual).__name__} has no conv or '
                        'linear layer to start at zero')

    def init_weights(self) -> None:
        """D's own initialisation, then its last layer set to zero."""
        last = self._last_layer()
        self.residual.init_weights()
        nn.init.zeros_(last.weight)
        if last.bias is not None:
            nn.init.zeros_(last.bias)
        self._is_init = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C_in, H, W] -> [B, C_out, H, W], clamped to [-1, 1]; the
        first C_out input channels are the image (further ones condition
        D, e.g. a region mask)."""
        out = self.residual(x)  # [B, C_out, H, W]
        return (x[:, :out.shape[1]] + out).clamp(-1, 1)


def build_generator(cfg: dict, residual: bool = False) -> nn.Module:
    """G from its config, wrapped as x + D(x) when ``residual``."""
    if residual:
        return ResidualGenerator(cfg)
    return MODELS.build(cfg)
