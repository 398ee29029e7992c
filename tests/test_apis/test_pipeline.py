"""The pipeline's stage runner: a branch runs beside the main chain with
the cores split between them, a failure on either side stops the other
(which resumes on the next run); the stage table is consistent."""
import os
import os.path as osp
import sys
import time

import pytest

from mmgranet.apis import config_reading, runner, stages


def python(code):
    return [sys.executable, '-c', code]


def write_threads(path, wait_for=None):
    """A stage that (optionally) waits for another stage's file, then
    writes the OMP_NUM_THREADS it was started with."""
    wait = (f'while not os.path.exists({wait_for!r}): time.sleep(0.05)\n'
            if wait_for else '')
    return python('import os, time\n' + wait +
                  f'open({path!r}, "w").write(os.environ.get('
                  '"OMP_NUM_THREADS", "unset"))')


def test_branch_runs_beside_the_chain_with_split_cores(tmp_path,
                                                       monkeypatch):
    monkeypatch.delenv('OMP_NUM_THREADS', raising=False)
    pipe = runner.StageRunner(str(tmp_path / 'work'), jobs=2)
    side, main, after = (str(tmp_path / n)
                         for n in ('side', 'main', 'after'))
    # the branch waits for the main chain's file: it can only finish if
    # both run at the same time
    with pipe.beside('side', lambda: pipe.stage(
            'side', write_threads(side, wait_for=main), [side])):
        pipe.stage('main', write_threads(main), [main])
    pipe.stage('after', write_threads(after), [after])
    cores = os.cpu_count() or 1
    assert open(main).read() == str(max(1, cores // 2))
    assert open(side).read() == str(max(1, cores // 2))
    assert open(after).read() == str(cores)  # alone again: all cores
    assert set(pipe.timings) == {'side', 'main', 'after'}


def test_a_set_omp_num_threads_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv('OMP_NUM_THREADS', '3')
    pipe = runner.StageRunner(str(tmp_path / 'work'), jobs=2)
    out = str(tmp_path / 'out')
    with pipe.beside('side', lambda: time.sleep(0.5)):
        pipe.stage('main', write_threads(out), [out])
    assert open(out).read() == '3'


def test_main_failure_stops_the_branch(tmp_path):
    pipe = runner.StageRunner(str(tmp_path / 'work'), jobs=2)
    started = str(tmp_path / 'started')
    with pytest.raises(runner.StageError,
                       match=r'\[broken\] failed \(exit 3\)'):
        with pipe.beside('slow', lambda: pipe.stage('slow', python(
                f'import time; open({started!r}, "w"); time.sleep(120)'),
                [str(tmp_path / 'never')])):
            while not osp.exists(started):
                time.sleep(0.05)
            start = time.time()
            pipe.stage('broken', python('raise SystemExit(3)'), [])
    assert time.time() - start < 60  # stopped, not waited for
    assert len(pipe._errors) == 1
    assert '[slow] stopped' in str(pipe._errors[0])
    assert not osp.exists(osp.join(str(tmp_path / 'work'), 'stamps',
                                   'slow.json'))


def test_branch_failure_stops_the_main_chain(tmp_path):
    pipe = runner.StageRunner(str(tmp_path / 'work'), jobs=2)
    with pytest.raises(runner.StageError, match=r'\[slow\] stopped because '
                       'another stage failed'):
        with pipe.beside('broken', lambda: pipe.stage(
                'broken',
                python('import time; time.sleep(1); raise SystemExit(4)'),
                [])):
            pipe.stage('slow', python('import time; time.sleep(120)'), [])
    assert len(pipe._errors) == 1
    assert '[broken] failed (exit 4)' in str(pipe._errors[0])
    # nothing starts once a stage has failed
    with pytest.raises(runner.StageError, match='not started'):
        pipe.stage('next', python('pass'), [])


def test_jobs_1_runs_in_order(tmp_path):
    pipe = runner.StageRunner(str(tmp_path / 'work'), jobs=1)
    order = []
    with pipe.beside('side', lambda: order.append('side')):
        order.append('main')
    assert order == ['side', 'main']


def test_the_stage_table_is_consistent():
    names = [s.name for s in stages.STAGES]
    assert len(names) == len(set(names))
    for i, stage in enumerate(stages.STAGES):
        # a stage depends only on stages before it
        assert set(stage.after) <= set(names[:i]), stage.name
        if stage.config:
            for preset in stages.PRESETS.values():
                assert osp.exists(osp.join(config_reading.repo_root(),
                                           preset['configs'][stage.config]))
        # a stage reading labels reads the setting's training patients
        if stage.name in ('reference', 'pairs'):
            assert '{train_split}' in stage.command


def test_dry_run_prints_every_stage_with_its_setting(tmp_path, capsys):
    run = stages.MethodRun('rsna', data_root=str(tmp_path / 'rsna'),
                           work_root=str(tmp_path / 'work'),
                           setting='fold2', dry_run=True)
    (tmp_path / 'rsna').mkdir()
    (tmp_path / 'rsna' / 'stage_2_train_labels.csv').write_text('')
    run.run()
    out = capsys.readouterr().out
    ran = [line.split(']')[0][1:] for line in out.splitlines()
           if '] $ ' in line]
    assert ran == [s.name for s in stages.STAGES
                   if s.only is None and s.name != 'data']
    assert 'splits/fold2_train.txt' in out
    assert f'{tmp_path}/work/fold2/abn2nor/epoch_100.pth' in out
    assert 'splits/test.txt' in out  # RSNA's held-out patients
    assert run.env['MMGRANET_SETTING'] == 'fold2'


def test_config_override_by_list_index_is_gone():
    """Configs are reached by name: no stage overrides a list entry."""
    for stage in stages.STAGES:
        assert not any('.pipeline.' in w for w in stage.command), stage.name


def test_until_runs_a_stage_and_what_it_needs():
    names = [s.name for s in stages.MethodRun.needed_for('abn2nor')]
    assert names == ['data', 'splits', 'reference', 'aligner', 'align',
                     'pairs', 'realistic', 'targets', 'abn2nor']
    with pytest.raises(runner.StageError, match='no stage'):
        stages.MethodRun.needed_for('nothing')


@pytest.mark.parametrize('seed', [0, 7])
def test_every_training_stage_takes_the_seed(tmp_path, seed):
    run = stages.MethodRun('mini', data_root=str(tmp_path / 'mini'),
                           work_root=str(tmp_path / 'work'), seed=seed,
                           dry_run=True)
    trains = [s for s in stages.STAGES if s.train]
    assert {s.name for s in trains} == {'baseline', 'aligner', 'realistic',
                                        'abn2nor', 'granet'}
    for stage in trains:
        cmd = run.command(stage)
        assert cmd[cmd.index('--cfg-options') + 1:].count(
            f'randomness.seed={seed}') == 1, stage.name
    for stage in stages.STAGES:  # nothing else is told a seed
        if not stage.train:
            assert not any('seed' in w for w in run.command(stage))


def test_a_setting_is_the_configs_environment():
    from mmgranet.apis.setting import Setting
    s = Setting('data/x', 'work/', 'holdout60')
    assert s.artifacts == 'work/holdout60/'
    assert s.env == dict(MMGRANET_DATA_ROOT='data/x/',
                         MMGRANET_WORK_ROOT='work/',
                         MMGRANET_SETTING='holdout60')
    assert s.split_file('val') == 'data/x/splits/holdout60_val.txt'
    run = stages.MethodRun('mini', data_root='data/x', work_root='work',
                           setting='holdout60', dry_run=True)
    assert run.env == s.env and run.art == s.artifacts


def test_repo_root_and_configs_read_without_touching_os_environ(
        tmp_path, monkeypatch):
    """The stages find the checkout whose tools/ they run: MMGRANET_REPO
    first (an installed package run from elsewhere), else the package's
    own checkout; a config reads a setting's environment without writing
    os.environ (the runner reads configs from several threads)."""
    import os
    fake = tmp_path / 'checkout'
    (fake / 'tools').mkdir(parents=True)
    (fake / 'tools' / 'train.py').write_text('')
    monkeypatch.setenv('MMGRANET_REPO', str(fake))
    assert config_reading.repo_root.__wrapped__() == str(fake)
    monkeypatch.setenv('MMGRANET_REPO', str(tmp_path / 'nothing'))
    here = config_reading.repo_root.__wrapped__()
    assert osp.exists(osp.join(here, 'tools', 'train.py'))
    monkeypatch.delenv('MMGRANET_SETTING', raising=False)
    before = dict(os.environ)
    cfg = config_reading.load_config(
        stages.PRESETS['mini']['configs']['abn2nor'],
        dict(MMGRANET_SETTING='holdout60', MMGRANET_WORK_ROOT='w/'))
    assert dict(os.environ) == before
    assert cfg.train_dataloader.dataset.split_file.endswith(
        'holdout60_train.txt')
    assert 'w/holdout60/' in cfg.train_dataloader.dataset.target_root


def test_configs_read_from_many_threads_at_once():
    """The experiment tools read configs from several threads at once; a
    config with an ``mmdet::`` base makes mmengine reload pkg_resources,
    which broke another thread's read (a table run died on it) unless the
    reads are serialised."""
    from concurrent.futures import ThreadPoolExecutor
    config = stages.PRESETS['mini']['configs']['baseline']
    assert 'mmdet::' in open(osp.join(
        config_reading.repo_root(),
        'configs/_base_/models/retinanet_r50_fpn.py')).read()

    def read(_):
        return config_reading.load_config(config).model.type

    alone = read(None)
    assert alone.endswith('RetinaNet')
    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(read, range(24))) == {alone}
