"""tools/analysis/residual_localisation.py: the floor (identity G) and the
ceiling (the true twin) through the same code path as any G, the residual
at G's own size (an identity G scores 0, with no resize floor), and the
summary JSON as the last line."""
import json
import os.path as osp
import sys

import numpy as np
import pytest
import torch
from test_tools.test_train_tools import REPO, run_tool

from mmgranet.apis import load_image_generator

TOOL = 'tools/analysis/residual_localisation.py'
ABN2NOR = osp.join(REPO, 'configs', 'cgan',
                   'abn2nor_resnet6-32c_1xb4-10e_mini-rsna.py')
FLOOR, CEILING = 'floor: identity G(x) = x', 'ceiling: the true twin'


def summary(out):
    """The JSON summary: the last line of the tool's stdout (run_tool
    gives stdout, then stderr's warnings)."""
    return json.loads([ln for ln in out.splitlines()
                       if ln.startswith('{"means"')][-1])


def identity_checkpoint(path):
    """The configs' residual G at its start, D's last layer zero: G(x) = x."""
    from mmengine.registry import init_default_scope

    from mmgranet.registry import MODELS
    init_default_scope('mmgranet')
    g = MODELS.build(dict(type='ResidualGenerator', generator=dict(
        type='mmagic.ResnetGenerator', in_channels=1, out_channels=1,
        base_channels=32, num_blocks=6)))
    g.init_weights()
    state = {f'generator.{k}': v for k, v in g.state_dict().items()}
    torch.save(dict(meta=dict(epoch=1), state_dict=state), path)
    return path


def test_identity_generator_returns_x_exactly(tmp_path):
    """At any image size: G's change (none) is what comes back."""
    ckpt = identity_checkpoint(str(tmp_path / 'identity.pth'))
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (200, 176), dtype=np.uint8),
              rng.integers(0, 256, (128, 128), dtype=np.uint8)]
    change = load_image_generator(ABN2NOR, ckpt, device='cpu')
    for x, g in zip(images, change(images)):
        assert np.array_equal(x, g)
    # resizing G's output instead has a floor of its own
    output = load_image_generator(ABN2NOR, ckpt, device='cpu',
                                  full_size='output')
    assert np.abs(output(images[0]).astype(float) - images[0]).mean() > 5


@pytest.mark.parametrize('oracle', ['identity', 'twin'])
def test_oracles_print_through_the_tool(granet_stages, oracle):
    out = run_tool([sys.executable, TOOL, granet_stages['data_root'],
                    '--oracle', oracle, '--artifacts',
                    granet_stages['artifacts']])
    means = summary(out)['means']
    assert list(means) == [FLOOR, 'G(x)', CEILING]
    g, floor, ceiling = means['G(x)'], means[FLOOR], means[CEILING]
    assert summary(out)['counts']['lesion'] > 0
    if oracle == 'identity':
        assert g == floor
        assert g['mean_lesion_free'] == 0 and g['mean_in'] == 0
        assert g['signed_in'] == 0
        assert g['l1_twin_in'] > 5  # x is far from its twin in the boxes
    else:
        assert g == ceiling
        assert g['l1_twin_in'] == 0 and g['mean_lesion_free'] == 0
        assert g['signed_in'] < 0 and g['auroc_lesion'] > 0.9
    assert '| floor: identity G(x) = x |' in out
    assert '| ceiling: the true twin |' in out


def test_a_checkpoint_is_measured_beside_floor_and_ceiling(granet_stages,
                                                           tmp_path):
    out = run_tool([sys.executable, TOOL, granet_stages['data_root'],
                    ABN2NOR, granet_stages['checkpoint'], '--artifacts',
                    granet_stages['artifacts'], '--device', 'cpu',
                    '--pictures', str(tmp_path / 'grid.png'),
                    '--out', str(tmp_path / 'rows.json')])
    means = summary(out)['means']
    assert list(means) == [FLOOR, 'G(x)', CEILING]
    assert means['G(x)']['mean_lesion_free'] > 0  # a random G changes x
    assert means[FLOOR]['l1_twin_in'] > means[CEILING]['l1_twin_in'] == 0
    assert osp.getsize(tmp_path / 'grid.png') > 0
    rows = json.load(open(tmp_path / 'rows.json'))['patients']
    assert any(r['lesions'] for r in rows)


def test_oracle_and_checkpoint_are_exclusive(granet_stages):
    import subprocess
    proc = subprocess.run(
        [sys.executable, TOOL, granet_stages['data_root'], ABN2NOR,
         granet_stages['checkpoint'], '--oracle', 'twin', '--artifacts',
         granet_stages['artifacts']], cwd=REPO, capture_output=True,
        text=True)
    assert proc.returncode == 2
    assert 'give CONFIG CHECKPOINT, or --oracle without them' in proc.stderr


def test_measured_at_g_size_by_default(granet_stages):
    """The 128 px fixture measured at G's size 64: the ceiling is still
    exact (the twin resized as x is), the share of a lesion residual in
    its boxes unchanged in kind; --resolution full keeps the image size."""
    common = [sys.executable, TOOL, granet_stages['data_root'], '--oracle',
              'twin', '--artifacts', granet_stages['artifacts']]
    small = summary(run_tool(common + ['--size', '64']))
    full = summary(run_tool(common + ['--size', '64', '--resolution',
                                      'full']))
    assert (small['size'], small['resolution']) == (64, 'g')
    assert full['resolution'] == 'full'
    for s in (small, full):
        assert s['means']['G(x)']['l1_twin_in'] == 0
        assert s['means']['G(x)']['auroc_lesion'] > 0.9
    assert small['counts'] == full['counts']
    # area-averaging halves the pixels, not the lesion: the mean change in
    # the boxes stays, within the whole-pixel boxes' dilution
    signed = [s['means']['G(x)']['signed_in'] for s in (small, full)]
    assert signed[0] < 0 and abs(signed[0] - signed[1]) < 0.15 * \
        abs(signed[1])
