import os.path as osp
from typing import List, Optional

import cv2
import numpy as np
import torch
from mmengine.dataset import BaseDataset

from mmgranet.fileio import (InputError, read_dicom, read_rsna_class_info,
                             read_split_file)
from mmgranet.registry import DATASETS


@DATASETS.register_module()
class UnpairedCXRDataset(BaseDataset):
    """Unpaired images of two domains, for CycleGAN and UNIT.

    The "abnormal" domain is the "Lung Opacity" patients, the "normal" one
    the "Normal" patients of ``data_root`` (the setting's aligned copy),
    both restricted to ``split_file`` (the setting's training patients).
    An epoch is one pass over the abnormal patients; each sample pairs one
    with a random normal patient. Images are gray, resized to ``size``.

    Returns ``inputs = {'img_abnormal': [1, size, size], 'img_normal':
    [1, size, size]}`` (uint8), the keys MMagic's CycleGAN reads.

    Args:
        data_root (str): An RSNA-layout directory.
        split_file (str, optional): The patients allowed to take part.
            Defaults to None (every patient).
        size (int): Side of the square images. Defaults to 256.
        flip (bool): Random horizontal flips. Defaults to True.
        **kwargs: mmengine ``BaseDataset`` arguments.
    """

    DOMAINS = dict(abnormal=1, normal=0)

    def __init__(self, data_root: str, split_file: Optional[str] = None,
                 size: int = 256, flip: bool = True, **kwargs) -> None:
        self.split_file = split_file
        self.size = size
        self.flip = flip
        self._pools = {}
        super().__init__(data_root=data_root, ann_file='', **kwargs)

    def load_data_list(self) -> List[dict]:
        classes = read_rsna_class_info(osp.join(
            self.data_root, 'stage_2_detailed_class_info.csv'))
        if self.split_file:
            allowed = set(read_split_file(self.split_file))
            classes = {p: c for p, c in classes.items() if p in allowed}
        for domain, label in self.DOMAINS.items():
            self._pools[domain] = sorted(p for p, c in classes.items()
                                         if c == label)
            if not self._pools[domain]:
                raise InputError(f'{self.data_root}: no {domain} patients' +
                                 (f' in {self.split_file}'
                                  if self.split_file else ''))
        return [dict(patient_id=p) for p in self._pools['abnormal']]

    def _load(self, pid: str) -> torch.Tensor:
        img = read_dicom(osp.join(self.data_root, 'stage_2_train_images',
                                  f'{pid}.dcm'))
        img = cv2.resize(img, (self.size, self.size),
                         interpolation=cv2.INTER_AREA)
        if self.flip and np.random.rand() < 0.5:
            img = img[:, ::-1]
        return torch.from_numpy(np.ascontiguousarray(img))[None]

    def prepare_data(self, idx: int) -> dict:
        abnormal = self.get_data_info(idx)['patient_id']
        normals = self._pools['normal']
        normal = normals[np.random.randint(len(normals))]
        return dict(inputs=dict(img_abnormal=self._load(abnormal),
                                img_normal=self._load(normal)))
