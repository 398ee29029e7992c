import os
import os.path as osp
from typing import List, Optional

import cv2
import numpy as np
import torch
from mmengine.dataset import BaseDataset

from mmgranet.fileio import (InputError, read_dicom, read_rsna_class_info,
                             read_split_file)
from mmgranet.registry import DATASETS


def _ids(root: str) -> List[str]:
    img_dir = osp.join(root, 'stage_2_train_images')
    try:
        return sorted(n[:-4] for n in os.listdir(img_dir)
                      if n.endswith('.dcm'))
    except OSError as e:
        raise InputError(f'{img_dir}: cannot list the images ({e}); the '
                         'stage that writes them has not run') from None


@DATASETS.register_module()
class CGANPairDataset(BaseDataset):
    """(input, target, unpaired real normal) triples for the paper's cGANs.

    - eq. 2 (radio-realistic): input = target = I_b(x), i.e.
      ``input_root = target_root =`` the pseudo-normal set of
      ``tools/make_pseudo_pairs.py``;
    - eq. 3 (Abn2Nor): input = x (``input_root`` = the dataset),
      target = G_realistic(I_b(x)) (``target_root`` = the output of
      ``tools/make_realistic_targets.py``).

    Samples are the patients present in ``target_root``; each gets a real
    Normal patient of ``normal_root`` for the discriminator (a different
    one each epoch). Images are gray, resized to ``size``. With
    ``split_file`` (an evaluation setting's training patients) both the
    samples and the Normal pool are restricted to it: a target of a
    patient outside the split is an error, not silently used or dropped.

    Args:
        input_root (str): RSNA-layout directory of the inputs.
        target_root (str): RSNA-layout directory of the targets.
        normal_root (str): RSNA-layout directory with the class file.
        size (int): Side of the square images. Defaults to 256.
        flip (bool): Random horizontal flip, the same for input and
            target. Defaults to True.
        split_file (str, optional): The patients allowed to take part.
            Defaults to None (every patient).
        **kwargs: mmengine ``BaseDataset`` arguments.
    """

    def __init__(self,
                 input_root: str,
                 target_root: str,
                 normal_root: str,
                 size: int = 256,
                 flip: bool = True,
                 split_file: Optional[str] = None,
                 **kwargs) -> None:
        self.split_file = split_file
        self.input_root = input_root
        self.target_root = target_root
        self.normal_root = normal_root
        self.size = size
        self.flip = flip
        self._normals: Optional[List[str]] = None
        super().__init__(ann_file='', **kwargs)

    def load_data_list(self) -> List[dict]:
        ids = _ids(self.target_root)
        have = set(_ids(self.input_root))
        missing = [p for p in ids if p not in have]
        if missing:
            raise InputError(f'{self.input_root}: no input image for '
                             f'{len(missing)} targets of {self.target_root},'
                             f' e.g. {missing[:3]}')
        if not ids:
            raise InputError(f'{self.target_root}: no target images')
        classes = read_rsna_class_info(
            osp.join(self.normal_root, 'stage_2_detailed_class_info.csv'))
        self._normals = sorted(p for p, c in classes.items() if c == 0)
        if self.split_file:
            allowed = set(read_split_file(self.split_file))
            outside = [p for p in ids if p not in allowed]
            if outside:
                raise InputError(
                    f'{self.target_root}: {len(outside)} targets are of '
                    f'patients outside {self.split_file}, e.g. '
                    f'{outside[:3]}; make the pairs with the same split')
            self._normals = [p for p in self._normals if p in allowed]
        if not self._normals:
            raise InputError(f'{self.normal_root}: no Normal patients'
                             + (f' in {self.split_file}'
                                if self.split_file else ''))
        return [dict(patient_id=p) for p in ids]

    def _load(self, root: str, pid: str) -> np.ndarray:
        img = read_dicom(osp.join(root, 'stage_2_train_images',
                                  f'{pid}.dcm'))
        return cv2.resize(img, (self.size, self.size),
                          interpolation=cv2.INTER_AREA)

    def prepare_data(self, idx: int) -> dict:
        pid = self.get_data_info(idx)['patient_id']
        x = self._load(self.input_root, pid)
        target = self._load(self.target_root, pid)
        normal = self._normals[np.random.randint(len(self._normals))]
        real = self._load(self.normal_root, normal)
        if self.flip and np.random.rand() < 0.5:
            x, target = x[:, ::-1], target[:, ::-1]
        if self.flip and np.random.rand() < 0.5:
            real = real[:, ::-1]

        def tensor(img):
            return torch.from_numpy(np.ascontiguousarray(img))[None]

        return dict(inputs=dict(input=tensor(x), target=tensor(target),
                                real=tensor(real)),
                    data_samples=dict(patient_id=pid))
