"""The inferencer on new radiographs gives what the scored path gives:
on the same images and affines, GRANet's boxes from tools/infer.py's
library equal tools/test.py's submission (the test pipeline, the inverse
box mapping), unaligned and aligned; fusion keeps one member as it is and
merges agreeing members; tools/infer.py writes every input, resumes,
names a bad file and with --skip-bad lists it."""
import os
import os.path as osp
import shutil
import subprocess
import sys

import numpy as np
import pytest
from conftest import write_granet_mini_config
from test_tools.test_generation_comparison import save_random
from test_tools.test_train_tools import run_tool

from mmgranet.apis.inferencer import GRANetInferencer, fuse
from mmgranet.datasets.transforms import read_affines
from mmgranet.fileio import read_submission, write_submission

BASELINE = 'configs/retinanet/retinanet-dagger_r18_fpn-p2_1xb8-8e_mini-rsna.py'
STN = 'configs/aligner/stn_r18_5e_mini-rsna.py'
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_fuse_one_member_and_agreeing_members():
    boxes = np.array([[10., 10., 50., 60.], [100., 100., 120., 130.]])
    scores = np.array([0.9, 0.4])
    b, s = fuse([(boxes, scores)], (200, 200))
    assert (b == boxes).all() and (s == scores).all()
    for method in ('wbf', 'nms'):
        b, s = fuse([(boxes, scores), (boxes + 1, scores)], (200, 200),
                    method)
        assert len(b) == 2, method
        assert np.allclose(b[0], boxes[0] + (0.5 if method == 'wbf' else 0),
                           atol=1.01)
    # a box only one of two members finds scores lower than one both find
    b, s = fuse([(boxes, scores), (boxes[:1], scores[:1])], (200, 200))
    assert s[0] == pytest.approx(0.9) and s[1] < 0.4
    with pytest.raises(ValueError, match='fusion'):
        fuse([(boxes, scores)] * 2, (200, 200), 'vote')


class KnownAffines(GRANetInferencer):
    """The affines of a CSV (what tools/test.py reads) instead of the
    STN's."""
    csv = None

    def affines(self, images, paths, aligner=None):
        table = read_affines(self.csv)
        return [table[osp.splitext(osp.basename(p))[0]] for p in paths]


def scored_submission(tmp_path, config, ckpt, env):
    out = str(tmp_path / 'sub.csv')
    run_tool([sys.executable, 'tools/test.py', config, ckpt, '--split',
              'test', '--out', out, '--work-dir', str(tmp_path / 'test')],
             **env)
    return read_submission(out)


def assert_same(preds, paths, submission, tmp_path):
    """The inferencer's predictions, written as a submission the same
    way, equal tools/test.py's."""
    mine = str(tmp_path / 'mine.csv')
    write_submission(mine, {osp.splitext(osp.basename(path))[0]:
                            (p.boxes, p.scores)
                            for path, p in zip(paths, preds)})
    mine = read_submission(mine)
    assert len(preds) == len(paths) == len(submission) == len(mine)
    assert sum(len(s) for s, _ in submission.values()) > 0
    for pid, (boxes, scores) in submission.items():
        assert mine[pid][0].shape == boxes.shape, pid
        assert np.allclose(mine[pid][0], boxes, atol=0.11), pid
        assert np.allclose(mine[pid][1], scores, atol=2e-4), pid


