"""Pretrained weights load completely or fail naming the file, how many
keys matched and the converter; never random weights in silence."""
import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmengine.registry import init_default_scope

from mmgranet.fileio import InputError


class Net(BaseModule):

    def __init__(self, checkpoint, **kwargs):
        super().__init__(init_cfg=dict(type='Pretrained',
                                       checkpoint=checkpoint, **kwargs))
        self.fc = nn.Linear(2, 2)
        self.head = nn.Sequential(nn.Linear(2, 3))


def weights():
    return {'fc.weight': torch.ones(2, 2), 'fc.bias': torch.zeros(2),
            'head.0.weight': torch.full((3, 2), 2.0),
            'head.0.bias': torch.zeros(3)}


def test_a_complete_file_loads_every_key(tmp_path):
    init_default_scope('mmgranet')
    torch.save(dict(state_dict=weights()), tmp_path / 'w.pth')
    net = Net(str(tmp_path / 'w.pth'))
    net.init_weights()
    assert torch.equal(net.fc.weight, torch.ones(2, 2))
    assert torch.equal(net.head[0].weight, torch.full((3, 2), 2.0))
    # a whole-model checkpoint: the prefix selects the part
    torch.save({f'backbone.{k}': v for k, v in weights().items()},
               tmp_path / 'model.pth')
    net = Net(str(tmp_path / 'model.pth'), prefix='backbone.')
    net.init_weights()
    assert torch.equal(net.fc.weight, torch.ones(2, 2))


def test_the_mmgranet_scope_makes_every_pretrained_strict(tmp_path):
    from mmengine.model.weight_init import PretrainedInit
    from mmengine.registry import WEIGHT_INITIALIZERS

    from mmgranet.models.layers import StrictPretrainedInit
    init_default_scope('mmgranet')
    built = WEIGHT_INITIALIZERS.build(dict(type='Pretrained',
                                           checkpoint='x.pth'))
    assert isinstance(built, StrictPretrainedInit)
    init_default_scope('mmdet')
    assert isinstance(WEIGHT_INITIALIZERS.build(
        dict(type='Pretrained', checkpoint='x.pth')), PretrainedInit)


@pytest.mark.parametrize('content, message', [
    (None, 'no such file'),
    (b'not a checkpoint', 'cannot be read'),
    ({'fc.weight': torch.ones(2, 2)}, '1 of the 4 keys of Net match'),
    ({f'backbone.{k}': v for k, v in weights().items()},
     '0 of the 4 keys of Net match'),
    (dict(weights(), **{'fc.weight': torch.ones(3, 3)}),
     '3 of the 4 keys of Net match'),
    (dict(weights(), extra=torch.ones(1)), '1 keys of the file unused'),
])
def test_anything_else_is_an_error_naming_the_converter(tmp_path, content,
                                                        message):
    init_default_scope('mmgranet')
    path = tmp_path / 'w.pth'
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        torch.save(content, path)
    net = Net(str(path))
    with pytest.raises(InputError) as e:
        net.init_weights()
    assert message in str(e.value) and str(path) in str(e.value)
    assert 'seresnext_to_mmpretrain.py' in str(e.value)
