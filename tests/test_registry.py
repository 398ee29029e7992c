import pytest
import torch
from mmengine import Config, DefaultScope
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import init_default_scope

import mmgranet
from mmgranet.registry import MODEL_WRAPPERS, MODELS


def test_import_registers_modules():
    from mmgranet.engine import DeviceAgnosticDDP
    assert MODEL_WRAPPERS.get('DeviceAgnosticDDP') is DeviceAgnosticDDP
    # reachable from any scope through the prefix
    assert MMENGINE_MODEL_WRAPPERS.get(
        'mmgranet.DeviceAgnosticDDP') is DeviceAgnosticDDP


def test_mmgranet_is_a_child_of_the_root_registry():
    assert MODELS.scope == 'mmgranet'
    assert MODELS.parent is MMENGINE_MODELS
    assert MODEL_WRAPPERS.parent is MMENGINE_MODEL_WRAPPERS


def test_register_all_modules_sets_default_scope():
    mmgranet.register_all_modules(init_default_scope=True)
    assert DefaultScope.get_current_instance().scope_name == 'mmgranet'


@pytest.mark.parametrize('type_name, expected_module', [
    ('mmdet.RetinaNet', 'mmdet.models.detectors.retinanet'),
    ('mmagic.ResnetGenerator', 'mmagic.models.editors.cyclegan'),
    ('mmagic.PatchDiscriminator', 'mmagic.models.archs.patch_disc'),
    ('mmpretrain.SEResNeXt', 'mmpretrain.models.backbones.seresnext'),
])
def test_types_resolve_from_mmgranet_scope(type_name, expected_module):
    init_default_scope('mmgranet')
    cls = MODELS.get(type_name)
    assert cls is not None, type_name
    assert cls.__module__.startswith(expected_module), cls.__module__


def test_mmcv_transforms_resolve_unprefixed_and_mmdet_ones_prefixed():
    from mmgranet.registry import TRANSFORMS
    init_default_scope('mmgranet')
    assert TRANSFORMS.get('LoadImageFromFile').__module__.startswith('mmcv')
    assert TRANSFORMS.get('mmdet.LoadAnnotations').__module__.startswith(
        'mmdet')


def test_unknown_type_is_an_error():
    init_default_scope('mmgranet')
    with pytest.raises(KeyError):
        MODELS.build(dict(type='NoSuchDetector'))


def test_mmagic_networks_build_and_run_from_mmgranet_config():
    """A config in the mmgranet scope builds MMagic's CycleGAN generator and
    PatchGAN with 1 channel, as GRANet's generator stage will."""
    cfg = Config(dict(
        default_scope='mmgranet',
        generator=dict(type='mmagic.ResnetGenerator', in_channels=1,
                       out_channels=1, base_channels=8, num_blocks=1,
                       init_cfg=None),
        discriminator=dict(type='mmagic.PatchDiscriminator', in_channels=1,
                           base_channels=8, num_conv=3, init_cfg=None)))
    init_default_scope(cfg.default_scope)
    gen = MODELS.build(cfg.generator)
    disc = MODELS.build(cfg.discriminator)
    x = torch.rand(1, 1, 32, 32)
    y = gen(x)
    assert y.shape == x.shape
    assert disc(y).dim() == 4


def test_custom_imports_from_config(tmp_path):
    path = tmp_path / 'cfg.py'
    path.write_text("custom_imports = dict(imports=['mmgranet'])\n"
                    "default_scope = 'mmdet'\n"
                    "wrapper = dict(type='mmgranet.DeviceAgnosticDDP')\n")
    cfg = Config.fromfile(str(path))
    init_default_scope(cfg.default_scope)
    assert MMENGINE_MODEL_WRAPPERS.get(cfg.wrapper.type).__name__ == \
        'DeviceAgnosticDDP'