@pytest.mark.slow
def test_inferencer_equals_the_scored_path(granet_stages, tmp_path,
                                           monkeypatch):
    # a copy of the setting's artifacts with affines that move the image
    work = str(tmp_path / 'work')
    shutil.copytree(granet_stages['work_root'], work)
    affines = osp.join(work, 'fold0', 'aligned', 'affines.csv')
    pids = list(read_affines(affines))
    rng = np.random.default_rng(0)
    with open(affines, 'w') as f:
        f.write('patientId,a11,a12,a13,a21,a22,a23\n')
        for pid in pids:
            m = [0.92 + 0.04 * rng.random(), 0.03, 6, -0.02, 0.95, 4]
            f.write(pid + ',' + ','.join(map(str, m)) + '\n')
    env = dict(granet_stages['env'], MMGRANET_WORK_ROOT=work + '/')
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    # tools/test.py runs on one thread (run_tool): so does the inferencer,
    # or a random model's scores near its cut-off differ in the last bits
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    request_threads = threads
    images = osp.join(granet_stages['data_root'], 'stage_2_test_images')
    paths = sorted(osp.join(images, n) for n in os.listdir(images))

    # unaligned: the baseline RetinaNet†
    ckpt = str(tmp_path / 'baseline.pth')
    save_random(BASELINE, ckpt, 1)
    preds = GRANetInferencer(BASELINE, [ckpt], device='cpu')(paths)
    assert all(p.affine is None and p.p_opacity is not None for p in preds)
    assert_same(preds, paths,
                scored_submission(tmp_path, BASELINE, ckpt, env), tmp_path)

    # aligned GRANet: the same affines, boxes back through their inverse
    config = write_granet_mini_config(str(tmp_path / 'granet.py'),
                                      granet_stages)
    ckpt = str(tmp_path / 'granet.pth')
    save_random(config, ckpt, 2)
    KnownAffines.csv = affines
    preds = KnownAffines(config, [ckpt], device='cpu')(paths)
    assert all(p.residual is not None and p.affine is not None
               for p in preds)
    assert_same(preds, paths, scored_submission(tmp_path, config, ckpt, env),
                tmp_path)
    with pytest.raises(Exception, match='aligner'):
        GRANetInferencer(config, [ckpt], device='cpu')
    torch.set_num_threads(request_threads)


@pytest.mark.slow
def test_infer_tool_ensemble_flip_resume_and_bad_files(granet_stages,
                                                       pipeline_env,
                                                       tmp_path):
    import cv2
    config = write_granet_mini_config(str(tmp_path / 'granet.py'),
                                      granet_stages)
    ckpts = [str(tmp_path / f'granet{i}.pth') for i in range(2)]
    for i, c in enumerate(ckpts):
        save_random(config, c, 3 + i)
    # an STN: the reference is a training image, random weights
    art = granet_stages['artifacts']
    images = osp.join(granet_stages['data_root'], 'stage_2_test_images')
    ref = cv2.imread(osp.join(granet_stages['data_root'], 'normal_twins',
                              os.listdir(osp.join(granet_stages['data_root'],
                                                  'normal_twins'))[0]), 0)
    cv2.imwrite(osp.join(art, 'reference.png'), ref)
    stn = str(tmp_path / 'stn.pth')
    save_random(STN, stn, 5)
    inputs = tmp_path / 'inputs'
    inputs.mkdir()
    names = sorted(os.listdir(images))
    for n in names:
        shutil.copy(osp.join(images, n), inputs / n)
    # a PNG export and a corrupt DICOM beside them
    png = cv2.imread(osp.join(granet_stages['data_root'], 'normal_twins',
                              os.listdir(osp.join(granet_stages['data_root'],
                                                  'normal_twins'))[1]), 0)
    cv2.imwrite(str(inputs / 'export.png'), png)
    (inputs / 'broken.dcm').write_bytes(b'DICM' + b'\0' * 40)
    out = str(tmp_path / 'out')
    cmd = [sys.executable, 'tools/infer.py', str(inputs), config, *ckpts,
           '--aligner', STN, stn, '--flip', '--show', '--device', 'cpu',
           '--out', out, '--batch-size', '2']
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 2
    assert 'broken.dcm' in proc.stderr and '--skip-bad' in proc.stderr
    text = run_tool(cmd + ['--skip-bad'], timeout=900)
    assert '"bad": 1' in text
    sub = read_submission(osp.join(out, 'submission.csv'))
    stems = {osp.splitext(n)[0] for n in names} | {'export', 'broken'}
    assert set(sub) == stems  # every input a row, the bad one empty
    assert len(sub['broken'][0]) == 0
    with open(osp.join(out, 'bad_files.txt')) as f:
        assert 'broken.dcm' in f.read()
    import json
    with open(osp.join(out, 'predictions', 'export.json')) as f:
        r = json.load(f)
    assert r['members'] == 4  # 2 checkpoints x (image, flip)
    assert len(r['affine']) == 6 and r['p_opacity'] is not None
    assert len(os.listdir(osp.join(out, 'show'))) == len(stems) - 1
    again = run_tool(cmd + ['--skip-bad'], timeout=900)
    assert f'"reused": {len(stems) - 1}' in again
    # another model into the same folder is refused
    proc = subprocess.run(cmd[:5] + cmd[6:], capture_output=True,
                          text=True, cwd=REPO)
    assert proc.returncode == 2 and 'other models' in proc.stderr
