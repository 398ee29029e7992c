"""The user's command (tools/train.py with
configs/granet/retinanet_seresnext101.py) checks every file it reads
before building anything: without data one message naming the folder and
how to get it, without an earlier stage's artifacts one message listing
each with the stage that makes it, and a corrupt checkpoint an InputError
naming the file."""
import os
import os.path as osp
import subprocess
import sys
import zipfile

import pytest
import torch
from mmengine import Config

from mmgranet.apis.config_inputs import check_config_inputs, config_inputs
from mmgranet.fileio import InputError, check_checkpoint, read_checkpoint

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
USER_CONFIG = 'configs/granet/retinanet_seresnext101.py'
ZOO_CONFIG = ('configs/granet/granet_retinanet-dagger_seresnext101_fpn-p2_'
              '1xb6-12e-alt2-2_rsna-align-syn.py')


def load(config, monkeypatch, **env):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return Config.fromfile(osp.join(REPO, config))


def test_user_config_is_the_model_zoo_config(monkeypatch):
    user, zoo = load(USER_CONFIG, monkeypatch), load(ZOO_CONFIG, monkeypatch)
    assert user.model == zoo.model
    assert user.train_cfg == zoo.train_cfg
    assert user.optim_wrapper == zoo.optim_wrapper
    assert user.train_dataloader == zoo.train_dataloader


def test_config_inputs_lists_what_granet_reads(monkeypatch, tmp_path):
    cfg = load(USER_CONFIG, monkeypatch,
               MMGRANET_DATA_ROOT=str(tmp_path / 'rsna') + '/',
               MMGRANET_WORK_ROOT=str(tmp_path / 'work') + '/')
    found = {osp.relpath(i.path, tmp_path): i for i in config_inputs(cfg)}
    assert found['rsna'].what == 'data root'
    assert found['rsna/splits/fold0_train.txt'].stage == 'splits'
    assert found['rsna/splits/fold0_val.txt'].stage == 'splits'
    assert found['work/fold0/aligned/affines.csv'].stage == 'align'
    assert found['work/fold0/pairs/neighbours.csv'].stage == 'pairs'
    assert found['work/fold0/realistic_targets'].stage == 'targets'
    assert found['work/fold0/abn2nor/epoch_100.pth'].checkpoint
    pretrained = [i for i in config_inputs(cfg)
                  if i.what == 'pretrained weights']
    assert [i.path for i in pretrained] == [
        'data/pretrained/seresnext101_32x4d.pth']


@pytest.mark.parametrize('config', [
    'configs/cyclegan/cyclegan_resnet6-32c_1xb4-20e_mini-rsna.py',
    'configs/unit/unit_res3-32c_1xb4-20e_mini-rsna.py',
    'configs/cgan/realistic_resnet6-32c_1xb4-8e_mini-rsna.py',
    'configs/cgan/abn2nor_resnet6-32c_1xb4-10e_mini-rsna.py',
    'configs/cgan/nor2abn_resnet6-32c_1xb4-2e_mini-rsna.py',
    'configs/retinanet/retinanet-dagger_r18_fpn-p2_1xb8-8e_mini-rsna.py'])
def test_split_files_are_checked_where_the_dataset_reads_them(
        config, monkeypatch, tmp_path):
    # the unpaired and cGAN datasets read their split file as given (the
    # data root's, beside the aligned copy they read images from), the
    # RSNA dataset under its data_root: the check must look where each
    # reads, or it refuses a training whose inputs are all there (relative
    # roots, as the pipeline gives them)
    monkeypatch.chdir(tmp_path)
    cfg = load(config, monkeypatch, MMGRANET_DATA_ROOT='rsna/',
               MMGRANET_WORK_ROOT='work/')
    splits = sorted(i.path for i in config_inputs(cfg, model=False)
                    if i.what == 'split file')
    assert splits and all(p.startswith('rsna/splits/fold0_')
                          for p in splits), splits


