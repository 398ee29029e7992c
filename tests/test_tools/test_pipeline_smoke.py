"""The full-resolution path on a CPU: every stage of the RSNA preset with
the real RSNA configs (SE-ResNeXt101 at 512 px, the 64-channel 9-block G
at 256, the STN at 256 with its VGG16 loss) on a generated 1024 px
RSNA-layout dataset, a few iterations per training stage, ending in
scored submissions in original pixels."""
import json
import os.path as osp
import sys

import pytest
from test_tools.test_train_tools import run_tool

from mmgranet.fileio import read_split_file, read_submission


@pytest.mark.slow
def test_rsna_preset_smoke_run(tmp_path):
    data = str(tmp_path / 'rsna-smoke')
    work = str(tmp_path / 'work')
    out = run_tool([sys.executable, 'tools/run_pipeline.py', '--preset',
                    'rsna', '--smoke', '--jobs', '1', '--data-root', data,
                    '--work-dir', work], timeout=2400)
    art = osp.join(work, 'fold0')
    for stage in ('baseline', 'aligner', 'realistic', 'abn2nor', 'granet'):
        assert osp.exists(osp.join(art, stage, 'epoch_1.pth')), stage
    # GRANet trained through the user's command
    with open(osp.join(art, 'stamps', 'granet.json')) as f:
        cmd = json.load(f)['cmd']
    assert cmd[1:3] == ['tools/train.py',
                        'configs/granet/retinanet_seresnext101.py'], cmd
    # the SE-ResNeXt101 weights were loaded strictly, every key
    log = open(osp.join(art, 'logs', 'baseline.log')).read()
    assert 'all 756 keys loaded' in log
    test = read_split_file(osp.join(data, 'splits', 'test.txt'))
    for name in ('baseline', 'granet'):
        sub = read_submission(osp.join(art, 'submissions',
                                       f'{name}_test.csv'))
        assert sorted(sub) == sorted(test)
        for boxes, _ in sub.values():  # original 1024 px
            assert (boxes >= 0).all() and (boxes <= 1024 + 1e-3).all()
        with open(osp.join(art, 'scores', f'{name}.json')) as f:
            assert 0 <= json.load(f)['AP'] <= 1
    assert 'test AP' in out
