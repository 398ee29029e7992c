from typing import Dict, Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapperDict

from mmgranet.registry import MODELS
from .box_balanced import box_balanced_l1
from .residual_generator import build_generator

# Shorthand: B batch, H/W image size; images in [-1, 1] inside the model.


@MODELS.register_module()
class PseudoNormalGAN(BaseModel):
    """The paper's cGANs: radio-realistic (eq. 2) and Abn2Nor (eq. 3).

    One model serves both, with different data: a generator G (MMagic's
    CycleGAN ``ResnetGenerator``) maps ``input`` to a normal-looking image;
    an unconditional PatchGAN D sees real normal images ``real`` against
    G's outputs; an L1 term ties G(input) to ``target``:

    - eq. 2, G_realistic: input = target = I_b(x) (the blended swap);
    - eq. 3, Abn2Nor: input = x, target = G_realistic(I_b(x)).

    ``identity_weight`` adds L1(G(y), y) on the real normals: GRANet wants G
    to act as the identity on normal images. ``residual`` makes G
    x + D(x) with D starting at zero (:class:`ResidualGenerator`; beyond
    the paper; ``'remove'``: a change that only darkens).

    ``recon_balance='boxes'`` (beyond the paper) weighs the L1 term's
    pixels inside and outside the lesion boxes to equal totals: eq. 3's
    plain mean gives the boxes (~5 % of a radiograph) ~5 % of the signal,
    and a G at the identity is then almost optimal.

    Data (``train_step``): a dict with ``inputs`` = dict(input=[B, 1, H, W],
    target=[B, 1, H, W], real=[B, 1, H, W]) uint8 tensors (or lists), and
    ``mask`` ([B, 1, H, W], 255 inside the boxes) for
    ``recon_balance='boxes'`` (``CGANPairDataset(box_mask=True)``).

    Args:
        generator (dict): e.g. ``dict(type='mmagic.ResnetGenerator',
            in_channels=1, out_channels=1)``.
        discriminator (dict): e.g. ``dict(type='mmagic.PatchDiscriminator',
            in_channels=1)``.
        gan_loss (str): 'vanilla' (the paper's log loss) or 'lsgan'.
            Defaults to 'vanilla'.
        l1_weight (float): Weight of L1(G(input), target). Defaults to 10.
        identity_weight (float): Weight of L1(G(real), real). Defaults to 0.
        adversarial_weight (float): Weight of G's adversarial term (0: D
            still trains, G ignores it). Defaults to 1 (the paper's).
        recon_balance (str, optional): None (the paper's mean over pixels)
            or 'boxes'. Defaults to None.
        residual (bool | str): G(x) = x + D(x), the identity at the start
            (True or 'any'; 'remove': x + min(D(x), 0)). Defaults to False
            (the paper's G).
        data_preprocessor (dict, optional): Defaults to mmengine's
            ``BaseDataPreprocessor``.
        init_cfg (dict, optional): Defaults to None.
    """

    def __init__(self,
                 generator: dict,
                 discriminator: dict,
                 gan_loss: str = 'vanilla',
                 l1_weight: float = 10.0,
                 identity_weight: float = 0.0,
                 adversarial_weight: float = 1.0,
                 recon_balance: Optional[str] = None,
                 residual: Union[bool, str] = False,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if gan_loss not in ('vanilla', 'lsgan'):
            raise ValueError(f"gan_loss must be 'vanilla' or 'lsgan', got "
                             f'{gan_loss!r}')
        if recon_balance not in (None, 'boxes'):
            raise ValueError(f"recon_balance must be None or 'boxes', got "
                             f'{recon_balance!r}')
        self.generator = build_generator(generator, residual)
        self.discriminator = MODELS.build(discriminator)
        self.gan_loss = gan_loss
        self.l1_weight = l1_weight
        self.identity_weight = identity_weight
        self.adversarial_weight = adversarial_weight
        self.recon_balance = recon_balance

    def init_weights(self) -> None:
        """Initialise G and D on their own.

        MMagic's ``generation_init_weights`` fails inside a parent's
        ``init_weights`` (once mmengine has tagged every submodule it logs
        an init message that it only defines for conv, linear and BN
        layers), so the parent's generic pass is skipped.
        """
        self.generator.init_weights()
        self.discriminator.init_weights()
        self._is_init = True

    @staticmethod
    def to_model_range(x) -> torch.Tensor:
        """uint8 [B, C, H, W] (or a list of [C, H, W]) -> [B, C, H, W] in
        [-1, 1] (the generator's tanh range). C is 1, or 2 for a generator
        told where to act (image + a 0/255 region mask, the
        normal -> abnormal cGAN)."""
        if isinstance(x, (list, tuple)):
            x = torch.stack(list(x))
        return x.float() / 127.5 - 1.0

    @staticmethod
    def to_uint8(x: torch.Tensor) -> torch.Tensor:
        return ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)

    def adversarial(self, logits: torch.Tensor,
                    real: bool) -> torch.Tensor:
        target = torch.full_like(logits, 1.0 if real else 0.0)
        if self.gan_loss == 'vanilla':
            return F.binary_cross_entropy_with_logits(logits, target)
        return F.mse_loss(logits, target)

    def reconstruction(self, fake: torch.Tensor, target: torch.Tensor,
                       mask: Optional[torch.Tensor]) -> torch.Tensor:
        """L1(G(input), target): the mean over pixels, or with
        ``recon_balance='boxes'`` the boxes and the rest at equal weight
        per image (an image without boxes: the plain mean)."""
        err = (fake - target).abs()  # [B, 1, H, W]
        if self.recon_balance is None:
            return err.mean()
        if mask is None:
            raise ValueError("recon_balance='boxes' needs the lesion boxes: "
                             'CGANPairDataset(box_mask=True)')
        return box_balanced_l1(err, mask).mean()

    def _set_requires_grad(self, module: nn.Module, flag: bool) -> None:
        for p in module.parameters():
            p.requires_grad_(flag)

    def train_step(self, data: dict,
                   optim_wrapper: OptimWrapperDict) -> Dict[str, torch.Tensor]:
        data = self.data_preprocessor(data, True)
        inputs = data['inputs']
        x = self.to_model_range(inputs['input'])
        target = self.to_model_range(inputs['target'])
        real = self.to_model_range(inputs['real'])
        log_vars = {}

        # D: real normals against G's outputs
        fake = self.generator(x)
        d_optim = optim_wrapper['discriminator']
        self._set_requires_grad(self.discriminator, True)
        with d_optim.optim_context(self.discriminator):
            loss_d = 0.5 * (
                self.adversarial(self.discriminator(real), True) +
                self.adversarial(self.discriminator(fake.detach()), False))
        d_optim.update_params(loss_d)
        log_vars['loss_d'] = loss_d.detach()

        # G: fool the (frozen) D, stay near the target, identity on normals
        g_optim = optim_wrapper['generator']
        self._set_requires_grad(self.discriminator, False)
        with g_optim.optim_context(self.generator):
            loss_gan = self.adversarial_weight * self.adversarial(
                self.discriminator(fake), True)
            mask = inputs.get('mask')
            if isinstance(mask, (list, tuple)):
                mask = torch.stack(list(mask))
            loss_l1 = self.l1_weight * self.reconstruction(fake, target,
                                                           mask)
            loss_g = loss_gan + loss_l1
            if self.identity_weight > 0:
                loss_id = self.identity_weight * F.l1_loss(
                    self.generator(real), real)
                loss_g = loss_g + loss_id
                log_vars['loss_identity'] = loss_id.detach()
        g_optim.update_params(loss_g)
        self._set_requires_grad(self.discriminator, True)
        log_vars.update(loss_g_gan=loss_gan.detach(),
                        loss_l1=loss_l1.detach(), loss_g=loss_g.detach())
        return log_vars

    @torch.no_grad()
    def translate(self, x: torch.Tensor,
                  target_domain: Optional[str] = None) -> torch.Tensor:
        """uint8 [B, C, H, W] -> uint8 [B, 1, H, W]: G's output (the
        interface the analysis tools share with CycleGAN and UNIT; a cGAN
        has one direction, ``target_domain`` is not used)."""
        return self(x, mode='predict')

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        """'tensor': G(input) in [-1, 1]; 'predict': uint8 images."""
        if isinstance(inputs, dict):
            inputs = inputs['input']
        out = self.generator(self.to_model_range(inputs))
        if mode == 'tensor':
            return out
        if mode == 'predict':
            return self.to_uint8(out)
        raise ValueError(f'PseudoNormalGAN trains through train_step; '
                         f'mode {mode!r} is not supported')
