import os.path as osp
import socket
import urllib.error
import warnings

from mmengine.logging import print_log
from mmengine.model.weight_init import PretrainedInit

from mmgranet.registry import WEIGHT_INITIALIZERS

_REMOTE = ('http://', 'https://', 'torchvision://', 'open-mmlab://',
           'openmmlab://', 'mmcls://', 'pavi://', 's3://')


@WEIGHT_INITIALIZERS.register_module(name='PretrainedOrWarn')
class PretrainedOrWarnInit(PretrainedInit):
    """mmengine's ``Pretrained`` init that survives a machine offline.

    ImageNet weights are a convenience, not a requirement: a local
    checkpoint that does not exist, or a URL (``https://``,
    ``torchvision://``, ...) that cannot be fetched, leaves the module's
    random initialisation in place with a warning that names the
    checkpoint. A local file that exists but cannot be read is still an
    error.

    Use as ``init_cfg=dict(type='PretrainedOrWarn', checkpoint=...,
    prefix='backbone.')``.
    """

    def __call__(self, module) -> None:
        remote = self.checkpoint.startswith(_REMOTE)
        if not remote and not osp.isfile(self.checkpoint):
            self._warn(module, 'no such file')
            return
        try:
            super().__call__(module)
        except (urllib.error.URLError, socket.error, ConnectionError,
                TimeoutError) as e:
            if not remote:
                raise
            self._warn(module, f'cannot be fetched ({e})')

    def _warn(self, module, why: str) -> None:
        msg = (f'pretrained weights {self.checkpoint!r} for '
               f'{module.__class__.__name__}: {why}; keeping the random '
               'initialisation')
        warnings.warn(msg)
        print_log(msg, logger='current', level=30)
