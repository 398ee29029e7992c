"""tools/experiments/ensemble_mini.py: the rows fused offline from the
kept passes give what tools/infer.py gives for the same checkpoints
(single and ensemble, no flip), with the cut-off chosen on the
out-of-fold validation patients; every row is printed with its
intervals."""
import json
import os.path as osp
import sys

import pytest
from test_tools.test_generation_comparison import save_random
from test_tools.test_train_tools import run_tool

from mmgranet.evaluation.functional import (heldout_ap, process,
                                            read_predictions)
from mmgranet.fileio import read_split_file

BASELINE = 'configs/retinanet/retinanet-dagger_r18_fpn-p2_1xb8-8e_mini-rsna.py'


def infer(inputs, ckpts, out):
    run_tool([sys.executable, 'tools/infer.py', inputs, BASELINE, *ckpts,
              '--device', 'cpu', '--out', out])
    return out


@pytest.mark.slow
def test_rows_equal_the_inferencer_and_use_out_of_fold_validation(
        mini_rsna, tmp_path):
    work = tmp_path / 'work'
    ckpts = [str(work / f'fold{k}' / 'baseline' / 'epoch_8.pth')
             for k in (0, 1)]
    for k, c in enumerate(ckpts):
        save_random(BASELINE, c, 30 + k)
    out = str(tmp_path / 'ens')
    text = run_tool([sys.executable, 'tools/experiments/ensemble_mini.py',
                     '--folds', '0', '1', '--methods', 'baseline',
                     '--data-root', mini_rsna + '/', '--work-root',
                     str(work) + '/', '--out', out, '--bootstrap', '20'],
                    timeout=900)
    rows = json.loads([line for line in text.splitlines()
                       if line.startswith('{"')][-1])['RetinaNet†']
    assert list(rows) == ['single (fold 0)', 'single (fold 0) + flip TTA',
                          '2-fold ensemble', '2-fold ensemble + flip TTA']
    assert sum(line.startswith('| RetinaNet† |')
               for line in text.splitlines()) == 4
    val = {k: read_split_file(osp.join(mini_rsna, 'splits',
                                       f'fold{k}_val.txt')) for k in (0, 1)}
    single, ens = rows['single (fold 0)'], rows['2-fold ensemble']
    assert single['num_val'] == len(val[0])
    assert ens['num_val'] == len(val[0]) + len(val[1])
    assert single['num_test'] == ens['num_test'] == 4
    assert single['vs_single'][0] == 0

    # the same through tools/infer.py without flip, scored the same way
    labels = osp.join(mini_rsna, 'stage_2_train_labels.csv')
    test_labels = osp.join(mini_rsna, 'test_labels.csv')

    def read(folder, csv, split=None):  # scored as submitted (0.1 px)
        _, b, s, p, g = read_predictions(folder, csv, split)
        return (*process(b, s, p), g)
    oof = []
    for k in (0, 1):
        listing = osp.join(out, 'baseline', f'val_fold{k}', 'inputs.txt')
        folder = infer(listing, [ckpts[k]], str(tmp_path / f'val{k}'))
        oof.append(read(folder, labels, osp.join(
            mini_rsna, 'splits', f'fold{k}_val.txt')))
    images = osp.join(mini_rsna, 'stage_2_test_images')
    test0 = read(infer(images, ckpts[:1], str(tmp_path / 't0')),
                 test_labels)
    test01 = read(infer(images, ckpts, str(tmp_path / 't01')), test_labels)
    assert heldout_ap(oof[0], test0, num_samples=0)['AP'] == \
        pytest.approx(single['AP'], abs=1e-9)
    both = tuple(a + b for a, b in zip(*oof))
    assert heldout_ap(both, test01, num_samples=0)['AP'] == \
        pytest.approx(ens['AP'], abs=1e-9)
