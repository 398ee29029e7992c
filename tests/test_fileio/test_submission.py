import os

import numpy as np
import pytest

from mmgranet.fileio import (InputError, as_submitted,
                             format_prediction_string, read_submission,
                             write_submission)


def test_round_trip_in_original_pixels(tmp_path):
    path = str(tmp_path / 'sub.csv')
    preds = {
        'a': (np.array([[10.04, 20.0, 40.0, 60.26], [0, 0, 5, 5]]),
              np.array([0.3, 0.91234])),
        'c': (np.zeros((0, 4)), np.zeros(0)),
    }
    write_submission(path, preds, patient_ids=['a', 'b', 'c'])
    lines = open(path).read().splitlines()
    assert lines[0] == 'patientId,PredictionString'
    # best first, scores 4 decimals, x y w h 1 decimal
    assert lines[1] == 'a,0.9123 0 0 5 5 0.3000 10 20 30 40.3'
    assert lines[2:] == ['b,', 'c,']
    back = read_submission(path)
    assert list(back) == ['a', 'b', 'c']
    np.testing.assert_allclose(back['a'][0], [[0, 0, 5, 5],
                                              [10, 20, 40, 60.3]])
    np.testing.assert_allclose(back['a'][1], [0.9123, 0.3])
    assert back['b'][0].shape == (0, 4)
    assert not [f for f in os.listdir(tmp_path) if f.endswith('.tmp')]


def test_degenerate_boxes_are_left_out_with_a_warning(tmp_path):
    text, dropped = format_prediction_string(
        np.array([[0, 0, 0.01, 5], [0, 0, 5, 5]]), np.array([0.9, 0.8]))
    assert dropped == 1 and text == '0.8000 0 0 5 5'
    with pytest.warns(UserWarning, match='left out 1'):
        write_submission(str(tmp_path / 's.csv'),
                         {'a': (np.array([[0, 0, 0.01, 5]]), np.ones(1))})


def test_predictions_for_unlisted_patients_are_an_error(tmp_path):
    with pytest.raises(ValueError, match='not in patient_ids'):
        write_submission(str(tmp_path / 's.csv'),
                         {'x': (np.zeros((0, 4)), np.zeros(0))}, ['a'])


@pytest.mark.parametrize('body, message', [
    ('a,0.9 1 2 3\n', 'line 2: 4 tokens in PredictionString'),
    ('a,0.9 1 2 three 4\n', "line 2: non-numeric token 'three'"),
    ('a,0.9 1 2 0 4\n', 'line 2: box 1 has zero or negative size'),
    ('a,0.9 1 2 3 4 0.5 1 2 3 -1\n', 'line 2: box 2 has zero or negative'),
    ('a,nan 1 2 3 4\n', 'line 2: NaN or infinite'),
    ('a,\nb,\na,0.5 1 2 3 4\n', 'line 4: patientId a already on line 2'),
    ('a,0.9 1 2 3 4,extra\n', 'line 2: 3 columns, expected 2'),
])
def test_malformed_lines_name_the_line(tmp_path, body, message):
    path = tmp_path / 'sub.csv'
    path.write_text('patientId,PredictionString\n' + body)
    with pytest.raises(InputError) as e:
        read_submission(str(path))
    assert message in str(e.value) and str(path) in str(e.value)


def test_empty_file_and_bad_header(tmp_path):
    path = tmp_path / 'sub.csv'
    path.write_text('')
    with pytest.raises(InputError, match='empty file'):
        read_submission(str(path))
    path.write_text('id,preds\n')
    with pytest.raises(InputError, match='line 1: header'):
        read_submission(str(path))


def test_as_submitted_is_what_the_file_reads_back(tmp_path):
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 500, (200, 2))
    boxes = np.concatenate([xy, xy + rng.uniform(0, 3, (200, 2))], 1)
    boxes[:5, 2] = boxes[:5, 0] + 0.02  # no width after rounding
    scores = rng.uniform(0, 1, 200)
    path = str(tmp_path / 'sub.csv')
    write_submission(path, {'a': (boxes, scores)})
    back_boxes, back_scores = read_submission(path)['a']
    mine_boxes, mine_scores = as_submitted(boxes, scores)
    assert len(mine_boxes) == len(back_boxes) <= 195
    assert np.allclose(mine_boxes, back_boxes, atol=1e-9)
    assert np.allclose(mine_scores, back_scores, atol=1e-12)
