import math
import os.path as osp
import warnings
from types import MappingProxyType
from typing import Dict, List, Mapping, Optional, Union

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel

from mmgranet.fileio import InputError, read_dicom
from mmgranet.registry import MODELS
from mmgranet.structures import scale_affine, theta_to_pixel

# Shorthand: B batch, H/W the aligner's input size, R the reference.


def load_gray(path: str, size: int) -> np.ndarray:
    """[size, size] float32 in [0, 1] from a DICOM or an image file."""
    if path.endswith('.dcm'):
        img = read_dicom(path)
    else:
        img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise FileNotFoundError(f'{path}: cannot read the reference '
                                    'image')
    if img.ndim == 3:
        img = img[..., 0]
    return cv2.resize(img, (size, size),
                      interpolation=cv2.INTER_AREA).astype(np.float32) / 255


def gray_array(img: np.ndarray, size: int) -> np.ndarray:
    """[size, size] float32 in [0, 1] from a gray or colour array (uint8
    in [0, 255], float in [0, 1]) of any size."""
    img = np.asarray(img)
    scale = 255.0 if img.dtype == np.uint8 else 1.0
    img = img.astype(np.float32).squeeze()
    if img.ndim == 3:
        img = img.mean(axis=2)
    if img.ndim != 2:
        raise ValueError(f'reference of shape {img.shape} is not an image')
    return cv2.resize(img, (size, size),
                      interpolation=cv2.INTER_AREA) / scale


