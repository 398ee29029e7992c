"""The unpaired image-to-image translators the paper compares its cGANs
with (section 4.2, fig. 3): MMagic's CycleGAN, and UNIT, which MMagic does
not have.

Shapes: B batch, C channels (1: gray radiographs), H/W image size, c the
encoders' latent channels; images in [-1, 1] inside the models.
"""
from typing import Dict, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmagic.models.editors.cyclegan import CycleGAN as _CycleGAN
from mmagic.models.editors.cyclegan.cyclegan_modules import \
    ResidualBlockWithDropout
from mmcv.cnn import ConvModule
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapperDict

from mmgranet.registry import MODELS


def _uint8(x: torch.Tensor) -> torch.Tensor:
    return ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


@MODELS.register_module(name='CycleGAN')
class CycleGAN(_CycleGAN):
    """MMagic's CycleGAN (Zhu et al. 2017), unchanged but for two things.

    ``init_weights`` initialises each generator and discriminator on its
    own: MMagic's ``generation_init_weights`` fails inside the model's
    generic pass on this stack (it logs an init message only defined for
    conv, linear and BN layers; :class:`PseudoNormalGAN` does the same).
    :meth:`translate` maps uint8 images to uint8 images, the interface the
    analysis tools share with the other generators.

    Args: as MMagic's ``CycleGAN`` (``generator``, ``discriminator``,
    ``default_domain``, ``reachable_domains``, ``related_domains``,
    ``data_preprocessor``, ``loss_config``, ...).
    """

    def init_weights(self) -> None:
        for domain in self._reachable_domains:
            self.get_module(self.generators)[domain].init_weights()
            self.get_module(self.discriminators)[domain].init_weights()
        self._is_init = True

    @torch.no_grad()
    def translate(self, x: torch.Tensor, target_domain: str) -> torch.Tensor:
        """uint8 [B, C, H, W] from the other domain -> uint8 [B, C, H, W]
        in ``target_domain``."""
        img = x.float() / 127.5 - 1
        return _uint8(self.get_module(self.generators)[target_domain](img))


def _block(in_ch, out_ch, kernel, stride=1, norm=True, act='ReLU',
           padding_mode='reflect'):
    return ConvModule(in_ch, out_ch, kernel, stride=stride,
                      padding=kernel // 2, padding_mode=padding_mode,
                      norm_cfg=dict(type='IN') if norm else None,
                      act_cfg=dict(type=act) if act else None)


class _Encoder(nn.Sequential):
    """x [B, C, H, W] -> [B, 4 c, H/4, W/4]: a 7x7 conv, two strided
    convs, residual blocks."""

    def __init__(self, in_channels: int, base: int, num_blocks: int):
        layers = [_block(in_channels, base, 7),
                  _block(base, base * 2, 3, stride=2),
                  _block(base * 2, base * 4, 3, stride=2)]
        layers += [ResidualBlockWithDropout(base * 4, padding_mode='reflect',
                                            norm_cfg=dict(type='IN'))
                   for _ in range(num_blocks)]
        super().__init__(*layers)


