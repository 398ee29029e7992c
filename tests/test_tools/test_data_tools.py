import json
import os.path as osp
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def run(*args):
    return subprocess.run([sys.executable, *args], cwd=REPO, check=True,
                          capture_output=True, text=True).stdout


def test_make_mini_rsna_and_splits_cli(tmp_path):
    out = str(tmp_path / 'mini')
    text = run('tools/stages/make_mini_rsna.py', '--out', out,
               '--num-patients',
               '12', '--size', '64', '--seed', '3')
    classes = json.loads(text.splitlines()[0])
    assert sum(classes.values()) == 12
    text = run('tools/stages/make_rsna_splits.py', out, '--holdout', '3',
               '--test',
               '0')
    assert 'fold3_val: 3' in text and 'holdout3_val: 3' in text
    assert 'test:' not in text  # mini-RSNA has its own test set
    meta = json.load(open(osp.join(out, 'splits', 'splits.json')))
    assert meta['sizes']['fold0_train'] == 9 and meta['seed'] == 0
