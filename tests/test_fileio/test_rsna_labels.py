import numpy as np
import pytest

from mmgranet.fileio import InputError, read_rsna_labels

HEADER = 'patientId,x,y,width,height,Target\n'


def write(tmp_path, body, header=HEADER):
    path = tmp_path / 'labels.csv'
    path.write_text(header + body)
    return str(path)


def test_reads_boxes_and_negatives(tmp_path):
    path = write(tmp_path, 'a,10,20,30,40,1\n'
                 'b,,,,,0\n'
                 'a,100,100,10,10,1\n')
    labels = read_rsna_labels(path)
    assert list(labels) == ['a', 'b']
    np.testing.assert_array_equal(
        labels['a'], [[10, 20, 40, 60], [100, 100, 110, 110]])
    assert labels['b'].shape == (0, 4)


@pytest.mark.parametrize('body, message', [
    ('a,10,20,30,1\n', 'line 2: 5 columns, expected 6'),
    ('a,10,x,30,40,1\n', 'line 2: non-numeric box'),
    ('a,10,20,0,40,1\n', 'line 2: box with zero or negative size'),
    ('a,10,20,30,-4,1\n', 'line 2: box with zero or negative size'),
    ('a,10,20,30,nan,1\n', 'line 2: non-finite box'),
    ('a,10,20,30,40,2\n', "line 2: Target '2', expected 0 or 1"),
    ('a,10,20,30,40,0\n', 'line 2: Target 0 with a box'),
    ('a,10,20,30,40,1\nb,,,,,0\na,10,20,30,40,1\n',
     'line 4: duplicate of line 2'),
    ('a,10,20,30,40,1\na,,,,,0\n', 'line 3: patient a has rows with '
     'Target 0 and 1'),
    (',,,,,0\n', 'line 2: empty patientId'),
])
def test_bad_rows_name_file_and_line(tmp_path, body, message):
    path = write(tmp_path, body)
    with pytest.raises(InputError) as e:
        read_rsna_labels(path)
    assert str(e.value).startswith(path)
    assert message in str(e.value)


def test_skip_mode_warns_with_count(tmp_path):
    path = write(tmp_path, 'a,10,20,30,40,1\nb,1,2,x,4,1\nc,1,2,0,4,1\n'
                 'd,,,,,0\n')
    with pytest.warns(UserWarning, match='skipped 2 bad rows'):
        labels = read_rsna_labels(path, on_error='skip')
    assert list(labels) == ['a', 'd']


def test_bad_header_and_empty_file(tmp_path):
    with pytest.raises(InputError, match='line 1: header'):
        read_rsna_labels(write(tmp_path, 'a,1,2,3,4,1\n',
                               header='id,x,y,w,h,t\n'))
    with pytest.raises(InputError, match='empty file'):
        read_rsna_labels(write(tmp_path, '', header=''))
    with pytest.raises(InputError, match='cannot read'):
        read_rsna_labels(str(tmp_path / 'missing.csv'))
