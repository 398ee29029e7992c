"""tools/experiments/generation_comparison.py on the pipeline's artifacts of a
small mini-RSNA: every method's checkpoint in place (randomly initialised
models of the real configs, so the tool reuses them instead of training),
both tables scored on the held-out test patients, the figure written;
and one real (one-epoch) training, so that a method's config is known to
train in the tool."""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'experiments', 'generation_comparison.py')
DETECTOR = 'configs/retinanet/retinanet-dagger_r18_fpn-p2_1xb8-8e_mini-rsna.py'


def tool_module():
    spec = importlib.util.spec_from_file_location('generation_comparison',
                                                  TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def save_random(config: str, path: str, seed: int) -> None:
    """A checkpoint of the config's model as tools/train.py saves it, with
    PyTorch's default (random) initialisation: no translator is the
    identity (a residual G's zeroed last layer is not zeroed here)."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmgranet.registry import MODELS
    cfg = Config.fromfile(osp.join(REPO, config))
    init_default_scope(cfg.get('default_scope', 'mmgranet'))
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    os.makedirs(osp.dirname(path), exist_ok=True)
    torch.save(dict(meta=dict(epoch=1), state_dict=model.state_dict()), path)


def run(*args):
    return subprocess.run([sys.executable, TOOL, *args], cwd=REPO,
                          capture_output=True, text=True)


@pytest.mark.slow
def test_scores_every_method_in_both_directions(pipeline_env, tmp_path):
    stages = pipeline_env
    gc = tool_module()
    out = str(tmp_path / 'comparison')
    given, paths = [], {}
    for i, (name, config) in enumerate(gc.CONFIGS.items()):
        path = paths[name] = str(tmp_path / 'given' / f'{name}.pth')
        save_random(config, path, i)
        given += ['--checkpoint', name, path]
    detector = str(tmp_path / 'detector.pth')
    save_random(DETECTOR, detector, 9)
    common = ['--data-root', stages['data_root'], '--work-root',
              stages['work_root'], '--setting', 'fold0', '--device', 'cpu',
              '--out', out, *given]

    proc = run(*common, '--seeds', '0', '--detector', DETECTOR, detector,
               '--cutoff', '0.0')
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert ' $ ' not in proc.stdout  # the given checkpoints: no training
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    methods = ('GRANet cGAN', 'CycleGAN', 'UNIT')
    ceiling = 'the true twin (ceiling)'
    assert set(summary) == {f'a2n/{m}' for m in ('x (unchanged)', ) +
                            methods + (ceiling, )} | {
                                f'n2a/{m}' for m in methods +
                                ('true abnormal x', )}
    # the ceiling is the twin itself: no error, its residual the lesion
    top = summary[f'a2n/{ceiling}']
    assert top['l1_in'][0] == 0 and top['l1_out'][0] == 0
    assert top['auroc_boxes'][0] > 0.6 and top['share_in_boxes'][0] > 0.2
    for m in methods:
        a2n, n2a = summary[f'a2n/{m}'], summary[f'n2a/{m}']
        assert np.isfinite(a2n['psnr_in'][0]) and \
            0 <= a2n['share_in_boxes'][0] <= 1
        # a random translator changes the image inside and outside
        assert n2a['change_in'][0] > 0 and n2a['change_out'][0] > 0
        assert 0 <= n2a['found'][0] <= 1
    # x against its twin: the same image outside the lesions
    unchanged = summary['a2n/x (unchanged)']
    assert unchanged['l1_out'][0] < unchanged['l1_in'][0]
    assert '| GRANet cGAN |' in proc.stdout and '| UNIT |' in proc.stdout

    figure = cv2.imread(osp.join(out, 'generation.png'))
    assert figure is not None
    assert figure.shape[0] == 5 * 128  # input, 3 methods, truth
    assert osp.exists(osp.join(out, 'seed0', 'result.json'))

    # a subset of the methods: only its checkpoints are asked for, the
    # others print as not run
    granet_only = [a for n in ('granet', 'granet_n2a')
                   for a in ('--checkpoint', n, paths[n])]
    sub = run(*common[:-len(given)], *granet_only, '--methods', 'granet',
              '--out', str(tmp_path / 'subset'), '--seeds', '0',
              '--no-detector')
    assert sub.returncode == 0, sub.stderr[-3000:]
    subset = json.loads(sub.stdout.strip().splitlines()[-1])
    assert 'a2n/GRANet cGAN' in subset and 'n2a/GRANet cGAN' in subset
    assert not any('CycleGAN' in k or 'UNIT' in k for k in subset)
    assert subset['a2n/GRANet cGAN'] == summary['a2n/GRANet cGAN']
    assert '| UNIT | not run (--methods) |' in sub.stdout
    figure = cv2.imread(osp.join(tmp_path, 'subset', 'generation.png'))
    assert figure.shape[0] == 3 * 128  # input, GRANet cGAN, truth

    # without --checkpoint the tool trains: CycleGAN's real config for one
    # epoch on the setting's aligned copy (its inputs checked first, as
    # tools/train.py checks them)
    trained = run(*common[:-len(given)], '--methods', 'cyclegan', '--fast',
                  '--out', str(tmp_path / 'trained'), '--seeds', '0',
                  '--no-detector')
    assert trained.returncode == 0, (trained.stdout + trained.stderr)[-3000:]
    assert ' $ ' in trained.stdout and 'tools/train.py' in trained.stdout
    assert osp.exists(tmp_path / 'trained' / 'seed0' / 'cyclegan' /
                      'epoch_1.pth')
    assert 'a2n/CycleGAN' in json.loads(
        trained.stdout.strip().splitlines()[-1])

    # a finished seed is read back, not recomputed
    again = run(*common, '--seeds', '0', '--detector', DETECTOR, detector,
                '--cutoff', '0.0')
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.strip().splitlines()[-1] == \
        proc.stdout.strip().splitlines()[-1]


def test_names_missing_inputs(tmp_path):
    proc = run('--work-root', str(tmp_path), '--setting', 'fold0')
    assert proc.returncode != 0
    assert 'no eq. 3 targets' in proc.stderr
    proc = run('--detector', 'a.py', 'a.pth')
    assert proc.returncode != 0 and '--detector needs --cutoff' in proc.stderr
    # without make demo's baseline the detector column is not dropped
    # silently: the tool says what to give
    (tmp_path / 'fold0' / 'realistic_targets').mkdir(parents=True)
    proc = run('--work-root', str(tmp_path), '--setting', 'fold0')
    assert proc.returncode != 0
    assert 'no baseline detector' in proc.stderr
    assert '--no-detector' in proc.stderr
