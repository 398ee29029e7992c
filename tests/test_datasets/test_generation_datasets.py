"""The data of the generation comparison, built from the configs with the
setting's artifacts: unpaired abnormal / normal images for CycleGAN and
UNIT, and (lesion-free image + region mask, pseudo-abnormal target, real
"Lung Opacity") triples for the normal -> abnormal cGAN; all from the
setting's training patients."""
import os.path as osp

import numpy as np
from conftest import REPO_ROOT
from mmengine import Config
from mmengine.registry import init_default_scope

from mmgranet.fileio import read_rsna_class_info, read_split_file
from mmgranet.registry import DATASETS


def build(name):
    init_default_scope('mmgranet')
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', name))
    return DATASETS.build(cfg.train_dataloader.dataset)


def test_unpaired_domains_of_the_training_patients(pipeline_env):
    ds = build('cyclegan/cyclegan_resnet6-32c_1xb4-20e_mini-rsna.py')
    train = set(read_split_file(osp.join(pipeline_env['data_root'],
                                         'splits', 'fold0_train.txt')))
    classes = read_rsna_class_info(osp.join(
        pipeline_env['data_root'], 'stage_2_detailed_class_info.csv'))
    assert set(ds._pools['abnormal']) <= train
    assert set(ds._pools['normal']) <= train
    assert all(classes[p] == 1 for p in ds._pools['abnormal'])
    assert all(classes[p] == 0 for p in ds._pools['normal'])
    assert len(ds) == len(ds._pools['abnormal'])
    item = ds[0]['inputs']
    assert item['img_abnormal'].shape == item['img_normal'].shape == \
        (1, 128, 128)


def test_normal_to_abnormal_triples(pipeline_env):
    ds = build('cgan/nor2abn_resnet6-32c_1xb4-2e_mini-rsna.py')
    train = set(read_split_file(osp.join(pipeline_env['data_root'],
                                         'splits', 'fold0_train.txt')))
    classes = read_rsna_class_info(osp.join(
        pipeline_env['data_root'], 'stage_2_detailed_class_info.csv'))
    assert all(ds.get_data_info(i)['input_id'] in train
               for i in range(len(ds)))
    assert ds._normals and all(classes[p] == 1 for p in ds._normals)
    item = ds[0]['inputs']
    assert item['input'].shape == (2, 128, 128)
    mask = item['input'][1].numpy()
    assert set(np.unique(mask)) == {0, 255}  # where lesions are asked for
    # the target differs from the input's image where the mask asks
    diff = np.abs(item['target'][0].numpy().astype(int) -
                  item['input'][0].numpy())
    assert diff[mask > 0].mean() > diff[mask == 0].mean()


def test_abn2nor_pairs_with_box_masks(pipeline_env):
    """box_mask=True (the configs' default with recon_balance='boxes'):
    each eq. 3 pair carries its patient's lesion boxes, which is where x
    and its pseudo-normal target differ (flipped with them)."""
    init_default_scope('mmgranet')
    cfg = Config.fromfile(osp.join(
        REPO_ROOT, 'configs', 'cgan',
        'abn2nor_resnet6-32c_1xb4-10e_mini-rsna.py'))
    assert cfg.train_dataloader.dataset.box_mask
    assert cfg.model.recon_balance == 'boxes'
    ds = DATASETS.build(cfg.train_dataloader.dataset)
    inside, outside = [], []
    for i in range(len(ds)):
        item = ds[i]['inputs']
        mask = item['mask'][0].numpy()
        assert item['mask'].shape == (1, 128, 128)
        assert set(np.unique(mask)) == {0, 255}
        diff = np.abs(item['target'][0].numpy().astype(int) -
                      item['input'][0].numpy())
        inside.append(diff[mask > 0].mean())
        outside.append(diff[mask == 0].mean())
    assert np.mean(inside) > 3 * np.mean(outside)
    cfg.train_dataloader.dataset.box_mask = False
    assert 'mask' not in DATASETS.build(cfg.train_dataloader.dataset)[0][
        'inputs']
