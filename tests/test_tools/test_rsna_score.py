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
    # beside the AP: a's highest box 0.9, b none (0): AUROC 1; a's lesion
    # found at 0.9 with no false mark, the 0.1 box a false positive
    assert result['image_AUROC'] == 1.0
    assert result['FROC_sens@0.125'] == 1.0 and result['FROC_CPM'] == 1.0


def test_options(tmp_path):
    sub = 'patientId,PredictionString\na,0.9 0 0 10 10 0.1 50 50 5 5\nb,\n'
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


def test_a_missing_patient_is_an_error_unless_allowed(tmp_path):
    sub = 'patientId,PredictionString\na,0.9 0 0 10 10\n'
    proc = run(tmp_path, sub)
    assert proc.returncode == 2
    assert '1 of the 2 labelled patients have no row' in proc.stderr
    assert "['b']" in proc.stderr
    r = json.loads(run(tmp_path, sub, '--allow-missing')
                   .stdout.splitlines()[-1])
    assert r['AP'] == 1.0 and r['num_images'] == 1  # b: no gt, no box
    # restricted to a split, the file is complete
    (tmp_path / 'split.txt').write_text('a\n')
    r = json.loads(run(tmp_path, sub, '--split-file',
                       str(tmp_path / 'split.txt')).stdout.splitlines()[-1])
    assert r['AP'] == 1.0


def test_cutoff_chosen_on_validation_then_test_scored(tmp_path):
    """The validation submission picks the cut-off (0.5 keeps its good box
    and drops its bad one); the test submission is scored there, not at
    its own best cut-off."""
    (tmp_path / 'val_gt.csv').write_text(
        'patientId,x,y,width,height,Target\nv,0,0,10,10,1\n')
    (tmp_path / 'val.csv').write_text(
        'patientId,PredictionString\nv,0.9 0 0 10 10 0.4 50 50 5 5\n')
    # test: the true box scores 0.3, below the chosen cut-off
    sub = ('patientId,PredictionString\n'
           'a,0.3 0 0 10 10 0.2 50 50 5 5\nb,\n')
    out = tmp_path / 'scores.json'
    proc = run(tmp_path, sub, '--cutoff-from', str(tmp_path / 'val_gt.csv'),
               str(tmp_path / 'val.csv'), '--bootstrap', '200', '--out',
               str(out))
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout.splitlines()[-1])
    assert r['score_thr'] == 0.45 and r['val_AP'] == 1.0
    assert r['AP'] == 0.0  # a: box dropped, so 1 FN
    assert r['AP_raw'] == 0.5  # every box: 1 TP, 1 FP
    assert r['AP_optimistic'] == 1.0 and r['optimistic_score_thr'] == 0.25
    assert r['AP_ci_low'] <= r['AP'] <= r['AP_ci_high']
    saved = json.load(open(out))
    assert saved['image_scores'] == {'a': 0.0, 'b': None}


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
