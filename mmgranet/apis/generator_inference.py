from typing import Callable, List, Optional, Sequence, Union

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

from mmgranet.registry import MODELS

Images = Union[np.ndarray, Sequence[np.ndarray]]


def default_device() -> str:
    return 'cuda' if torch.cuda.is_available() else 'cpu'


def load_image_generator(config: str,
                         checkpoint: str,
                         size: Optional[int] = None,
                         device: Optional[str] = None,
                         batch_size: int = 16) -> Callable[[Images], Images]:
    """A trained cGAN generator as an image function.

    The returned function takes a [H, W] uint8 image, or a list of them
    (run in batches of ``batch_size``), runs G at ``size`` (default: the
    config's training size, ``train_dataloader.dataset.size``) on
    ``device`` and returns G's output resized back to each input's [H, W],
    uint8. A GRANet checkpoint works too (its ``generator.*`` weights, the
    G fine-tuned inside GRANet) with the Abn2Nor config.

    Args:
        config (str): A PseudoNormalGAN (cGAN) config.
        checkpoint (str): Its checkpoint (or a GRANet one).
        size (int, optional): The side G runs at. Defaults to None.
        device (str, optional): Defaults to 'cuda' when available, else
            'cpu'.
        batch_size (int): Images per forward pass. Defaults to 16.
    """
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmgranet'))
    device = device or default_device()
    model = MODELS.build(cfg.model)
    load_checkpoint(model, checkpoint, map_location='cpu', logger='silent')
    model.eval()
    model.to(device)
    size = size or cfg.train_dataloader.dataset.size

    @torch.no_grad()
    def run_batch(images: List[np.ndarray]) -> List[np.ndarray]:
        x = torch.stack([
            torch.from_numpy(cv2.resize(img, (size, size),
                                        interpolation=cv2.INTER_AREA))
            for img in images
        ])[:, None].to(device)
        y = model(x, mode='predict')[:, 0].cpu().numpy()
        return [cv2.resize(out, img.shape[::-1],
                           interpolation=cv2.INTER_CUBIC)
                for out, img in zip(y, images)]

    def run(images: Images) -> Images:
        if isinstance(images, np.ndarray) and images.ndim == 2:
            return run_batch([images])[0]
        images = list(images)
        out: List[np.ndarray] = []
        for start in range(0, len(images), batch_size):
            out += run_batch(images[start:start + batch_size])
        return out

    return run
