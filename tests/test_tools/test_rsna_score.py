import json
import subprocess
import sys

import pytest

LABELS = ('patientId,x,y,width,height,Target\n'
          'a,0,0,10,10,1\nb,,,,,0\n')


def run(tmp_path, submission, *args):
    (tmp_path / 'gt.csv').write_text(LABELS)
    (tmp_path / 'sub.csv').write_text(submission)
    return subprocess.run([sys.executable, 'tools/rsna_score.py',
                           str(tmp_path / 'gt.csv'),
                           str(tmp_path / 'sub.csv'), *args],
                          capture_output=True, text=True)


def test_last_line_is_json(tmp_path):
    proc = run(tmp_path, 'patientId,PredictionString\n'
               'a,0.9 0 0 10 10 0.1 50 50 5 5\nb,\n', '--sweep')
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result['AP'] == 0.5
    assert result['AP@0.4'] == 0.5 and result['AP@0.75'] == 0.5
    assert result['best_score_thr'] == 0.15
    assert result['AP@best_score_thr'] == 1.0


def test_options(tmp_path):
    sub = 'patientId,PredictionString\na,0.9 0 0 10 10 0.1 50 50 5 5\n'
    r = json.loads(run(tmp_path, sub, '--score-thr', '0.5')
                   .stdout.splitlines()[-1])
    assert r['AP'] == 1.0
    r = json.loads(run(tmp_path, sub, '--no-fn').stdout.splitlines()[-1])
    assert sorted(k for k in r if k.startswith('AP@')) == [
        'AP@0.4', 'AP@0.5', 'AP@0.6']
    r = json.loads(run(tmp_path, sub, '--iou-thrs', '0.3', '0.5')
                   .stdout.splitlines()[-1])
    assert sorted(k for k in r if k.startswith('AP@')) == [
        'AP@0.3', 'AP@0.5']


@pytest.mark.parametrize('submission, message', [
    ('patientId,PredictionString\nzz,\n', '1 patients are not in'),
    ('patientId,PredictionString\na,0.9 0 0 10\n', 'line 2: 4 tokens'),
    ('', 'empty file'),
])
def test_bad_input_exits_non_zero_with_the_problem(tmp_path, submission,
                                                   message):
    proc = run(tmp_path, submission)
    assert proc.returncode == 2
    assert message in proc.stderr and 'sub.csv' in proc.stderr
