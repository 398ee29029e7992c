import re
from typing import Dict

import torch
import torch.nn as nn
from mmpretrain.models.backbones import SEResNeXt as _SEResNeXt

from mmgranet.registry import MODELS

STEM_POOLS = ('pytorch', 'cadene')


@MODELS.register_module(name='SEResNeXt')
class SEResNeXt(_SEResNeXt):
    """mmpretrain's SE-ResNeXt with the stem pooling of the weights used.

    timm's ``seresnext101_32x4d`` pools its stem as mmpretrain does
    (3x3, stride 2, padding 1). Cadene's ``se_resnext101_32x4d`` (the
    paper's ref. [6] code; also timm's ``legacy_seresnext101_32x4d``)
    pools with ``ceil_mode=True`` and no padding: every layer after it
    sees a shifted grid, so its weights need its stem to give the outputs
    they were trained for. Convert either with
    ``tools/model_converters/seresnext_to_mmpretrain.py``.

    Args:
        stem_pool (str): 'pytorch' (timm's weights) or 'cadene' (Cadene's
            and timm's legacy weights). Defaults to 'pytorch'.
        *args, **kwargs: mmpretrain ``SEResNeXt`` arguments.
    """

    def __init__(self, *args, stem_pool: str = 'pytorch', **kwargs) -> None:
        if stem_pool not in STEM_POOLS:
            raise ValueError(f'stem_pool must be one of {STEM_POOLS}, got '
                             f'{stem_pool!r}')
        super().__init__(*args, **kwargs)
        self.stem_pool = stem_pool
        if stem_pool == 'cadene':
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=0,
                                        ceil_mode=True)


# (pattern, replacement) from each source's names to mmpretrain's
_RENAMES = {
    'timm': [(r'\.se\.fc1\.', '.se_layer.conv1.conv.'),
             (r'\.se\.fc2\.', '.se_layer.conv2.conv.')],
    'cadene': [(r'^layer0\.conv1\.', 'conv1.'), (r'^layer0\.bn1\.', 'bn1.'),
               (r'\.se_module\.fc1\.', '.se_layer.conv1.conv.'),
               (r'\.se_module\.fc2\.', '.se_layer.conv2.conv.')],
}
# the classifiers, which a backbone has no use for
_DROPPED = re.compile(r'^(fc|last_linear)\.')


def detect_seresnext_source(state: Dict[str, torch.Tensor]) -> str:
    """'timm' or 'cadene' (also timm's legacy model) from the key names."""
    if any(k.startswith('layer0.') or '.se_module.' in k for k in state):
        return 'cadene'
    if any('.se.fc1.' in k for k in state):
        return 'timm'
    raise ValueError('neither timm\'s (".se.fc1.") nor Cadene\'s '
                     '("layer0.", ".se_module.") SE-ResNeXt key names')


def convert_seresnext(state: Dict[str, torch.Tensor],
                      source: str = 'auto') -> Dict[str, torch.Tensor]:
    """A timm or Cadene SE-ResNeXt state dict in mmpretrain's key names
    (classifier dropped). Load it with ``stem_pool='cadene'`` when the
    source is Cadene's."""
    if source == 'auto':
        source = detect_seresnext_source(state)
    if source not in _RENAMES:
        raise ValueError(f"source must be 'timm', 'cadene' or 'auto', got "
                         f'{source!r}')
    out = {}
    for key, value in state.items():
        if _DROPPED.match(key):
            continue
        for pattern, repl in _RENAMES[source]:
            key = re.sub(pattern, repl, key)
        out[key] = value
    return out