class VGGFeatures(nn.Module):
    """VGG16 up to relu2_2 and relu3_3 (Johnson et al.'s feature loss).

    ``weights``: a torchvision VGG16 state-dict file (``vgg16-397923af.pth``
    from torchvision's model zoo, also what ``torchvision://vgg16`` fetches
    when online), checked strictly: every one of the 14 tensors of those
    layers must load, else an :class:`InputError` names the file and the
    count. None keeps random weights with a warning (only where a config
    asks for it: a random-feature reconstruction loss still trains).
    """

    def __init__(self, weights: Optional[str] = None) -> None:
        super().__init__()
        from torchvision.models import vgg16
        features = vgg16(weights=None).features[:16]
        if weights:
            features.load_state_dict(self._read(weights, features),
                                     strict=True)
        else:
            warnings.warn('STNAligner: no VGG16 weights given '
                          '(perceptual.vgg_weights); the perceptual loss '
                          'uses randomly initialised VGG16 features')
        self.slices = nn.ModuleList([features[:9], features[9:16]])
        for p in self.parameters():
            p.requires_grad_(False)
        self.register_buffer('mean', torch.tensor(
            [0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer('std', torch.tensor(
            [0.229, 0.224, 0.225]).view(1, 3, 1, 1))

    @staticmethod
    def _read(weights: str, features: nn.Module) -> dict:
        if weights.startswith('torchvision://'):
            from torch.hub import load_state_dict_from_url
            from torchvision.models import VGG16_Weights
            try:
                state = load_state_dict_from_url(
                    VGG16_Weights.IMAGENET1K_V1.url, map_location='cpu')
            except Exception as e:
                raise InputError(
                    f'{weights}: cannot be fetched ({e}); offline, give the '
                    'path of a downloaded vgg16-397923af.pth') from None
        else:
            if not osp.isfile(weights):
                raise InputError(f'{weights}: VGG16 weights not found')
            try:
                state = torch.load(weights, map_location='cpu',
                                   weights_only=True)
            except Exception as e:
                raise InputError(f'{weights}: not a readable state dict '
                                 f'({type(e).__name__}: {e})') from None
        if isinstance(state, dict) and isinstance(state.get('state_dict'),
                                                  dict):
            state = state['state_dict']
        own = features.state_dict()
        found = {k[len('features.'):]: v for k, v in state.items()
                 if k.startswith('features.')
                 and k[len('features.'):] in own}
        matched = [k for k in own if k in found and
                   found[k].shape == own[k].shape]
        if len(matched) < len(own):
            raise InputError(
                f'{weights}: {len(matched)} of the {len(own)} VGG16 '
                'tensors (features.0 .. features.14) found; expected '
                "torchvision's vgg16 state dict (vgg16-397923af.pth)")
        return found

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        x = (x.expand(-1, 3, -1, -1) - self.mean) / self.std
        out = []
        for block in self.slices:
            x = block(x)
            out.append(x)
        return out


@MODELS.register_module()
class STNAligner(BaseModel):
    """Spatial transformer aligning radiographs to a reference (paper 2.2).

    A ResNet18 sees the image and the reference R side by side (2 channels)
    and regresses an affine theta, initialised to the identity; the image
    is warped with ``grid_sample``. Loss (paper eq. 1): the perceptual
    feature reconstruction loss of VGG16 (relu2_2, relu3_3) plus the L2
    distance between the warped image and R.

    With ``bounds`` the six outputs are squashed (tanh) into translation,
    rotation, per-axis scale and shear ranges, so training cannot collapse
    the image.

    Args:
        reference (str | np.ndarray): R: a DICOM or image file, or an
            array; converted to gray and resized to ``input_size``.
        input_size (int): Side of the square the aligner works at.
            Defaults to 256.
        backbone (dict): Defaults to mmdet's ResNet18 with 2 input channels.
        perceptual (dict): ``vgg_weights`` (a torchvision VGG16 state-dict
            file, or None) and ``weight``. Defaults to
            ``dict(vgg_weights=None, weight=1.0)``.
        l2_weight (float): Defaults to 1.0.
        bounds (dict, optional): ``translation`` (fraction of the side),
            ``rotation`` (degrees), ``scale`` (max factor), ``shear``.
            Defaults to 0.25, 20, 1.3, 0.2.
        data_preprocessor (dict, optional): Defaults to mmengine's
            ``BaseDataPreprocessor``.
        init_cfg (dict, optional): Defaults to None.
    """

    def __init__(self,
                 reference: Union[str, np.ndarray],
                 input_size: int = 256,
                 backbone: Optional[dict] = None,
                 perceptual: Optional[dict] = None,
                 l2_weight: float = 1.0,
                 bounds: Optional[Mapping] = MappingProxyType(dict(
                     translation=0.25, rotation=20.0, scale=1.3, shear=0.2)),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.input_size = input_size
        ref = load_gray(reference, input_size) if isinstance(
            reference, str) else gray_array(reference, input_size)
        self.register_buffer('reference',
                             torch.as_tensor(ref, dtype=torch.float32)[None,
                                                                       None])
        backbone = backbone or dict(
            type='mmdet.ResNet', depth=18, in_channels=2, out_indices=(3, ),
            norm_eval=False, init_cfg=None)
        self.backbone = MODELS.build(backbone)
        self.head = nn.Linear(512, 6)
        perceptual = dict(dict(vgg_weights=None, weight=1.0),
                          **(perceptual or {}))
        self.perceptual_weight = perceptual['weight']
        self.vgg = VGGFeatures(perceptual['vgg_weights']) \
            if self.perceptual_weight > 0 else None
        self.l2_weight = l2_weight
        self.bounds = None if bounds is None else dict(bounds)
        self._zero_head()

    def _zero_head(self) -> None:
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def init_weights(self) -> None:
        super().init_weights()
        self._zero_head()  # identity at initialisation, whatever init_cfg

    def theta(self, raw: torch.Tensor) -> torch.Tensor:
        """[B, 6] network outputs -> [B, 2, 3] theta (identity at 0)."""
        if self.bounds is None:
            eye = torch.eye(2, 3, device=raw.device, dtype=raw.dtype)
            return eye + raw.view(-1, 2, 3)
        b = self.bounds
        t = torch.tanh(raw)
        tx, ty = 2 * b['translation'] * t[:, 0], 2 * b['translation'] * t[:, 1]
        angle = math.radians(b['rotation']) * t[:, 2]
        sx = torch.exp(math.log(b['scale']) * t[:, 3])
        sy = torch.exp(math.log(b['scale']) * t[:, 4])
        shear = b['shear'] * t[:, 5]
        cos, sin = torch.cos(angle), torch.sin(angle)
        # rotation @ shear @ scale
        a11 = cos * sx
        a12 = (cos * shear - sin) * sy
        a21 = sin * sx
        a22 = (sin * shear + cos) * sy
        return torch.stack([torch.stack([a11, a12, tx], 1),
                            torch.stack([a21, a22, ty], 1)], 1)

    def _prepare(self, inputs) -> torch.Tensor:
        """uint8 [B, C, h, w] (or a list) -> [B, 1, H, W] in [0, 1]."""
        if isinstance(inputs, (list, tuple)):
            inputs = torch.stack([i.float() for i in inputs])
        x = inputs.float()[:, :1] / 255.0
        if x.shape[-2:] != (self.input_size, self.input_size):
            x = F.interpolate(x, size=(self.input_size, ) * 2,
                              mode='bilinear', align_corners=False)
        return x.to(self.reference.device)

    def warp(self, x: torch.Tensor):
        """[B, 1, H, W] -> (warped [B, 1, H, W], theta [B, 2, 3])."""
        ref = self.reference.expand(x.shape[0], -1, -1, -1)
        feat = self.backbone(torch.cat([x, ref], dim=1))[-1]
        theta = self.theta(self.head(feat.mean(dim=(2, 3))))
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, align_corners=False,
                             padding_mode='zeros'), theta

    def loss_terms(self, warped: torch.Tensor) -> Dict[str, torch.Tensor]:
        ref = self.reference.expand(warped.shape[0], -1, -1, -1)
        losses = dict(loss_l2=self.l2_weight * F.mse_loss(warped, ref))
        if self.vgg is not None:
            feats_w, feats_r = self.vgg(warped), self.vgg(ref)
            losses['loss_perceptual'] = self.perceptual_weight * sum(
                F.mse_loss(a, b) for a, b in zip(feats_w, feats_r))
        return losses

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        x = self._prepare(inputs)
        warped, theta = self.warp(x)
        if mode == 'loss':
            return self.loss_terms(warped)
        if mode == 'tensor':
            return theta
        if mode != 'predict':
            raise ValueError(f'unknown mode {mode!r}')
        out = []
        for i, sample in enumerate(data_samples or [{}] * len(x)):
            meta = sample.metainfo if hasattr(sample, 'metainfo') else sample
            size = (self.input_size, self.input_size)
            m = theta_to_pixel(theta[i].detach().cpu().double().numpy(),
                               size, size)
            # the same map in original pixels (the sample's ori_shape)
            ori = meta.get('ori_shape', size)
            m = scale_affine(m, ori[1] / size[1], ori[0] / size[0])
            out.append(dict(align_matrix=m, patient_id=meta.get(
                'patient_id'), warped=warped[i, 0].detach().cpu().numpy()))
        return out