def test_train_without_data_prints_one_message(tmp_path):
    missing = str(tmp_path / 'no-rsna') + '/'
    env = dict(os.environ, MMGRANET_DATA_ROOT=missing,
               MMGRANET_WORK_ROOT=str(tmp_path / 'work') + '/')
    proc = subprocess.run([sys.executable, 'tools/train.py', USER_CONFIG,
                           '--work-dir', str(tmp_path / 'w')], cwd=REPO,
                          env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode != 0
    assert 'Traceback' not in proc.stderr, proc.stderr
    assert proc.stderr.count('error: ') == 1, proc.stderr  # one message
    err = proc.stderr[proc.stderr.index('error: '):].strip()
    assert err.startswith(f'error: {missing.rstrip("/")}: no such data '
                          'folder'), err
    assert 'docs/rsna.md' in err and 'MMGRANET_DATA_ROOT' in err
    assert 'tools/run_pipeline.py --preset rsna --smoke' in err
    assert not osp.exists(tmp_path / 'w')  # nothing was built


def test_missing_artifacts_are_listed_with_their_stages(
        mini_rsna, monkeypatch, tmp_path):
    """The data is there, the earlier stages have not run: each missing
    artifact with the pipeline stage that makes it, in one message."""
    cfg = load(USER_CONFIG, monkeypatch,
               MMGRANET_DATA_ROOT=mini_rsna + '/',
               MMGRANET_WORK_ROOT=str(tmp_path / 'work') + '/')
    with pytest.raises(InputError) as e:
        check_config_inputs(cfg, USER_CONFIG)
    msg = str(e.value)
    assert msg.startswith(f'{USER_CONFIG} reads 6 missing input(s)'), msg
    art = str(tmp_path / 'work' / 'fold0')
    for path, stage in (('aligned/affines.csv', 'align'),
                        ('pairs/neighbours.csv', 'pairs'),
                        ('aligned', 'align'),
                        ('realistic_targets', 'targets'),
                        ('abn2nor/epoch_100.pth', 'abn2nor')):
        line = next(ln for ln in msg.splitlines()
                    if ln.strip().startswith(osp.join(art, path) + ':'))
        assert line.endswith('python tools/run_pipeline.py --preset rsna '
                             f'--setting fold0 --until {stage}'), line
    assert 'data/pretrained/seresnext101_32x4d.pth: no such pretrained ' \
        'weights; docs/rsna.md' in msg
    # the split files are there: not listed
    assert 'split file' not in msg


def test_the_mini_config_names_the_mini_preset(granet_stages,
                                               monkeypatch, tmp_path):
    config = ('configs/granet/granet_retinanet-dagger_r18_fpn-p2_1xb8-8e-'
              'alt2-2_mini-rsna-align-syn.py')
    cfg = load(config, monkeypatch, **granet_stages['env'])
    check_config_inputs(cfg, config)  # everything there
    cfg.model.generator_checkpoint = str(tmp_path / 'none.pth')
    with pytest.raises(InputError, match=r'--preset mini --setting fold0 '
                       r'--until abn2nor'):
        check_config_inputs(cfg, config)


def corrupt_files(tmp_path):
    good = str(tmp_path / 'good.pth')
    torch.save(dict(state_dict=dict(w=torch.ones(64, 64))), good)
    data = open(good, 'rb').read()
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(data[:len(data) // 2])
    garbage = tmp_path / 'garbage.pth'
    garbage.write_bytes(b'not a checkpoint at all\n' * 10)
    foreign = str(tmp_path / 'foreign.pth')
    with zipfile.ZipFile(foreign, 'w') as z:
        z.writestr('readme.txt', 'a zip, not a torch file')
    return good, [str(truncated), str(garbage), foreign,
                  str(tmp_path / 'missing.pth')]


def test_a_corrupt_checkpoint_is_an_input_error_naming_it(tmp_path):
    good, bad = corrupt_files(tmp_path)
    check_checkpoint(good)
    assert torch.equal(read_checkpoint(good)['state_dict']['w'],
                       torch.ones(64, 64))
    for path in bad:
        with pytest.raises(InputError, match=f'^{path}: '):
            check_checkpoint(path, 'Abn2Nor checkpoint')
        with pytest.raises(InputError, match=f'^{path}: '):
            read_checkpoint(path)


def test_granet_refuses_a_corrupt_generator_checkpoint(
        granet_stages, monkeypatch, tmp_path):
    from mmengine.registry import init_default_scope

    from mmgranet.registry import MODELS
    config = ('configs/granet/granet_retinanet-dagger_r18_fpn-p2_1xb8-8e-'
              'alt2-2_mini-rsna-align-syn.py')
    cfg = load(config, monkeypatch, **granet_stages['env'])
    init_default_scope('mmgranet')
    model = MODELS.build(cfg.model)
    _, bad = corrupt_files(tmp_path)
    for path in bad:
        with pytest.raises(InputError, match=f'^{path}: .*Abn2Nor'):
            model.load_generator(path)


def test_train_resume_from_a_corrupt_checkpoint(granet_stages, tmp_path):
    config = ('configs/granet/granet_retinanet-dagger_r18_fpn-p2_1xb8-8e-'
              'alt2-2_mini-rsna-align-syn.py')
    _, bad = corrupt_files(tmp_path)
    env = dict(os.environ, **granet_stages['env'])
    proc = subprocess.run([sys.executable, 'tools/train.py', config,
                           '--work-dir', str(tmp_path / 'w'), '--resume',
                           bad[0]], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode != 0
    assert 'Traceback' not in proc.stderr, proc.stderr
    err = proc.stderr[proc.stderr.index('error: '):]
    assert err.startswith(f'error: {bad[0]}: not a readable checkpoint to '
                          'start from'), proc.stderr
