"""The cGAN stages chained on a mini-RSNA: pseudo pairs -> G_realistic
(eq. 2, tools/train.py) -> its targets (tools/stages/make_realistic_targets.py)
-> the Abn2Nor dataset (eq. 3)."""
import os
import os.path as osp
import subprocess
import sys

import pytest
from mmengine.registry import init_default_scope

from mmgranet.datasets import CGANPairDataset
from mmgranet.fileio import InputError, read_dicom, read_split_file
from mmgranet.pseudo.offline import make_pseudo_pairs

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SMALL = ['model.generator.base_channels=8', 'model.generator.num_blocks=1',
         'model.discriminator.base_channels=8',
         'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
         'train_dataloader.persistent_workers=False',
         'train_dataloader.dataset.size=64', 'train_cfg.max_epochs=1']


def run(*args):
    proc = subprocess.run([sys.executable, *args], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


@pytest.mark.slow
def test_realistic_then_targets_then_abn2nor(mini_rsna_copy, tmp_path):
    root = mini_rsna_copy
    pairs = osp.join(root, 'pairs')
    split = osp.join(root, 'splits', 'fold0_train.txt')
    counts = make_pseudo_pairs(root, pairs, k=1, workers=1, split_file=split)
    work = str(tmp_path / 'realistic')
    config = 'configs/cgan/realistic_resnet6-32c_1xb4-8e_mini-rsna.py'
    run('tools/train.py', config, '--work-dir', work, '--cfg-options',
        *SMALL,
        f'train_dataloader.dataset.input_root={pairs}/pseudo_normal',
        f'train_dataloader.dataset.target_root={pairs}/pseudo_normal',
        f'train_dataloader.dataset.normal_root={root}',
        f'train_dataloader.dataset.split_file={split}')
    ckpt = osp.join(work, 'epoch_1.pth')
    assert osp.exists(ckpt)

    targets = osp.join(pairs, 'realistic_targets')
    small_cfg = str(tmp_path / 'small.py')
    with open(small_cfg, 'w') as f:
        f.write(f"_base_ = '{osp.join(REPO, config)}'\n"
                'model = dict(generator=dict(base_channels=8, num_blocks=1),'
                ' discriminator=dict(base_channels=8))\n'
                'train_dataloader = dict(dataset=dict(size=64))\n')
    out = run('tools/stages/make_realistic_targets.py', small_cfg, ckpt,
              '--input-root', osp.join(pairs, 'pseudo_normal'), '--out',
              targets)
    assert f'"written": {counts["pseudo_normal"]}' in out
    names = sorted(os.listdir(osp.join(targets, 'stage_2_train_images')))
    assert len(names) == counts['pseudo_normal']
    img = read_dicom(osp.join(targets, 'stage_2_train_images', names[0]))
    assert img.shape == (128, 128)  # the original size
    assert '"written": 0' in run('tools/stages/make_realistic_targets.py',
                                 small_cfg, ckpt, '--input-root',
                                 osp.join(pairs, 'pseudo_normal'), '--out',
                                 targets)

    init_default_scope('mmgranet')
    ds = CGANPairDataset(input_root=root, target_root=targets,
                         normal_root=root, size=64, split_file=split)
    assert len(ds) == counts['pseudo_normal']
    # the discriminator's real normals are the split's too
    assert ds._normals and set(ds._normals) <= set(read_split_file(split))
    with pytest.raises(InputError, match='targets are of patients outside'):
        CGANPairDataset(input_root=root, target_root=targets,
                        normal_root=root,
                        split_file=osp.join(root, 'splits', 'fold0_val.txt'))
    item = ds[0]['inputs']
    assert {k: tuple(v.shape) for k, v in item.items()} == {
        'input': (1, 64, 64), 'target': (1, 64, 64), 'real': (1, 64, 64)}
    with pytest.raises(InputError, match='the stage that writes them'):
        CGANPairDataset(input_root=root, target_root=str(tmp_path / 'no'),
                        normal_root=root)
