import copy
import math
from contextlib import contextmanager, nullcontext
from typing import Dict, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.models.detectors import BaseDetector
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapperDict

from mmgranet.fileio import InputError, read_checkpoint
from mmgranet.registry import MODELS
from ..generators import box_balanced_l1, build_generator

PHASES = ('detector', 'generator', 'joint')
# the subnets each phase freezes
FROZEN = {'detector': ('generator', 'discriminator'),
          'generator': ('detector', ), 'joint': ()}


class _ScaleGrad(torch.autograd.Function):
    """Identity forward; the gradient is multiplied by ``scale``."""

    @staticmethod
    def forward(ctx, x, scale):
        ctx.scale = scale
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.scale, None


def _unwrap(module: nn.Module) -> nn.Module:
    return module.module if is_model_wrapper(module) else module


@MODELS.register_module()
class GRANet(BaseDetector):
    """Generative residual attention network (paper section 2.1).

    Shapes: B batch, C image channels (+1: G's target while training, see
    :class:`GRANetDataPreprocessor`), H/W the input size, h/w the size G
    runs at (``generator_size``), L pyramid levels, F_l [B, C_l, H_l, W_l]
    the detector's neck outputs.

    Wraps an mmdet detector and the Abn2Nor generator G. The residual
    I_r = |x - G(x)| between the (de-normalised) input and its pseudo-normal
    weights the detector's pyramid features through a
    :class:`ResidualAttentionNeck` (the detector's neck is wrapped
    automatically). Any detector whose ``extract_feat`` calls ``self.neck``
    works: RetinaNet, Mask R-CNN, Faster R-CNN, ...

    G runs on the first image channel mapped to [-1, 1] (the cGANs'
    range) at ``generator_size`` (None, or larger than the input: the
    input's size); the residual is
    computed at that size and each pyramid level gets it resized. I_r is in
    [0, 1] (images in [0, 1]).

    Training has three phases (:class:`AlternatingEpochBasedTrainLoop` sets
    them; :meth:`set_phase`):

    - 'detector': G frozen, the detector learns from its losses;
    - 'generator': the detector frozen, G learns from
      ``recon_weight * L1(G(x), target)`` on abnormal images (eq. 3, target
      = the pseudo-normal G_realistic(I_b(x)) from ``LoadGeneratorTarget``),
      ``identity_weight * L1(G(y), y)`` on images without lesions, and
      ``lambda_det`` times the detection loss, which reaches G through the
      attention;
    - 'joint': both every iteration.

    Frozen means ``requires_grad`` off (parameters the config freezes, e.g.
    a backbone's stem, stay frozen), the subnet in eval mode (BatchNorm
    statistics untouched, dropout off) and not stepped; under DDP the
    frozen subnet's forward runs without gradient synchronisation.

    Args:
        detector (dict): An mmdet detector config. Its
            ``data_preprocessor`` is used when ``data_preprocessor`` is None.
        generator (dict): G's config, e.g. ``dict(type=
            'mmagic.ResnetGenerator', in_channels=1, out_channels=1, ...)``
            - the Abn2Nor config's ``model.generator``.
        generator_checkpoint (str, optional): The Abn2Nor checkpoint
            (``configs/cgan/abn2nor_*``). Loaded by :meth:`init_weights`,
            i.e. when training starts; a GRANet checkpoint carries G itself.
        generator_size (int, optional): The longer side G runs at (the
            aspect ratio is kept). Defaults to None.
        residual_generator (bool): G is x + D(x) (:class:`ResidualGenerator`),
            as the Abn2Nor config's ``model.residual``. Defaults to False.
        attention (dict, optional): Arguments of the attention neck
            (:class:`ResidualAttentionNeck`). Defaults to None (its
            defaults).
        recon_weight (float): Defaults to 1.0.
        recon_balance (str, optional): None (eq. 3's mean over pixels) or
            'boxes': on images with lesions, the pixels inside and outside
            the (augmented) boxes at equal weight, as the Abn2Nor stage's
            ``recon_balance`` (keep them equal: G's phases then continue
            the objective G was trained with). Defaults to None.
        identity_weight (float): Defaults to 1.0.
        lambda_det (float): Weight of the detection loss in G's update.
            Defaults to 1.0.
        discriminator (dict, optional): The Abn2Nor PatchGAN, for eq. 3's
            adversarial term in G's phase (loaded from the Abn2Nor
            checkpoint, trained on the batch's lesion-free images as
            reals against G's pseudo-normals; optimizer key
            ``discriminator``). Defaults to None (no adversarial term).
        adversarial_weight (float): Weight of that term in G's loss.
            Defaults to 0.
        phase (str): The phase when no loop sets one. Defaults to 'joint'.
        data_preprocessor (dict, optional): Defaults to the detector's,
            as a :class:`GRANetDataPreprocessor`.
        init_cfg (dict, optional): Defaults to None.
    """

    def __init__(self,
                 detector: dict,
                 generator: dict,
                 generator_checkpoint: Optional[str] = None,
                 generator_size: Optional[int] = None,
                 residual_generator: bool = False,
                 attention: Optional[dict] = None,
                 recon_weight: float = 1.0,
                 recon_balance: Optional[str] = None,
                 identity_weight: float = 1.0,
                 lambda_det: float = 1.0,
                 discriminator: Optional[dict] = None,
                 adversarial_weight: float = 0.0,
                 phase: str = 'joint',
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        detector = copy.deepcopy(detector)
        det_preprocessor = detector.pop('data_preprocessor', None)
        if data_preprocessor is None:
            if det_preprocessor is None:
                raise ValueError('GRANet needs a data_preprocessor (its own '
                                 'or the detector\'s)')
            data_preprocessor = dict(det_preprocessor)
            data_preprocessor['type'] = 'GRANetDataPreprocessor'
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        neck = detector.get('neck')
        if neck is None:
            raise ValueError('GRANet applies its attention to the '
                             'detector\'s neck outputs; the detector has no '
                             'neck')
        if isinstance(neck, dict) and neck.get('type') not in (
                'ResidualAttentionNeck', 'mmgranet.ResidualAttentionNeck'):
            detector['neck'] = dict(type='mmgranet.ResidualAttentionNeck',
                                    neck=neck, **(attention or {}))
        self.detector = MODELS.build(detector)
        self.generator = build_generator(generator, residual_generator)
        self.generator_checkpoint = generator_checkpoint
        self.generator_size = generator_size
        if recon_balance not in (None, 'boxes'):
            raise ValueError(f"recon_balance must be None or 'boxes', got "
                             f'{recon_balance!r}')
        self.recon_weight = recon_weight
        self.recon_balance = recon_balance
        self.identity_weight = identity_weight
        self.lambda_det = lambda_det
        if adversarial_weight > 0 and discriminator is None:
            raise ValueError('adversarial_weight > 0 needs the '
                             'discriminator (the Abn2Nor config\'s)')
        self.discriminator = MODELS.build(discriminator) \
            if discriminator is not None else None
        self.adversarial_weight = adversarial_weight
        self._fakes = None  # (G(x), reals) of the last G step, for D
        self._trainable = {n: p.requires_grad
                           for n, p in self.named_parameters()}
        self.phase = None
        self.set_phase(phase)

    # ------------------------------------------------------------ weights
    def init_weights(self) -> None:
        """Initialise the detector; load G from the Abn2Nor checkpoint."""
        _unwrap(self.detector).init_weights()
        if self.generator_checkpoint is None:
            # a fresh G would make the attention noise; say what is missing
            raise InputError(
                'GRANet: model.generator_checkpoint is not set. G comes from '
                'the Abn2Nor cGAN (paper eq. 3): train it with tools/train.py '
                'configs/cgan/abn2nor_*.py and point generator_checkpoint at '
                'its checkpoint')
        self.load_generator(self.generator_checkpoint)
        self._is_init = True

    def load_generator(self, checkpoint: str) -> None:
        ckpt = read_checkpoint(
            checkpoint, 'Abn2Nor checkpoint',
            'made by the Abn2Nor stage: tools/train.py '
            'configs/cgan/abn2nor_*.py; make demo runs it on mini-RSNA')
        state = ckpt.get('state_dict', ckpt)
        weights = {k[len('generator.'):]: v for k, v in state.items()
                   if k.startswith('generator.')}
        if not weights:
            raise InputError(f'{checkpoint}: no generator.* weights; not a '
                             'PseudoNormalGAN (Abn2Nor) checkpoint')
        if self.discriminator is not None:
            d_weights = {k[len('discriminator.'):]: v
                         for k, v in state.items()
                         if k.startswith('discriminator.')}
            if not d_weights:
                raise InputError(f'{checkpoint}: no discriminator.* weights '
                                 'for the adversarial term')
            _unwrap(self.discriminator).load_state_dict(d_weights,
                                                        strict=True)
        try:
            _unwrap(self.generator).load_state_dict(weights, strict=True)
        except RuntimeError as e:
            raise InputError(
                f'{checkpoint}: the generator in the config does not match '
                f'the checkpoint\'s (base_channels, num_blocks, or '
                f'residual_generator as the Abn2Nor config\'s '
                f'model.residual?): {e}'
            ) from None

    # ------------------------------------------------------------- phases
    def set_phase(self, phase: str) -> None:
        """'detector', 'generator' or 'joint'; see the class docstring."""
        if phase not in PHASES:
            raise ValueError(f'phase must be one of {PHASES}, got {phase!r}')
        self.phase = phase
        for name, p in self.named_parameters():
            sub = name.split('.', 1)[0]
            p.requires_grad_(self._trainable.get(name, True)
                             and sub not in self.frozen)
        self.train(self.training)

    @property
    def frozen(self) -> Tuple[str, ...]:
        return FROZEN[self.phase]

    def train(self, mode: bool = True):
        super().train(mode)
        if mode:
            for name in self.frozen:
                if getattr(self, name) is not None:
                    getattr(self, name).eval()
        return self

    # ----------------------------------------------------------- residual
    def _image01(self, inputs: torch.Tensor) -> torch.Tensor:
        """The first channel of the normalised batch, back in [0, 1]."""
        x = inputs[:, :1].float()
        pre = self.data_preprocessor
        if getattr(pre, '_enable_normalize', False):
            x = x * pre.std[:1].view(1, 1, 1, 1) + pre.mean[:1].view(
                1, 1, 1, 1)
        return (x / 255.0).clamp(0, 1)

    def _to_generator_size(self, img: torch.Tensor) -> torch.Tensor:
        # G only ever runs smaller than the input (area downsampling)
        if self.generator_size is None or \
                max(img.shape[-2:]) <= self.generator_size:
            return img
        h, w = img.shape[-2:]
        scale = self.generator_size / max(h, w)  # the longer side, aspect
        return F.interpolate(img, size=(round(h * scale), round(w * scale)),
                             mode='area')

    def generate(self, inputs: torch.Tensor
                 ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(x, G(x), |x - G(x)|), [B, 1, h, w] in [0, 1] at G's size."""
        x = self._to_generator_size(self._image01(inputs))  # [B, 1, h, w]
        with self._sync_context('generator'):
            g = (self.generator(x * 2 - 1) + 1) / 2  # [B, 1, h, w]
        return x, g, (x - g).abs()  # I_r [B, 1, h, w]

    @contextmanager
    def _attending(self, residual: Optional[torch.Tensor]):
        neck = _unwrap(self.detector).neck
        with neck.attending(residual):
            yield

    def _sync_context(self, name: str):
        """A frozen subnet wrapped in DDP runs without gradient sync."""
        module = getattr(self, name)
        if name in self.frozen and hasattr(module, 'no_sync'):
            return module.no_sync()
        return nullcontext()

    def _detector(self, inputs, data_samples, mode):
        with self._sync_context('detector'):
            return self.detector(inputs, data_samples, mode=mode)

    # ------------------------------------------------------------- losses
    def _box_masks(self, data_samples, shape, scale) -> torch.Tensor:
        """[B, 1, h, w] float, 1 inside each sample's gt boxes (input
        pixels times ``scale`` (sy, sx): G's size)."""
        h, w = shape
        masks = torch.zeros(len(data_samples), 1, h, w)
        for i, s in enumerate(data_samples):
            boxes = s.gt_instances.bboxes
            boxes = getattr(boxes, 'tensor', boxes).detach().cpu()
            for x1, y1, x2, y2 in boxes.tolist():
                masks[i, :, max(0, int(y1 * scale[0])):
                      min(h, int(math.ceil(y2 * scale[0]))),
                      max(0, int(x1 * scale[1])):
                      min(w, int(math.ceil(x2 * scale[1])))] = 1
        return masks

    def _generator_losses(self, x: torch.Tensor, g: torch.Tensor,
                          data_samples, scale=(1.0, 1.0)
                          ) -> Dict[str, torch.Tensor]:
        if not all(hasattr(s, 'gen_target') for s in data_samples):
            raise InputError(
                'GRANet: G is being trained but the batch has no generator '
                'targets; add LoadGeneratorTarget to the train pipeline')
        target = torch.stack([s.gen_target for s in data_samples]) / 255.0
        target = self._to_generator_size(target)
        kind = torch.tensor([float(s.metainfo.get('gen_target_kind',
                                                  'identity') == 'pseudo')
                             for s in data_samples], device=x.device)
        diff = (g - target).abs()  # [B, 1, h, w]
        err = diff.flatten(1).mean(dim=1)
        if self.recon_balance == 'boxes':
            inside = self._box_masks(data_samples, g.shape[-2:],
                                     scale).to(diff.device)
            # lesion images only; an identity target keeps the plain mean
            err = torch.where(kind > 0, box_balanced_l1(diff, inside), err)
        losses = {}
        n_pseudo = kind.sum()
        n_id = len(kind) - n_pseudo
        losses['loss_g_recon'] = self.recon_weight * (err * kind).sum() / \
            n_pseudo.clamp(min=1)
        losses['loss_g_identity'] = self.identity_weight * (
            err * (1 - kind)).sum() / n_id.clamp(min=1)
        if self.discriminator is not None and self.adversarial_weight > 0:
            fakes = g[kind > 0] * 2 - 1  # [P, 1, h, w] pseudo-normals
            reals = x[kind == 0] * 2 - 1  # lesion-free images of the batch
            if len(fakes):
                for p in self.discriminator.parameters():
                    p.requires_grad_(False)  # G's step does not move D
                logits = self.discriminator(fakes)
                for name, p in self.discriminator.named_parameters():
                    p.requires_grad_(self._trainable.get(
                        f'discriminator.{name}', True))
                losses['loss_g_adv'] = self.adversarial_weight * \
                    F.binary_cross_entropy_with_logits(
                        logits, torch.ones_like(logits))
                self._fakes = (fakes.detach(), reals.detach())
        return losses

    def _discriminator_step(self, optim_wrapper) -> Dict[str, torch.Tensor]:
        """eq. 3's D after G's step: the batch's lesion-free images are
        real, G's pseudo-normals fake (vanilla GAN loss, as the cGANs')."""
        fakes, reals = self._fakes
        self._fakes = None
        if not len(reals):
            return {}
        d_optim = optim_wrapper['discriminator']
        with d_optim.optim_context(self.discriminator):
            real_logits = self.discriminator(reals)
            fake_logits = self.discriminator(fakes)
            loss_d = 0.5 * (
                F.binary_cross_entropy_with_logits(
                    real_logits, torch.ones_like(real_logits)) +
                F.binary_cross_entropy_with_logits(
                    fake_logits, torch.zeros_like(fake_logits)))
        d_optim.update_params(loss_d)
        return dict(loss_d=loss_d.detach())

    def loss(self, batch_inputs: torch.Tensor, batch_data_samples) -> dict:
        """Detection losses (+ G's, unless G is frozen)."""
        train_g = 'generator' not in self.frozen
        with (nullcontext() if train_g else torch.no_grad()):
            x, g, residual = self.generate(batch_inputs)
        losses = {}
        if train_g:
            scale = (g.shape[-2] / batch_inputs.shape[-2],
                     g.shape[-1] / batch_inputs.shape[-1])
            losses.update(self._generator_losses(x, g, batch_data_samples,
                                                 scale))
            if self.lambda_det != 1.0:
                residual = _ScaleGrad.apply(residual, self.lambda_det)
        with self._attending(residual):
            losses.update(self._detector(batch_inputs, batch_data_samples,
                                         'loss'))
        return losses

    def train_step(self, data, optim_wrapper: OptimWrapperDict
                   ) -> Dict[str, torch.Tensor]:
        """One iteration of the current phase: the frozen subnet's
        optimizer is not touched."""
        if not isinstance(optim_wrapper, OptimWrapperDict):
            raise TypeError('GRANet trains with an OptimWrapperDict with keys'
                            ' detector and generator (optim_wrapper = dict('
                            'constructor=\'mmagic.MultiOptimWrapperConstructor'
                            '\', detector=..., generator=...))')
        active = [n for n in ('detector', 'generator')
                  if n not in self.frozen]
        wrappers = [optim_wrapper[n] for n in active]
        ctxs = [w.optim_context(getattr(self, n))
                for n, w in zip(active, wrappers)]
        with ctxs[0], (ctxs[1] if len(ctxs) > 1 else nullcontext()):
            data = self.data_preprocessor(data, True)
            losses = self._run_forward(data, mode='loss')
        parsed, log_vars = self.parse_losses(losses)
        if len(wrappers) == 1:
            wrappers[0].update_params(parsed)
        else:
            self._joint_update(parsed, wrappers)
        if self._fakes is not None:
            log_vars.update(self._discriminator_step(optim_wrapper))
        return log_vars

    @staticmethod
    def _joint_update(loss: torch.Tensor, wrappers) -> None:
        """One backward, then both optimizers step. Under AMP the first
        wrapper's loss scaler serves both (PyTorch's recipe for several
        optimizers: scale once, unscale and step each, update once); two
        scalers could not both unscale the one backward's gradients."""
        scaler = getattr(wrappers[0], 'loss_scaler', None)
        if scaler is None:
            wrappers[0].backward(loss)
            for w in wrappers:
                w.step()
                w.zero_grad()
            return
        scaler.scale(loss).backward()
        for w in wrappers:
            w._inner_count += 1
            if w.clip_grad_kwargs:
                scaler.unscale_(w.optimizer)
                w._clip_grad()
            scaler.step(w.optimizer)
        scaler.update(wrappers[0]._scale_update_param)
        for w in wrappers:
            w.zero_grad()

    # ---------------------------------------------------------- inference
    def predict(self, batch_inputs, batch_data_samples, rescale=True):
        """Detections (in original pixels with ``rescale``); each sample
        also gets ``gen_output`` and ``residual`` ([1, h, w], [0, 1])."""
        x, g, residual = self.generate(batch_inputs)
        with self._attending(residual):
            samples = _unwrap(self.detector).predict(
                batch_inputs, batch_data_samples, rescale=rescale)
        for s, gi, ri in zip(samples, g, residual):
            s.set_field(gi.detach(), 'gen_output', field_type='data')
            s.set_field(ri.detach(), 'residual', field_type='data')
        return samples

    def _forward(self, batch_inputs, batch_data_samples=None):
        x, g, residual = self.generate(batch_inputs)
        with self._attending(residual):
            return self.detector(batch_inputs, batch_data_samples,
                                 mode='tensor')

    def extract_feat(self, batch_inputs: torch.Tensor):
        x, g, residual = self.generate(batch_inputs)
        with self._attending(residual):
            return _unwrap(self.detector).extract_feat(batch_inputs)
