import json
import os
import os.path as osp

import numpy as np
import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def write_tiny_coco(root: str, num_images: int = 4, size: int = 64) -> str:
    """Write a COCO-format detection set: bright boxes on noise, one image
    without any box (RSNA's common case). Returns ``root``."""
    import cv2
    rng = np.random.default_rng(0)
    os.makedirs(osp.join(root, 'images'), exist_ok=True)
    images, annotations = [], []
    for i in range(num_images):
        img = rng.integers(0, 60, (size, size), dtype=np.uint8)
        name = f'{i:03d}.png'
        if i > 0:  # image 0 has no box
            x, y = (int(v) for v in rng.integers(4, size // 2, size=2))
            w, h = size // 4, size // 4
            img[y:y + h, x:x + w] = 200
            annotations.append(dict(
                id=len(annotations) + 1, image_id=i, category_id=1,
                bbox=[x, y, w, h], area=w * h, iscrowd=0))
        cv2.imwrite(osp.join(root, 'images', name), img)
        images.append(dict(id=i, file_name=name, width=size, height=size))
    with open(osp.join(root, 'annotations.json'), 'w') as f:
        json.dump(dict(images=images, annotations=annotations,
                       categories=[dict(id=1, name='Lung Opacity')]), f)
    return root


@pytest.fixture
def tiny_coco(tmp_path):
    return write_tiny_coco(str(tmp_path / 'tiny_coco'))


@pytest.fixture
def repo_root():
    return REPO_ROOT


@pytest.fixture(scope='session')
def mini_rsna(tmp_path_factory):
    """A small mini-RSNA (24 train + 4 test patients, 128 px) with splits.
    Tests must not modify it; copy it first (``mini_rsna_copy``)."""
    from mmgranet.datasets import make_rsna_splits, write_rsna_splits
    from mmgranet.datasets.synthetic import make_mini_rsna
    from mmgranet.fileio import read_rsna_class_info
    root = str(tmp_path_factory.mktemp('mini') / 'mini-rsna')
    make_mini_rsna(root, num_patients=24, size=128, seed=0, num_test=4)
    labels = read_rsna_class_info(osp.join(root,
                                           'stage_2_detailed_class_info.csv'))
    write_rsna_splits(make_rsna_splits(labels, 4, 6, 0),
                      osp.join(root, 'splits'), {})
    return root


@pytest.fixture
def mini_rsna_copy(mini_rsna, tmp_path):
    import shutil
    dst = str(tmp_path / 'mini-rsna')
    shutil.copytree(mini_rsna, dst)
    return dst


def save_generator_checkpoint(path: str, base_channels: int = 32,
                              num_blocks: int = 6, seed: int = 0,
                              residual: bool = True) -> str:
    """An Abn2Nor-style checkpoint (``generator.*`` keys) of a fresh G:
    a ResidualGenerator as the configs' default (``residual=False``: the
    paper's plain CycleGAN generator). The residual's last layer keeps its
    random initialisation, so G is not the identity and |x - G(x)| is not
    zero."""
    import torch
    from mmengine.registry import init_default_scope

    from mmgranet.registry import MODELS
    init_default_scope('mmgranet')
    torch.manual_seed(seed)
    plain = dict(type='mmagic.ResnetGenerator', in_channels=1,
                 out_channels=1, base_channels=base_channels,
                 num_blocks=num_blocks)
    if residual:
        g = MODELS.build(dict(type='ResidualGenerator', generator=plain))
        g.residual.init_weights()  # not zeroed: a G that changes x
    else:
        g = MODELS.build(plain)
        g.init_weights()
    state = {f'generator.{k}': v for k, v in g.state_dict().items()}
    torch.save(dict(meta=dict(epoch=1), state_dict=state), path)
    return path


@pytest.fixture(scope='session')
def granet_stages(mini_rsna, tmp_path_factory):
    """What the pipeline's stages write for setting fold0, made on the
    session's mini-RSNA and laid out as the pipeline lays them
    (WORK/fold0/, configs/_base_/datasets/rsna_detection.py): an aligned
    copy that is the images themselves with identity affines, pseudo pairs
    on fold0's training patients, their pseudo-normals standing in for
    G_realistic's targets, and an Abn2Nor checkpoint of the mini
    generator's shape where the mini GRANet config looks for it. Use it
    with ``pipeline_env``, which points the configs at it."""
    import shutil

    from mmgranet.datasets.synthetic import read_poses
    from mmgranet.pseudo.offline import make_pseudo_pairs
    work = tmp_path_factory.mktemp('work')
    art = work / 'fold0'
    aligned = str(art / 'aligned')
    shutil.copytree(mini_rsna, aligned, ignore=shutil.ignore_patterns(
        'normal_twins', 'splits', '*.png'))
    affines = osp.join(aligned, 'affines.csv')
    with open(affines, 'w') as f:
        f.write('patientId,a11,a12,a13,a21,a22,a23\n')
        for pid in read_poses(mini_rsna):
            f.write(f'{pid},1,0,0,0,1,0\n')
    pairs = str(art / 'pairs')
    make_pseudo_pairs(aligned, pairs, k=2, workers=1,
                      split_file=osp.join(mini_rsna, 'splits',
                                          'fold0_train.txt'))
    targets = str(art / 'realistic_targets')
    shutil.copytree(osp.join(pairs, 'pseudo_normal'), targets)
    os.makedirs(art / 'abn2nor')
    ckpt = save_generator_checkpoint(str(art / 'abn2nor' / 'epoch_10.pth'))
    env = dict(MMGRANET_DATA_ROOT=mini_rsna + '/',
               MMGRANET_WORK_ROOT=str(work) + '/', MMGRANET_SETTING='fold0')
    return dict(data_root=mini_rsna, work_root=str(work) + '/',
                setting='fold0', artifacts=str(art) + '/',
                aligned_root=aligned + '/', affine_file=affines,
                neighbour_file=osp.join(pairs, 'neighbours.csv'),
                target_root=targets, checkpoint=ckpt, env=env)


@pytest.fixture
def pipeline_env(granet_stages, monkeypatch):
    """The configs' paths (MMGRANET_* environment variables) pointed at
    ``granet_stages``; subprocesses inherit them."""
    for key, value in granet_stages['env'].items():
        monkeypatch.setenv(key, value)
    return granet_stages


MINI_GRANET = osp.join(
    REPO_ROOT, 'configs', 'granet', 'granet_retinanet-dagger_r18_fpn-p2_'
    '1xb8-8e-alt2-2_mini-rsna-align-syn.py')


def write_granet_mini_config(path: str, stages: dict, size: int = 64,
                             **train_cfg) -> str:
    """A child of the mini GRANet config at ``size`` px with tiny loaders;
    it reads the ``granet_stages`` artifacts through the environment
    (``pipeline_env``)."""
    train_cfg = dict(dict(max_epochs=2, schedule='1:1', val_interval=100,
                          detector_epochs=None), **train_cfg)
    text = f"""_base_ = {MINI_GRANET!r}
scale = ({size}, {size})


def sized(pipeline):
    return [dict(t, load_scale=scale) if t['type'] == 'LoadDicomFromFile'
            else t for t in pipeline]


model = dict(generator_size={size // 2})
loader = dict(batch_size=2, num_workers=0, persistent_workers=False)
train_dataloader = dict(
    loader, dataset=dict(pipeline=sized(_base_.granet_train_pipeline)))
val_dataloader = dict(
    loader, dataset=dict(pipeline=sized(_base_.align_test_pipeline)))
test_dataloader = dict(
    loader, dataset=dict(pipeline=sized(_base_.align_test_pipeline)))
train_cfg = {train_cfg!r}
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1))
"""
    with open(path, 'w') as f:
        f.write(text)
    return path