class _Decoder(nn.Sequential):
    """[B, 4 c, H/4, W/4] -> [B, C, H, W] in [-1, 1]."""

    def __init__(self, out_channels: int, base: int, num_blocks: int):
        layers = [ResidualBlockWithDropout(base * 4, padding_mode='reflect',
                                           norm_cfg=dict(type='IN'))
                  for _ in range(num_blocks)]
        for ch in (base * 4, base * 2):
            layers += [nn.Upsample(scale_factor=2, mode='nearest'),
                       _block(ch, ch // 2, 5)]
        layers += [_block(base, out_channels, 7, norm=False, act='Tanh')]
        super().__init__(*layers)


@MODELS.register_module()
class UNIT(BaseModel):
    """UNIT (Liu, Breuel and Kautz 2017): unpaired translation through a
    shared latent space, a VAE-GAN per domain.

    Each domain has an encoder E_d and a decoder G_d; the encoders' last
    residual block and the decoders' first are shared, which ties both
    domains to one latent code z (unit-variance Gaussian around E_d(x)).
    Losses (the paper's eq. 3-5, its weights): a VAE per domain (L1
    reconstruction ``recon`` + KL ``kl``), LSGAN with a PatchGAN per domain
    (``gan``), cycle-consistency through the other domain (L1 ``cycle`` +
    KL ``cycle_kl``). Built from mmcv's ``ConvModule`` and MMagic's
    residual block and PatchGAN.

    Data (``train_step``): ``inputs`` = {``img_<domain>``: uint8
    [B, C, H, W]} for both domains (the unpaired dataset's).

    Args:
        domains (Sequence[str]): The two domains. Defaults to
            ('abnormal', 'normal').
        in_channels (int): Defaults to 1.
        base_channels (int): c. Defaults to 32.
        num_blocks (int): Residual blocks per encoder and per decoder,
            the last / first shared. Defaults to 3.
        discriminator (dict, optional): Per domain. Defaults to MMagic's
            PatchGAN with ``base_channels`` channels.
        loss_weights (dict, optional): ``gan``, ``recon``, ``kl``,
            ``cycle``, ``cycle_kl``. Defaults to 1, 10, 0.01, 10, 0.01.
        data_preprocessor (dict, optional): Defaults to None.
        init_cfg (dict, optional): Defaults to None.
    """

    def __init__(self,
                 domains: Sequence[str] = ('abnormal', 'normal'),
                 in_channels: int = 1,
                 base_channels: int = 32,
                 num_blocks: int = 3,
                 discriminator: Optional[dict] = None,
                 loss_weights: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if len(domains) != 2 or num_blocks < 1:
            raise ValueError('UNIT translates between two domains with at '
                             'least one (shared) residual block')
        self.domains = tuple(domains)
        self.loss_weights = dict(dict(gan=1.0, recon=10.0, kl=0.01,
                                      cycle=10.0, cycle_kl=0.01),
                                 **(loss_weights or {}))
        disc = discriminator or dict(
            type='mmagic.PatchDiscriminator', in_channels=in_channels,
            base_channels=base_channels, num_conv=3)
        shared = base_channels * 4
        self.generators = nn.ModuleDict(dict(
            shared_encoder=ResidualBlockWithDropout(
                shared, padding_mode='reflect', norm_cfg=dict(type='IN')),
            shared_decoder=ResidualBlockWithDropout(
                shared, padding_mode='reflect', norm_cfg=dict(type='IN'))))
        for d in self.domains:
            self.generators[f'encoder_{d}'] = _Encoder(
                in_channels, base_channels, num_blocks - 1)
            self.generators[f'decoder_{d}'] = _Decoder(
                in_channels, base_channels, num_blocks - 1)
        self.discriminators = nn.ModuleDict(
            {d: MODELS.build(disc) for d in self.domains})

    def init_weights(self) -> None:
        """Normal(0, 0.02) convolutions, as CycleGAN's."""
        for m in self.generators.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, 0.0, 0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
        for d in self.domains:
            self.discriminators[d].init_weights()
        self._is_init = True

    def encode(self, x: torch.Tensor, domain: str) -> torch.Tensor:
        """[B, C, H, W] -> the latent mean [B, 4 c, H/4, W/4]."""
        g = self.generators
        return g['shared_encoder'](g[f'encoder_{domain}'](x))

    def decode(self, z: torch.Tensor, domain: str) -> torch.Tensor:
        g = self.generators
        return g[f'decoder_{domain}'](g['shared_decoder'](z))

    def _other(self, domain: str) -> str:
        return self.domains[1 - self.domains.index(domain)]

    @staticmethod
    def _lsgan(logits: torch.Tensor, real: bool) -> torch.Tensor:
        return F.mse_loss(logits, torch.full_like(logits, float(real)))

    def _images(self, data: dict) -> Dict[str, torch.Tensor]:
        inputs = data['inputs']
        out = {}
        for d in self.domains:
            x = inputs[f'img_{d}']
            if isinstance(x, (list, tuple)):
                x = torch.stack(list(x))
            out[d] = x.float() / 127.5 - 1
        return out

    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict
                   ) -> Dict[str, torch.Tensor]:
        data = self.data_preprocessor(data, True)
        x = self._images(data)
        w = self.loss_weights
        log: Dict[str, torch.Tensor] = {}

        # the discriminators: real images against translations
        d_optim = optim_wrapper['discriminators']
        with torch.no_grad():
            fake = {self._other(d): self.decode(
                self.encode(x[d], d), self._other(d)) for d in self.domains}
        with d_optim.optim_context(self.discriminators):
            loss_d = sum(0.5 * (
                self._lsgan(self.discriminators[d](x[d]), True) +
                self._lsgan(self.discriminators[d](fake[d]), False))
                for d in self.domains)
        d_optim.update_params(loss_d)
        log['loss_d'] = loss_d.detach()

        # encoders and decoders
        g_optim = optim_wrapper['generators']
        for p in self.discriminators.parameters():
            p.requires_grad_(False)
        with g_optim.optim_context(self.generators):
            losses = dict(gan=0, recon=0, kl=0, cycle=0, cycle_kl=0)
            for d in self.domains:
                o = self._other(d)
                mu = self.encode(x[d], d)  # [B, 4c, H/4, W/4]
                z = mu + torch.randn_like(mu)
                losses['recon'] += F.l1_loss(self.decode(z, d), x[d])
                losses['kl'] += mu.pow(2).mean()
                translated = self.decode(z, o)
                losses['gan'] += self._lsgan(
                    self.discriminators[o](translated), True)
                mu_back = self.encode(translated, o)
                losses['cycle_kl'] += mu_back.pow(2).mean()
                losses['cycle'] += F.l1_loss(
                    self.decode(mu_back + torch.randn_like(mu_back), d),
                    x[d])
            loss_g = sum(w[k] * v for k, v in losses.items())
        g_optim.update_params(loss_g)
        for p in self.discriminators.parameters():
            p.requires_grad_(True)
        log.update({f'loss_{k}': v.detach() for k, v in losses.items()})
        log['loss_g'] = loss_g.detach()
        return log

    @torch.no_grad()
    def translate(self, x: torch.Tensor, target_domain: str) -> torch.Tensor:
        """uint8 [B, C, H, W] of the other domain -> uint8 in
        ``target_domain`` (the latent mean, no sampling)."""
        source = self._other(target_domain)
        img = x.float() / 127.5 - 1
        return _uint8(self.decode(self.encode(img, source), target_domain))

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        raise NotImplementedError(
            'UNIT trains through train_step and translates with '
            'translate(x, target_domain)')
