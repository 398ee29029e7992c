"""tools/train.py and tools/dist_train.sh on a real (tiny) mmdet RetinaNet:
train, resume from the checkpoint, and a 2-process DDP run on CPU (gloo)."""
import glob
import os
import os.path as osp
import pickle
import socket
import subprocess
import sys

import pytest
import torch

from mmgranet.fileio import read_submission

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'tests', 'data', 'configs',
                  'retinanet_r18_tiny_coco.py')


def run_tool(args, timeout=600, **extra_env):
    env = dict(os.environ, **extra_env)
    env.pop('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', None)
    # the tools' `python` must be this interpreter (the project venv)
    env['PATH'] = osp.dirname(sys.executable) + os.pathsep + env['PATH']
    env['OMP_NUM_THREADS'] = '1'
    proc = subprocess.run(args, cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def data_root(root, split='train'):
    return f'{split}_dataloader.dataset.data_root={root}'


def load_meta(path):
    return torch.load(path, map_location='cpu')['meta']  # weights-only


@pytest.mark.slow
def test_train_then_resume(tiny_coco, tmp_path):
    work = str(tmp_path / 'work')
    common = [sys.executable, 'tools/train.py', CONFIG, '--work-dir', work]
    run_tool(common + ['--cfg-options', data_root(tiny_coco),
                       'train_cfg.max_epochs=1'])
    meta = load_meta(osp.join(work, 'epoch_1.pth'))
    assert (meta['epoch'], meta['iter']) == (1, 4)

    out = run_tool(common + ['--resume', '--cfg-options',
                             data_root(tiny_coco),
                             'train_cfg.max_epochs=2'])
    assert 'resumed epoch: 1, iter: 4' in out
    meta = load_meta(osp.join(work, 'epoch_2.pth'))
    assert (meta['epoch'], meta['iter']) == (2, 8)

    results = str(tmp_path / 'results.pkl')
    out = run_tool([sys.executable, 'tools/test.py', CONFIG,
                    osp.join(work, 'epoch_2.pth'), '--work-dir', work,
                    '--out', results, '--show-dir', 'vis', '--cfg-options',
                    data_root(tiny_coco, 'test'),
                    f'test_evaluator.ann_file={tiny_coco}/annotations.json'])
    assert 'Epoch(test) [4/4]' in out
    with open(results, 'rb') as f:
        predictions = pickle.load(f)
    assert len(predictions) == 4
    assert predictions[0]['pred_instances']['bboxes'].shape[-1] == 4
    drawn = glob.glob(osp.join(work, '*', 'vis', '*.png'))
    assert len(drawn) == 4, drawn

    # a Kaggle submission: every test image a row, named by its file stem
    submission = str(tmp_path / 'submission.csv')
    run_tool([sys.executable, 'tools/test.py', CONFIG,
              osp.join(work, 'epoch_2.pth'), '--work-dir', work, '--out',
              submission, '--cfg-options', data_root(tiny_coco, 'test'),
              f'test_evaluator.ann_file={tiny_coco}/annotations.json'])
    rows = read_submission(submission)
    assert list(rows) == ['000', '001', '002', '003']


@pytest.mark.slow
@pytest.mark.dist
def test_dist_train_two_cpu_processes(tiny_coco, tmp_path):
    work = str(tmp_path / 'dist')
    out = run_tool(['bash', 'tools/dist_train.sh', CONFIG, '2',
                    '--work-dir', work, '--cfg-options', data_root(tiny_coco)],
                   PORT=str(free_port()))
    assert 'Distributed training: True' in out
    # 4 images, batch 1, 2 ranks: the sampler shards them, 2 iterations each
    meta = load_meta(osp.join(work, 'epoch_1.pth'))
    assert (meta['epoch'], meta['iter']) == (1, 2)


@pytest.mark.slow
def test_the_same_seed_gives_the_same_weights(granet_stages, tmp_path):
    """tools/train.py with randomness.seed (what the pipeline passes every
    training stage): GRANet on the mini configs, its random pieces (the
    pseudo-abnormal pastes, flips, the detector's init, the data order)
    drawn from the seed; the same seed twice gives the same weights, another
    seed other weights."""
    from conftest import write_granet_mini_config
    config = write_granet_mini_config(str(tmp_path / 'granet.py'),
                                      granet_stages, max_epochs=2,
                                      schedule='1:1')

    def train(seed, name):
        work = str(tmp_path / name)
        run_tool([sys.executable, 'tools/train.py', config, '--work-dir',
                  work, '--cfg-options', f'randomness.seed={seed}',
                  'train_dataloader.dataset.indices=4'],
                 **granet_stages['env'])
        return torch.load(osp.join(work, 'epoch_2.pth'),
                          map_location='cpu')['state_dict']

    a, b, c = train(3, 'a'), train(3, 'b'), train(4, 'c')
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)
