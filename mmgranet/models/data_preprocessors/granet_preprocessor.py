from typing import Optional

import torch
import torch.nn.functional as F
from mmdet.models.data_preprocessors import DetDataPreprocessor

from mmgranet.registry import MODELS


@MODELS.register_module()
class GRANetDataPreprocessor(DetDataPreprocessor):
    """mmdet's DetDataPreprocessor that peels the generator's target off.

    ``LoadGeneratorTarget`` stacks each training image's target for G (the
    pseudo-normal, or the image itself for identity) as extra channels after
    the image's own, so that resize, flip and alignment move both together.
    Here those channels (every channel beyond ``image_channels``) become
    ``gen_target`` of the data sample (float, 0-255, padded like the
    batch), and the image goes through mmdet's normalisation as usual.
    Inputs with ``image_channels`` channels pass through unchanged (test
    time).

    Args:
        image_channels (int): Channels of the detector's input. Defaults
            to 3.
        **kwargs: :class:`mmdet.models.DetDataPreprocessor` arguments.
    """

    def __init__(self, image_channels: int = 3, **kwargs) -> None:
        super().__init__(**kwargs)
        self.image_channels = image_channels

    def forward(self, data: dict, training: bool = False) -> dict:
        inputs = data['inputs']
        targets: Optional[list] = None
        if any(t.shape[0] > self.image_channels for t in inputs):
            if not all(t.shape[0] > self.image_channels for t in inputs):
                raise ValueError(
                    'a batch mixes images with and without generator '
                    'targets; put LoadGeneratorTarget in the pipeline of '
                    'every sample')
            targets = [t[self.image_channels:] for t in inputs]
            data = dict(data, inputs=[t[:self.image_channels]
                                      for t in inputs])
        data = super().forward(data, training)
        if targets is not None:
            h, w = data['inputs'].shape[-2:]
            device = data['inputs'].device
            for sample, t in zip(data['data_samples'], targets):
                t = t[:1].to(device=device, dtype=torch.float32)
                t = F.pad(t, (0, w - t.shape[-1], 0, h - t.shape[-2]))
                sample.set_field(t, 'gen_target', field_type='data')
        return data
