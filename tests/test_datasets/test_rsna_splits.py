import numpy as np
import pytest

from mmgranet.datasets import make_rsna_splits, write_rsna_splits
from mmgranet.fileio import InputError, read_split_file


def labels(n=200, seed=0):
    rng = np.random.default_rng(seed)
    return {f'p{i:04d}': int(c)
            for i, c in enumerate(rng.choice(3, n, p=[0.33, 0.23, 0.44]))}


def test_folds_are_patient_disjoint_and_cover_everyone():
    lab = labels()
    s = make_rsna_splits(lab, 4, 20, 0)
    seen = []
    for k in range(4):
        train, val = set(s[f'fold{k}_train']), set(s[f'fold{k}_val'])
        assert not train & val
        assert train | val == set(lab)
        seen += list(val)
    assert sorted(seen) == sorted(lab)  # each patient validated once


def test_folds_are_stratified():
    lab = labels()
    s = make_rsna_splits(lab, 4, 20, 0)
    total = np.bincount(list(lab.values()), minlength=3)
    for k in range(4):
        counts = np.bincount([lab[p] for p in s[f'fold{k}_val']],
                             minlength=3)
        assert np.all(np.abs(counts - total / 4) <= 1)


def test_holdout_size_and_stratification():
    lab = labels()
    s = make_rsna_splits(lab, 4, 60, 0)
    val, train = s['holdout60_val'], s['holdout60_train']
    assert len(val) == 60 and len(train) == 140
    assert not set(val) & set(train)
    total = np.bincount(list(lab.values()), minlength=3)
    counts = np.bincount([lab[p] for p in val], minlength=3)
    assert np.all(np.abs(counts - total * 60 / 200) <= 1)
    assert 'test' not in s


def test_a_test_set_is_held_out_of_every_setting():
    lab = labels()
    s = make_rsna_splits(lab, 4, 30, 0, test_size=40)
    test = set(s['test'])
    assert len(test) == 40
    counts = np.bincount([lab[p] for p in test], minlength=3)
    total = np.bincount(list(lab.values()), minlength=3)
    assert np.all(np.abs(counts - total * 40 / 200) <= 1)
    for name, ids in s.items():
        if name != 'test':
            assert not test & set(ids), name
    # the settings cover every other patient
    assert set(s['fold0_train']) | set(s['fold0_val']) == set(lab) - test
    assert set(s['holdout30_train']) | set(s['holdout30_val']) == \
        set(lab) - test


def test_deterministic_and_order_independent():
    lab = labels()
    shuffled = dict(sorted(lab.items(), reverse=True))
    assert make_rsna_splits(lab, 4, 20, 0) == \
        make_rsna_splits(shuffled, 4, 20, 0)
    assert make_rsna_splits(lab, 4, 20, 0) != make_rsna_splits(lab, 4, 20, 1)


def test_bad_arguments():
    with pytest.raises(ValueError, match='holdout'):
        make_rsna_splits(labels(10), 4, 10, 0)
    with pytest.raises(ValueError, match='test_size'):
        make_rsna_splits(labels(10), 4, 0, 0, test_size=10)
    with pytest.raises(ValueError, match='folds'):
        make_rsna_splits(labels(3), 4, 0, 0)


def test_files_round_trip(tmp_path):
    s = make_rsna_splits(labels(), 4, 20, 0)
    write_rsna_splits(s, str(tmp_path), dict(seed=0))
    assert read_split_file(str(tmp_path / 'fold2_val.txt')) == s['fold2_val']
    (tmp_path / 'dup.txt').write_text('a\nb\na\n')
    with pytest.raises(InputError, match='line 3: patient a already on '
                       'line 1'):
        read_split_file(str(tmp_path / 'dup.txt'))
    with pytest.raises(InputError, match='make_rsna_splits'):
        read_split_file(str(tmp_path / 'none.txt'))
