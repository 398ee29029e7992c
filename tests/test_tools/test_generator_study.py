"""tools/experiments/generator_study.py end to end on the pipeline's
artifacts of a generated mini-RSNA: the oracle row (eq. 3 towards the true
twins), an anatomy-keeping row and the paper's row train one epoch each,
the diagnostic table prints the floor, the ceiling and every row for the
validation and the held-out test patients, and a second call reuses every
result."""
import glob
import json
import os
import os.path as osp
import sys

import pytest
from test_tools.test_train_tools import run_tool

from mmgranet.fileio import read_dicom, read_rsna_labels, read_split_file

ROWS = ['oracle: twin targets, box-balanced',
        'inpainted, box-balanced, one-sided',
        'paper: G_realistic targets, global L1']


def test_target_tools_write_the_training_patients(granet_stages, tmp_path):
    data, art = granet_stages['data_root'], granet_stages['artifacts']
    train = read_split_file(osp.join(data, 'splits', 'fold0_train.txt'))
    labels = read_rsna_labels(osp.join(art, 'aligned',
                                       'stage_2_train_labels.csv'))
    abnormal = sorted(p for p in train if len(labels[p]))
    for tool, args in (
            ('tools/stages/make_inpainted_targets.py',
             [art + 'aligned', '--split-file',
              osp.join(data, 'splits', 'fold0_train.txt')]),
            ('tools/analysis/make_twin_targets.py',
             [data, '--artifacts', art])):
        out = str(tmp_path / osp.basename(tool))
        run_tool([sys.executable, tool, *args, '--out', out])
        written = sorted(p[:-4] for p in os.listdir(
            osp.join(out, 'stage_2_train_images')))
        assert written == abnormal, tool
        x = read_dicom(osp.join(art, 'aligned', 'stage_2_train_images',
                                f'{abnormal[0]}.dcm'))
        t = read_dicom(osp.join(out, 'stage_2_train_images',
                                f'{abnormal[0]}.dcm'))
        assert t.shape == x.shape and (t != x).any()
        again = run_tool([sys.executable, tool, *args, '--out', out])
        assert '"written": 0' in again  # resumable: nothing redone


@pytest.mark.slow
def test_study_prints_the_diagnostic_table(granet_stages, tmp_path):
    env = granet_stages['env']
    cmd = [sys.executable, 'tools/experiments/generator_study.py', '--fast',
           '--data-root', env['MMGRANET_DATA_ROOT'], '--work-root',
           env['MMGRANET_WORK_ROOT'], '--out', str(tmp_path / 'study'),
           '--rows', *ROWS]
    out = run_tool(cmd, timeout=1800)
    for split in ('val', 'test'):
        assert f'\n{split} patients (no G saw them)' in out
    # the study's tables (the stages' own output is prefixed by their name)
    lines = out.splitlines()
    assert sum(ln.startswith('| floor: identity G(x) = x |')
               for ln in lines) == 2
    assert sum(ln.startswith('| ceiling: the true twin |')
               for ln in lines) == 2
    for row in ROWS:
        assert sum(ln.startswith(f'| {row} | 1 |') for ln in lines) == 2, \
            row
    results = json.loads([ln for ln in out.splitlines()
                          if ln.startswith('[{')][-1])
    assert [r['name'] for r in results] == ROWS
    assert results[0]['targets'] == 'twin'
    assert 'realistic' in results[2]['seconds']  # eq. 2 trained for it
    assert all(r['seed'] == 0 for r in results)
    # every row is the runner's stages, with their stamps and logs
    study = tmp_path / 'study' / 'fold0'
    logs = sorted(glob.glob(str(study / '**' / 'logs' / '*.log'),
                            recursive=True))
    names = {osp.basename(p) for p in logs}
    assert {'abn2nor.log', 'residual_val.log', 'residual_test.log',
            'targets.log', 'realistic.log'} <= names
    stamps = glob.glob(str(study / '**' / 'stamps' / '*.json'),
                       recursive=True)
    assert len(stamps) == len(logs)
    mtimes = [os.path.getmtime(p) for p in logs]
    again = run_tool(cmd, timeout=600)  # every row reused, nothing rerun
    assert [os.path.getmtime(p) for p in logs] == mtimes
    assert ' $ ' not in again and 'current, skipped' in again
    assert sum(ln.startswith('| floor:') for ln in again.splitlines()) == 2
    assert json.loads([ln for ln in again.splitlines()
                       if ln.startswith('[{')][-1]) == results
