"""timm's and Cadene's SE-ResNeXt101-32x4d (random weights: both packages
build their models without downloading) converted and loaded through the
RSNA config's backbone and its strict init give the same stage outputs."""
import subprocess
import sys

import pytest
import torch
from conftest import REPO_ROOT
from mmengine import Config, ConfigDict
from mmengine.registry import init_default_scope

from mmgranet.registry import MODELS

CONFIG = f'{REPO_ROOT}/configs/retinanet/' \
    'retinanet-dagger_seresnext101_fpn-p2_1xb6-12e_rsna.py'


def stages_timm(model, x):
    x = model.maxpool(model.act1(model.bn1(model.conv1(x))))
    out = []
    for layer in (model.layer1, model.layer2, model.layer3, model.layer4):
        x = layer(x)
        out.append(x)
    return out


def stages_cadene(model, x):
    x = model.layer0(x)
    if hasattr(model, 'pool0'):  # timm's legacy model pools outside layer0
        x = model.pool0(x)
    out = []
    for layer in (model.layer1, model.layer2, model.layer3, model.layer4):
        x = layer(x)
        out.append(x)
    return out


def source_model(name):
    torch.manual_seed(0)
    if name == 'timm':
        import timm
        return timm.create_model('seresnext101_32x4d', pretrained=False), \
            stages_timm
    if name == 'timm-legacy':
        import timm
        return timm.create_model('legacy_seresnext101_32x4d',
                                 pretrained=False), stages_cadene
    import pretrainedmodels
    return pretrainedmodels.__dict__['se_resnext101_32x4d'](
        num_classes=1000, pretrained=None), stages_cadene


def configured_backbone(checkpoint, stem_pool):
    """The RSNA RetinaNet† config's backbone, its init_cfg pointed at the
    converted file (by name)."""
    init_default_scope('mmgranet')
    cfg = Config.fromfile(CONFIG)
    backbone = ConfigDict(cfg.model.backbone.to_dict())
    backbone.init_cfg.checkpoint = checkpoint
    backbone.stem_pool = stem_pool
    model = MODELS.build(backbone)
    model.init_weights()
    return model


@pytest.mark.slow
@pytest.mark.parametrize('source', ['timm', 'timm-legacy', 'cadene'])
def test_converted_weights_give_the_same_outputs(source, tmp_path):
    model, stages = source_model(source)
    model.eval()
    src, dst = tmp_path / 'src.pth', tmp_path / 'dst.pth'
    torch.save(model.state_dict(), src)
    proc = subprocess.run([sys.executable,
                           'tools/model_converters/seresnext_to_mmpretrain.py',
                           str(src), str(dst)], cwd=REPO_ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    stem = 'pytorch' if source == 'timm' else 'cadene'
    assert f'"stem_pool": "{stem}"' in proc.stdout
    backbone = configured_backbone(str(dst), stem)
    backbone.eval()
    x = torch.randn(1, 3, 97, 97)
    with torch.no_grad():
        ours, theirs = backbone(x), stages(model, x)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape
        assert (a - b).abs().max() <= 1e-4
    proc = subprocess.run([sys.executable,
                           'tools/model_converters/seresnext_to_mmpretrain.py',
                           '--check', str(dst)], cwd=REPO_ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0 and '"keys": 756' in proc.stdout


def test_unconverted_weights_fail_loudly(tmp_path):
    """timm's file as it comes: the config's strict init names the file,
    the count and the converter."""
    model, _ = source_model('timm')
    path = tmp_path / 'timm.pth'
    torch.save(model.state_dict(), path)
    with pytest.raises(Exception) as e:
        configured_backbone(str(path), 'pytorch')
    assert 'seresnext_to_mmpretrain.py' in str(e.value)
    assert 'of the 756 keys of SEResNeXt match' in str(e.value)
    proc = subprocess.run([sys.executable,
                           'tools/model_converters/seresnext_to_mmpretrain.py',
                           '--check', str(path)], cwd=REPO_ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 2 and str(path) in proc.stderr
