"""tools/misc/compare_runs.py: two runs' checkpoints, submissions and
results compared; a difference anywhere is exit 1, a corrupt checkpoint
an error naming the file."""
import json
import os
import subprocess
import sys

import torch
from test_tools.test_train_tools import REPO

TOOL = os.path.join(REPO, 'tools', 'misc', 'compare_runs.py')


def write_run(root, weight=1.0, ap=0.5, box='0.9 1 2 3 4'):
    os.makedirs(root / 'granet')
    os.makedirs(root / 'submissions')
    torch.save({'state_dict': {'w': torch.full((3, ), weight),
                               'b': torch.zeros(2)}},
               root / 'granet' / 'epoch_16.pth')
    (root / 'submissions' / 'granet_test.csv').write_text(
        f'patientId,PredictionString\np1,{box}\n')
    (root / 'results.json').write_text(json.dumps(
        {'detection': {'granet': {'AP': ap, 'score_thr': 0.4}}}))


def run(*args):
    return subprocess.run([sys.executable, TOOL, *map(str, args)],
                          cwd=REPO, capture_output=True, text=True)


def test_identical_runs_and_each_kind_of_difference(tmp_path):
    write_run(tmp_path / 'a')
    write_run(tmp_path / 'b')
    same = run(tmp_path / 'a', tmp_path / 'b')
    assert same.returncode == 0, same.stderr
    assert json.loads(same.stdout.splitlines()[-1])['same'] is True
    assert 'granet: epoch_16.pth identical' in same.stdout

    write_run(tmp_path / 'c', weight=1.5, ap=0.6, box='0.8 1 2 3 4')
    other = run(tmp_path / 'a', tmp_path / 'c')
    assert other.returncode == 1
    assert '1 of 2 tensors differ, max |diff| 0.5' in other.stdout
    assert 'granet_test.csv: DIFFERS' in other.stdout
    items = json.loads(other.stdout.splitlines()[-1])['items']
    assert items['results']['differ'] == ['granet.AP']


def test_a_corrupt_checkpoint_names_the_file(tmp_path):
    write_run(tmp_path / 'a')
    write_run(tmp_path / 'b')
    bad = tmp_path / 'b' / 'granet' / 'epoch_16.pth'
    bad.write_bytes(b'not a checkpoint')
    proc = run(tmp_path / 'a', tmp_path / 'b')
    assert proc.returncode != 0
    assert str(bad) in proc.stderr and 'not a readable checkpoint' in \
        proc.stderr
    empty = run(tmp_path / 'none', tmp_path / 'b')
    assert empty.returncode == 2
    assert 'no checkpoints, submissions or results.json' in empty.stderr
