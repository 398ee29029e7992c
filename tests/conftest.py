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
