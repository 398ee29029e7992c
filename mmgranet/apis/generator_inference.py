"""Trained generators, translators and detectors as functions of numpy
images, for the offline tools (any device, batched)."""
from typing import Callable, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

from mmgranet.fileio import check_checkpoint
from mmgranet.registry import MODELS

Images = Union[np.ndarray, Sequence[np.ndarray]]


def default_device() -> str:
    return 'cuda' if torch.cuda.is_available() else 'cpu'


def _build(config: str, checkpoint: str, device: Optional[str]):
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmgranet'))
    model = MODELS.build(cfg.model)
    check_checkpoint(checkpoint, f'checkpoint for {config}')
    load_checkpoint(model, checkpoint, map_location='cpu', logger='silent')
    model.eval()
    device = device or default_device()
    return cfg, model.to(device), device


def load_translator(config: str,
                    checkpoint: str,
                    target_domain: Optional[str] = None,
                    size: Optional[int] = None,
                    device: Optional[str] = None,
                    batch_size: int = 16,
                    full_size: str = 'change') -> Callable:
    """A trained translator (a PseudoNormalGAN cGAN, CycleGAN or UNIT) as
    a function: a list of uint8 [H, W] images (or [H, W, C], C input
    channels: image + region mask) -> a list of uint8 [H, W], run at
    ``size`` (default: the training size).

    Back at the input's size, ``full_size='change'`` returns x plus the
    change G made at its own size, upsampled: x + up(G(x_s) - x_s). The
    residual |x - G(x)| is then the one GRANet's attention sees (it
    compares x and G(x) at G's size), and a G that changes nothing
    returns x exactly. ``'output'`` resizes G(x_s) itself, which adds the
    resize round trip's own error (about 2 grey levels on mini-RSNA) to
    every residual.

    Args:
        config (str): The model's config.
        checkpoint (str): Its checkpoint.
        target_domain (str, optional): 'normal' or 'abnormal' for the
            unpaired models. Defaults to None (a cGAN's one direction).
        size (int, optional): Defaults to the config's dataset size.
        device (str, optional): Defaults to cuda when available.
        batch_size (int): Defaults to 16.
        full_size (str): 'change' or 'output', see above. Defaults to
            'change'.
    """
    if full_size not in ('change', 'output'):
        raise ValueError(f"full_size must be 'change' or 'output', got "
                         f'{full_size!r}')
    cfg, model, device = _build(config, checkpoint, device)
    size = size or cfg.train_dataloader.dataset.size

    def prepare(img: np.ndarray) -> torch.Tensor:
        small = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
        if small.ndim == 2:
            small = small[..., None]
        return torch.from_numpy(np.ascontiguousarray(
            small.transpose(2, 0, 1)))

    def back(out: np.ndarray, small: np.ndarray,
             img: np.ndarray) -> np.ndarray:
        shape = (img.shape[1], img.shape[0])
        if full_size == 'output':
            return cv2.resize(out, shape, interpolation=cv2.INTER_CUBIC)
        change = out.astype(np.float32) - small
        base = img if img.ndim == 2 else img[..., 0]
        up = cv2.resize(change, shape, interpolation=cv2.INTER_CUBIC)
        return np.clip(np.rint(base + up), 0, 255).astype(np.uint8)

    def run(images: Sequence[np.ndarray]) -> List[np.ndarray]:
        out = []
        for start in range(0, len(images), batch_size):
            batch = list(images[start:start + batch_size])
            x = torch.stack([prepare(i) for i in batch])
            y = model.translate(x.to(device),
                                target_domain)[:, 0].cpu().numpy()
            out += [back(o, s, i)
                    for o, s, i in zip(y, x[:, 0].numpy(), batch)]
        return out

    return run


def load_detector(config: str, checkpoint: str,
                  device: Optional[str] = None) -> Callable:
    """A trained mmgranet detector (RetinaNet†, GRANet, ...) as a function:
    a list of uint8 [H, W] images -> a list of (boxes [N, 4] xyxy in the
    images' pixels, scores [N]); each image is resized to the config's
    training size as its pipeline would."""
    from mmdet.structures import DetDataSample
    cfg, model, device = _build(config, checkpoint, device)
    load = next(t for t in cfg.test_dataloader.dataset.pipeline
                if t['type'] == 'LoadDicomFromFile')
    w, h = load['load_scale']

    @torch.no_grad()
    def run(images: Sequence[np.ndarray]
            ) -> List[Tuple[np.ndarray, np.ndarray]]:
        results = []
        for img in images:
            small = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)
            x = torch.from_numpy(np.repeat(small[None], 3, axis=0))
            sample = DetDataSample(metainfo=dict(
                img_shape=(h, w), ori_shape=img.shape[:2],
                scale_factor=(w / img.shape[1], h / img.shape[0]),
                pad_shape=(h, w), flip=False))
            data = model.data_preprocessor(
                dict(inputs=[x], data_samples=[sample]), False)
            pred = model(**data, mode='predict')[0].pred_instances
            results.append((pred.bboxes.cpu().numpy().reshape(-1, 4),
                            pred.scores.cpu().numpy()))
        return results

    return run


def load_image_generator(config: str,
                         checkpoint: str,
                         size: Optional[int] = None,
                         device: Optional[str] = None,
                         batch_size: int = 16,
                         full_size: str = 'change'
                         ) -> Callable[[Images], Images]:
    """A trained cGAN generator as an image function: a [H, W] uint8 image
    -> G's output [H, W] uint8, or a list of them -> a list
    (:func:`load_translator`, run at the training size by default, back at
    the input's size as ``full_size`` says). A
    GRANet checkpoint works too (its ``generator.*`` weights, the G
    fine-tuned inside GRANet) with the Abn2Nor config.
    """
    run = load_translator(config, checkpoint, size=size, device=device,
                          batch_size=batch_size, full_size=full_size)

    def call(images: Images) -> Images:
        if isinstance(images, np.ndarray) and images.ndim == 2:
            return run([images])[0]
        return run(list(images))

    return call
