from contextlib import contextmanager
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmgranet.registry import MODELS

ATTENTION_MODES = ('residual', 'multiply')
ATTENTION_NORMS = ('none', 'max', 'mean')


def normalise_attention(a: torch.Tensor, norm: str,
                        eps: float = 1e-6) -> torch.Tensor:
    """Scale a [B, 1, H, W] residual map per image.

    - 'none': as is (|x - G(x)| with images in [0, 1], so A is in [0, 1]);
    - 'max': divided by its maximum (each image's strongest residual is 1);
    - 'mean': divided by its mean (mean 1; weak everywhere stays weak
      relative to the rest of the image, not in absolute terms).
    """
    if norm == 'none':
        return a
    flat = a.flatten(1)
    if norm == 'max':
        scale = flat.amax(dim=1)
    elif norm == 'mean':
        scale = flat.mean(dim=1)
    else:
        raise ValueError(f'attention norm must be one of {ATTENTION_NORMS},'
                         f' got {norm!r}')
    return a / (scale.view(-1, 1, 1, 1) + eps)


def resize_attention(a: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
    """A map at one pyramid level's size: area averaging when shrinking
    (every input pixel counts once, no aliasing), bilinear when growing."""
    if tuple(a.shape[-2:]) == tuple(size):
        return a
    if a.shape[-2] >= size[0] and a.shape[-1] >= size[1]:
        return F.interpolate(a, size=tuple(size), mode='area')
    return F.interpolate(a, size=tuple(size), mode='bilinear',
                         align_corners=False)


def apply_attention(feats: Sequence[torch.Tensor], a: torch.Tensor,
                    mode: str = 'residual',
                    gamma: Optional[Sequence[torch.Tensor]] = None
                    ) -> Tuple[torch.Tensor, ...]:
    """Weight every feature map by A resized to its level.

    ``residual``: F * (1 + gamma_l A) (gamma 1 when not given), the
    identity where A = 0 (context is kept on normal images);
    ``multiply``: F * A (the paper's literal reading; zero where A is).
    """
    if mode not in ATTENTION_MODES:
        raise ValueError(f'attention mode must be one of {ATTENTION_MODES},'
                         f' got {mode!r}')
    out = []
    for level, f in enumerate(feats):
        w = resize_attention(a, f.shape[-2:]).to(f.dtype)  # [B, 1, h, w]
        if mode == 'multiply':
            out.append(f * w)
            continue
        if gamma is not None:
            w = w * gamma[min(level, len(gamma) - 1)].to(f.dtype)
        out.append(f * (1 + w))
    return tuple(out)


@MODELS.register_module()
class ResidualAttentionNeck(BaseModule):
    """Any mmdet neck, its outputs weighted by a residual attention map.

    The map (``[B, 1, H, W]``, e.g. |x - G(x)| from :class:`GRANet`) is set
    for the duration of a forward with :meth:`attending`; without one the
    neck is the wrapped neck unchanged. Applying it after the neck weights
    every pyramid level, including the extra levels a neck adds (P6, P7),
    and works for single- and two-stage detectors alike because both call
    ``self.neck`` in ``extract_feat``.

    The variants the paper's "used as the spatial attention map" admits
    (docs and measurements: configs/granet/README.md):

    ====================  ===========================================
    F * A                 ``mode='multiply'`` (the literal reading)
    F * (1 + A)           ``mode='residual'`` (the default)
    F * (1 + A / max A)   ``mode='residual', norm='max'``
    F * (1 + gamma_l A)   ``mode='residual', learnable_gamma=True``
    ====================  ===========================================

    Shapes: B batch, L pyramid levels, F_l [B, C, h_l, w_l], A [B, 1, H, W].

    Args:
        neck (dict): The wrapped neck's config (e.g. ``mmdet.FPN``).
        mode (str): 'residual' (F * (1 + A)) or 'multiply' (F * A).
            Defaults to 'residual'.
        norm (str): Per-image scaling of A: 'none', 'max' or 'mean'. See
            :func:`normalise_attention`. Defaults to 'none'.
        learnable_gamma (bool): A learnt weight per level, F * (1 +
            gamma_l A) ('residual' mode). Defaults to False.
        gamma_init (float): gamma's start. Defaults to 1.0.
        num_levels (int, optional): L for ``learnable_gamma``. Defaults to
            the wrapped neck's ``num_outs``.
        init_cfg (dict, optional): Defaults to None.
    """

    def __init__(self,
                 neck: dict,
                 mode: str = 'residual',
                 norm: str = 'none',
                 learnable_gamma: bool = False,
                 gamma_init: float = 1.0,
                 num_levels: Optional[int] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if mode not in ATTENTION_MODES:
            raise ValueError(f'attention mode must be one of '
                             f'{ATTENTION_MODES}, got {mode!r}')
        if norm not in ATTENTION_NORMS:
            raise ValueError(f'attention norm must be one of '
                             f'{ATTENTION_NORMS}, got {norm!r}')
        if learnable_gamma and mode != 'residual':
            raise ValueError("learnable_gamma weights F * (1 + gamma A): "
                             "mode must be 'residual'")
        self.neck = MODELS.build(neck)
        self.mode = mode
        self.norm = norm
        self.gamma = None
        if learnable_gamma:
            num_levels = num_levels or neck.get('num_outs')
            if not num_levels:
                raise ValueError('learnable_gamma needs num_levels (the '
                                 'wrapped neck has no num_outs)')
            self.gamma = nn.ParameterList([
                nn.Parameter(torch.tensor(float(gamma_init)))
                for _ in range(num_levels)
            ])
        self._attention: Optional[torch.Tensor] = None

    @contextmanager
    def attending(self, residual: Optional[torch.Tensor]):
        """Use ``residual`` ([B, 1, H, W]) as attention inside the block."""
        previous = self._attention
        self._attention = None if residual is None else \
            normalise_attention(residual, self.norm)
        try:
            yield self
        finally:
            self._attention = previous

    def forward(self, inputs):
        outs = self.neck(inputs)
        if self._attention is None:
            return outs
        return apply_attention(outs, self._attention, self.mode,
                               self.gamma)
