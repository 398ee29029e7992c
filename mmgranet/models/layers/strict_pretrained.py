import os.path as osp
from typing import Optional

from mmengine.logging import print_log
from mmengine.runner.checkpoint import _load_checkpoint

from mmgranet.fileio import InputError
from mmgranet.registry import WEIGHT_INITIALIZERS

CONVERTER = 'tools/model_converters/seresnext_to_mmpretrain.py'
# an ImageNet classifier's keys, which no backbone uses
CLASSIFIERS = ('fc.', 'last_linear.', 'classifier.')


@WEIGHT_INITIALIZERS.register_module(name='Pretrained')
class StrictPretrainedInit:
    """``Pretrained`` in the mmgranet scope: weights that load completely or
    not at all.

    mmengine's ``Pretrained`` init loads with ``strict=False``: a file whose
    keys do not match the module (timm's or Cadene's SE-ResNeXt names, a
    prefixed or wrapped file) loads nothing and training starts from
    random weights without an error. Registered under the same name in
    mmgranet's registry, this one is what every ``init_cfg=dict(type=
    'Pretrained', ...)`` builds when mmgranet is the default scope (every
    mmgranet config): every one of the module's keys must come from the
    file with its shape, and every key of the file must be used (but a
    classifier's: ``fc.``, ``last_linear.``, ``classifier.``); anything
    else, a missing or unreadable file, or a URL that cannot be fetched, is
    an :class:`InputError` naming the file, how many keys matched and the
    converter to use. Random initialisation is only ever what a config asks
    for (``init_cfg=None``). The name matters: mmengine applies an init
    called 'Pretrained' after the module's own initialisation (and
    mmpretrain's ResNet then skips its zero-init of the last BN), so
    nothing overwrites the loaded weights.

    ``prefix`` takes a sub-dict of a whole-model checkpoint (e.g.
    ``'backbone.'``).

    Args:
        checkpoint (str): A file, or a URL mmengine can fetch
            (``torchvision://resnet50``).
        prefix (str, optional): Use only the keys under this prefix, with
            it removed. Defaults to None.
        map_location (str): Defaults to 'cpu'.
    """

    def __init__(self, checkpoint: str, prefix: Optional[str] = None,
                 map_location: str = 'cpu') -> None:
        self.checkpoint = checkpoint
        self.prefix = prefix
        self.map_location = map_location

    def _fail(self, why: str) -> None:
        raise InputError(
            f'{self.checkpoint}: {why}. SE-ResNeXt ImageNet weights from '
            f'timm or Cadene\'s pretrainedmodels convert with {CONVERTER} '
            '(docs/rsna.md, "Weights"); for random weights set the '
            'backbone\'s init_cfg=None in the config') from None

    def __call__(self, module) -> None:
        remote = '://' in self.checkpoint
        if not remote and not osp.isfile(self.checkpoint):
            self._fail('no such file')
        try:
            ckpt = _load_checkpoint(self.checkpoint,
                                    map_location=self.map_location,
                                    logger='silent')
        except Exception as e:  # torch, pickle, zip and URL errors
            self._fail(f'cannot be read ({type(e).__name__}: {e})')
        state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) \
            else None
        if not isinstance(state, dict):
            self._fail('holds no state dict')
        if self.prefix:
            state = {k[len(self.prefix):]: v for k, v in state.items()
                     if k.startswith(self.prefix)}
        own = module.state_dict()
        matched = [k for k in own if k in state and
                   tuple(state[k].shape) == tuple(own[k].shape)]
        unused = [k for k in state if k not in own and
                  not k.startswith(CLASSIFIERS)]
        if len(matched) < len(own) or unused:
            missing = [k for k in own if k not in matched]
            self._fail(
                f'{len(matched)} of the {len(own)} keys of '
                f'{type(module).__name__} match (missing or of another '
                f'shape, e.g. {missing[:3]}; {len(unused)} keys of the file '
                f'unused, e.g. {unused[:3]})')
        module.load_state_dict({k: state[k] for k in own}, strict=True)
        print_log(f'{type(module).__name__}: all {len(own)} keys loaded '
                  f'from {self.checkpoint}', logger='current')
