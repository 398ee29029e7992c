from typing import Callable, Optional

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

from mmgranet.registry import MODELS


def load_image_generator(config: str, checkpoint: str,
                         size: Optional[int] = None
                         ) -> Callable[[np.ndarray], np.ndarray]:
    """A trained cGAN generator as an image function.

    The returned function takes a [H, W] uint8 image, runs G at ``size``
    (default: the config's training size, ``train_dataloader.dataset.size``)
    and returns G's output resized back to [H, W] uint8.
    """
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmgranet'))
    model = MODELS.build(cfg.model)
    load_checkpoint(model, checkpoint, map_location='cpu', logger='silent')
    model.eval()
    size = size or cfg.train_dataloader.dataset.size

    @torch.no_grad()
    def run(img: np.ndarray) -> np.ndarray:
        x = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
        y = model(torch.from_numpy(x)[None, None], mode='predict')[0, 0]
        return cv2.resize(y.numpy(), img.shape[::-1],
                          interpolation=cv2.INTER_CUBIC)

    return run
