"""The alternating frozen-subnet loop: the phase schedule, what a frozen
phase leaves untouched, resume into the right phase, and DDP on 2 CPU
processes."""
import glob
import os.path as osp
import re
import sys

import cv2
import pytest
import torch
from conftest import write_granet_mini_config
from mmengine import Config
from test_tools.test_train_tools import free_port, load_meta, run_tool

from mmgranet.engine.loops import (epochs_for_detector, parse_schedule,
                                   phase_of_epoch)
from mmgranet.fileio import read_split_file, read_submission

D, G, J = 'detector', 'generator', 'joint'


@pytest.mark.parametrize('schedule,phases', [
    ('1:1', [D, G, D, G, D, G]),
    ('1:2', [D, G, G, D, G, G]),
    ('1:3', [D, G, G, G, D, G]),
    ('2:1', [D, D, G, D, D, G]),
    ('2:2', [D, D, G, G, D, D]),
    ('3:3', [D, D, D, G, G, G]),
    ('5:1', [D, D, D, D, D, G]),
    ('joint', [J] * 6),
])
def test_phase_of_epoch(schedule, phases):
    assert [phase_of_epoch(e, schedule) for e in range(6)] == phases


@pytest.mark.parametrize('schedule,detector_epochs,total', [
    ('2:2', 10, 20), ('1:1', 8, 16), ('5:1', 10, 12), ('5:1', 12, 14),
    ('1:3', 2, 8), ('2:2', 1, 1), ('2:2', 3, 5), ('joint', 10, 10),
])
def test_epochs_for_detector(schedule, detector_epochs, total):
    assert epochs_for_detector(detector_epochs, schedule) == total
    phases = [phase_of_epoch(e, schedule) for e in range(total)]
    assert sum(p in (D, J) for p in phases) == detector_epochs
    # whole cycles end on G's epochs, a cut cycle on the detector's
    whole = schedule != 'joint' and \
        detector_epochs % parse_schedule(schedule)[0] == 0
    assert phases[-1] == (J if schedule == 'joint' else G if whole else D)


def test_detector_epochs_or_max_epochs_not_both():
    from mmgranet.engine.loops import AlternatingEpochBasedTrainLoop
    with pytest.raises(ValueError, match='not both'):
        AlternatingEpochBasedTrainLoop(None, None, schedule='2:2',
                                       detector_epochs=4, max_epochs=8)


def test_only_the_training_subnets_schedulers_step():
    """Under 1:1 the detector's schedulers step in detector epochs only,
    so its cosine counts its own epochs; G's step in G's."""
    from types import SimpleNamespace

    from mmgranet.engine.hooks import AlternatingParamSchedulerHook

    class Counter:
        def __init__(self, by_epoch):
            self.by_epoch, self.steps = by_epoch, 0

        def step(self):
            self.steps += 1

    det = [Counter(True), Counter(False)]
    gen = [Counter(True)]
    model = SimpleNamespace(frozen=())
    runner = SimpleNamespace(param_schedulers=dict(detector=det,
                                                   generator=gen),
                             model=model)
    hook = AlternatingParamSchedulerHook()
    for epoch in range(4):
        model.frozen = ('generator', ) if phase_of_epoch(epoch, '1:1') == \
            D else ('detector', )
        for i in range(3):
            hook.after_train_iter(runner, i)
        hook.after_train_epoch(runner)
    assert [det[0].steps, det[1].steps, gen[0].steps] == [2, 6, 2]
    model.frozen = ()  # joint: everything steps
    hook.after_train_epoch(runner)
    assert [det[0].steps, gen[0].steps] == [3, 3]


@pytest.mark.parametrize('bad', ['2', '0:1', '1:0', 'a:b', 'alternate'])
def test_bad_schedules_are_refused(bad):
    with pytest.raises(ValueError, match='schedule'):
        parse_schedule(bad)


def load_state(path):
    return torch.load(path, map_location='cpu',
                      weights_only=False)['state_dict']


def same(a, b, prefix):
    keys = [k for k in a if k.startswith(prefix)]
    assert keys
    return all(torch.equal(a[k], b[k]) for k in keys)


