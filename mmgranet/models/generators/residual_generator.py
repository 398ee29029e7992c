from typing import Optional, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmgranet.registry import MODELS

CHANGES = ('any', 'remove')


class _RemoveOnly(torch.autograd.Function):
    """min(d, 0) whose gradient also passes where d > 0 if descending it
    lowers d: a pixel whose change starts (or drifts) positive can still
    learn to remove, while nothing can learn to add."""

    @staticmethod
    def forward(ctx, d: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(d)
        return d.clamp(max=0)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        d, = ctx.saved_tensors
        return grad * ((d <= 0) | (grad > 0)).to(grad.dtype)


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

    ``change='remove'`` makes the change one-sided, G(x) = x + min(D(x),
    0): G may only take brightness away, as removing an opacity does (a
    knob beyond the paper: a G that highlights lesions cannot arise).

    Shapes: images [B, C, H, W] in [-1, 1] (the tanh range of D).

    Args:
        generator (dict): D, an image-to-image network (its output
            channels add to the first input channels), e.g.
            ``dict(type='mmagic.ResnetGenerator', in_channels=1,
            out_channels=1)``.
        change (str): 'any' or 'remove'. Defaults to 'any'.
        init_cfg (dict, optional): Defaults to None.
    """

    def __init__(self, generator: dict, change: str = 'any',
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if change not in CHANGES:
            raise ValueError(f'change must be one of {CHANGES}, got '
                             f'{change!r}')
        self.residual = MODELS.build(generator)
        self.change = change

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
        if self.change == 'remove':
            out = _RemoveOnly.apply(out)
        return (x[:, :out.shape[1]] + out).clamp(-1, 1)


def build_generator(cfg: dict,
                    residual: Union[bool, str] = False) -> nn.Module:
    """G from its config; ``residual``: False (the plain generator), True
    or 'any' (G = x + D(x)), 'remove' (G = x + min(D(x), 0))."""
    if residual is False or residual is None:
        return MODELS.build(cfg)
    if residual is True:
        residual = 'any'
    return ResidualGenerator(cfg, change=residual)
