"""tools/analysis/ablation_mini.py --report: mean ± std over the finished
seeds, rows that share runs read one directory, runs are found where the
training writes them."""
import json
import os
import os.path as osp
import sys

from test_tools.test_train_tools import run_tool


def write_result(work, table, slug, seed, ap_best, ap=0.01):
    path = osp.join(work, table, slug, f'seed{seed}')
    os.makedirs(path)
    with open(osp.join(path, 'result.json'), 'w') as f:
        json.dump({'AP': ap, 'AP@0.4': ap, 'AP@best_score_thr': ap_best}, f)


def row(out, name):
    lines = [ln for ln in out.splitlines() if ln.startswith(f'| {name} |')]
    assert len(lines) == 1, (name, out)
    return [c.strip() for c in lines[0].strip('|').split('|')]


def test_report_means_and_shared_runs(tmp_path):
    work = str(tmp_path / 'ablation')
    ckpt = tmp_path / 'abn2nor.pth'
    ckpt.write_bytes(b'')
    write_result(work, 'table1', 'retinanet-baseline', 0, 0.1)
    write_result(work, 'table1', 'retinanet-baseline', 1, 0.3)
    write_result(work, 'table1', 'all-granet', 0, 0.5)
    write_result(work, 'tableequal', 'all-granet-16-epochs', 1, 0.7)
    out = run_tool([
        sys.executable, 'tools/analysis/ablation_mini.py', '--report',
        '--epochs', '8', '--seeds', '0', '1', '--tables', '1', 'knobs', '3',
        'equal', '--schedules', '2:2', '--work-dir', work, '--abn2nor',
        str(ckpt)
    ])
    # mean ± sample std over the two seeds
    assert row(out, 'RetinaNet† (baseline)')[1:] == [
        '2', '0.010 ± 0.000', '0.010 ± 0.000', '0.200 ± 0.141']
    # a variant without finished runs is not printed
    assert '| + align |' not in out
    # table 3's 2:2 and the knobs' 128 px row are table 1's "all"
    for name in ('all (GRANet)', 'schedule 2:2',
                 'G at 128 px (as trained; = all)'):
        assert row(out, name)[1:2] == ['1'] and \
            row(out, name)[-1] == '0.500 ± 0.000', name
    assert row(out, 'all (GRANet), 16 epochs')[-1] == '0.700 ± 0.000'
    summary = json.load(open(osp.join(work, 'summary.json')))
    assert len(summary['table1/RetinaNet† (baseline)']) == 2


def test_missing_abn2nor_checkpoint_names_make_demo(tmp_path):
    import subprocess
    proc = subprocess.run([
        sys.executable, 'tools/analysis/ablation_mini.py', '--report',
        '--work-dir', str(tmp_path), '--abn2nor', str(tmp_path / 'no.pth')
    ], cwd=osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
        capture_output=True, text=True)
    assert proc.returncode != 0
    assert 'no Abn2Nor checkpoint' in proc.stderr and 'make demo' in \
        proc.stderr