def run_train(config, work, *extra):
    return run_tool([sys.executable, 'tools/train.py', config,
                     '--work-dir', work, *extra])


def logged_phases(log: str):
    return [(int(e), p) for e, p in re.findall(r'epoch (\d+): phase (\w+)',
                                               log)]


@pytest.mark.slow
def test_frozen_phases_and_resume(pipeline_env, tmp_path):
    """1:1 over 3 epochs: epoch 1 trains only the detector (G and its
    buffers bit-identical), epoch 2 only G (the detector's weights and
    BatchNorm statistics bit-identical); a resume from epoch 2 continues
    in the detector phase."""
    config = write_granet_mini_config(str(tmp_path / 'granet.py'),
                                      pipeline_env)
    work = str(tmp_path / 'work')
    log = run_train(config, work)
    assert logged_phases(log) == [(1, D), (2, G)]
    init = load_state(pipeline_env['checkpoint'])
    e1 = load_state(osp.join(work, 'epoch_1.pth'))
    e2 = load_state(osp.join(work, 'epoch_2.pth'))
    assert same(init, e1, 'generator.')          # G frozen in epoch 1
    assert not same(e1, e2, 'generator.')        # G trained in epoch 2
    assert same(e1, e2, 'detector.')             # detector frozen, BN too
    assert any('running_mean' in k for k in e1 if k.startswith('detector'))

    log = run_train(config, work, '--resume', '--cfg-options',
                    'train_cfg.max_epochs=3')
    assert logged_phases(log) == [(3, D)]
    e3 = load_state(osp.join(work, 'epoch_3.pth'))
    assert same(e2, e3, 'generator.') and not same(e2, e3, 'detector.')

    # test on the setting's validation patients: a Kaggle submission in
    # original pixels and the pictures (x with boxes | G(x) | residual)
    submission = str(tmp_path / 'submission.csv')
    out = run_tool([sys.executable, 'tools/test.py', config,
                    osp.join(work, 'epoch_3.pth'), '--work-dir', work,
                    '--split', 'val', '--out', submission,
                    '--show-dir', 'vis'])
    assert 'rsna/AP' in out
    rows = read_submission(submission)
    val = read_split_file(osp.join(pipeline_env['data_root'], 'splits',
                                   'fold0_val.txt'))
    assert sorted(rows) == sorted(val)
    pictures = glob.glob(osp.join(work, '*', 'vis', '*.png'))
    assert len(pictures) == len(val)
    assert cv2.imread(pictures[0]).shape == (128, 3 * 128, 3)


@pytest.mark.slow
def test_joint_phase_updates_both(pipeline_env, tmp_path):
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner
    init_default_scope('mmgranet')
    config = write_granet_mini_config(str(tmp_path / 'granet.py'),
                                      pipeline_env, max_epochs=1,
                                      schedule='joint')
    cfg = Config.fromfile(config)
    cfg.work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(cfg)
    runner.train()
    e1 = load_state(osp.join(cfg.work_dir, 'epoch_1.pth'))
    init = load_state(pipeline_env['checkpoint'])
    assert not same(init, e1, 'generator.')
    model = runner.model
    # parameters the config freezes stay frozen whatever the phase
    assert model.phase == J
    for name, p in model.named_parameters():
        assert p.requires_grad == model._trainable[name], name


@pytest.mark.slow
@pytest.mark.dist
def test_granet_ddp_two_cpu_processes(pipeline_env, tmp_path):
    """Both phases under DDP (a DDP per subnet, gloo, 2 processes)."""
    config = write_granet_mini_config(str(tmp_path / 'granet.py'),
                                      pipeline_env)
    work = str(tmp_path / 'dist')
    out = run_tool(['bash', 'tools/dist_train.sh', config, '2',
                    '--work-dir', work], PORT=str(free_port()))
    assert 'Distributed training: True' in out
    assert logged_phases(out)[:2] == [(1, D), (2, G)]
    meta = load_meta(osp.join(work, 'epoch_2.pth'))
    assert meta['epoch'] == 2
    e1 = load_state(osp.join(work, 'epoch_1.pth'))
    e2 = load_state(osp.join(work, 'epoch_2.pth'))
    assert same(e1, e2, 'detector.') and not same(e1, e2, 'generator.')
