import csv
import os
import os.path as osp
from typing import Dict, List, Optional

import cv2
import numpy as np
import torch
from mmengine.dataset import BaseDataset

from mmgranet.fileio import (InputError, read_dicom, read_dicom_header,
                             read_rsna_class_info, read_rsna_labels,
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


def read_provenance(path: str) -> Dict[str, dict]:
    """patientId -> row of a pseudo set's ``provenance.csv``."""
    try:
        with open(path, newline='') as f:
            return {row['patientId']: row for row in csv.DictReader(f)}
    except (OSError, KeyError) as e:
        raise InputError(f'{path}: cannot read the provenance ({e}); make '
                         'it with tools/stages/make_pseudo_pairs.py') from None


@DATASETS.register_module()
class CGANPairDataset(BaseDataset):
    """(input, target, unpaired real) triples for the paper's cGANs.

    - eq. 2 (radio-realistic): input = target = I_b(x), i.e.
      ``input_root = target_root =`` the pseudo-normal set of
      ``tools/stages/make_pseudo_pairs.py``;
    - eq. 3 (Abn2Nor): input = x (``input_root`` = the dataset),
      target = G_realistic(I_b(x)) (``target_root`` = the output of
      ``tools/stages/make_realistic_targets.py``);
    - normal -> abnormal (the paper's other direction, section 2.3 / fig.
      3): input = a lesion-free image with ``region_mask`` (where the
      lesions are asked for, a second channel), target = its
      pseudo-abnormal version (``target_root`` = the pseudo-abnormal set,
      ``input_from_provenance``), real = "Lung Opacity" images
      (``real_class=1``).

    Samples are the patients (images) present in ``target_root``; each
    gets a real patient of class ``real_class`` of ``normal_root`` for the
    discriminator (a different one each epoch). Images are gray, resized
    to ``size``. With ``split_file`` (an evaluation setting's training
    patients) the samples (and, through the provenance, their inputs and
    lesion donors) and the real pool are restricted to it: a target of a
    patient outside the split is an error, not silently used or dropped.

    Args:
        input_root (str): RSNA-layout directory of the inputs.
        target_root (str): RSNA-layout directory of the targets.
        normal_root (str): RSNA-layout directory with the class file (the
            real images for D).
        size (int): Side of the square images. Defaults to 256.
        flip (bool): Random horizontal flip, the same for input and
            target. Defaults to True.
        split_file (str, optional): The patients allowed to take part.
            Defaults to None (every patient).
        real_class (int): The class D sees as real: 0 Normal, 1 Lung
            Opacity. Defaults to 0.
        input_from_provenance (bool): A target's input is the
            ``normal_patient`` of ``target_root/provenance.csv``. Defaults
            to False (the same patient id).
        region_mask (bool): Stack a 0/255 mask of the target's boxes
            (``target_root/stage_2_train_labels.csv``) after the input.
            Defaults to False.
        box_mask (bool): Also give ``mask``, [1, size, size] uint8, 255
            inside the input patient's lesion boxes
            (``normal_root/stage_2_train_labels.csv``: the aligned copy's
            boxes), for a box-balanced reconstruction loss. Defaults to
            False.
        **kwargs: mmengine ``BaseDataset`` arguments.
    """

    def __init__(self,
                 input_root: str,
                 target_root: str,
                 normal_root: str,
                 size: int = 256,
                 flip: bool = True,
                 split_file: Optional[str] = None,
                 real_class: int = 0,
                 input_from_provenance: bool = False,
                 region_mask: bool = False,
                 box_mask: bool = False,
                 **kwargs) -> None:
        self.split_file = split_file
        self.input_root = input_root
        self.target_root = target_root
        self.normal_root = normal_root
        self.size = size
        self.flip = flip
        self.real_class = real_class
        self.input_from_provenance = input_from_provenance
        self.region_mask = region_mask
        self.box_mask = box_mask
        self._input_boxes: Dict[str, np.ndarray] = {}
        self._normals: Optional[List[str]] = None
        self._boxes: Dict[str, np.ndarray] = {}
        super().__init__(ann_file='', **kwargs)

    def load_data_list(self) -> List[dict]:
        ids = _ids(self.target_root)
        if not ids:
            raise InputError(f'{self.target_root}: no target images')
        uses = {p: [p] for p in ids}  # the patients each sample draws on
        inputs = {p: p for p in ids}
        if self.input_from_provenance:
            prov = read_provenance(osp.join(self.target_root,
                                            'provenance.csv'))
            lost = [p for p in ids if p not in prov]
            if lost:
                raise InputError(f'{self.target_root}/provenance.csv: no row'
                                 f' for {len(lost)} targets, e.g. {lost[:3]}')
            inputs = {p: prov[p]['normal_patient'] for p in ids}
            uses = {p: [prov[p]['normal_patient'], prov[p]['lesions_from']]
                    for p in ids}
        have = set(_ids(self.input_root))
        missing = [inputs[p] for p in ids if inputs[p] not in have]
        if missing:
            raise InputError(f'{self.input_root}: no input image for '
                             f'{len(missing)} targets of {self.target_root},'
                             f' e.g. {missing[:3]}')
        if self.region_mask:
            self._boxes = read_rsna_labels(osp.join(
                self.target_root, 'stage_2_train_labels.csv'))
        if self.box_mask:
            labels = osp.join(self.normal_root, 'stage_2_train_labels.csv')
            self._input_boxes = read_rsna_labels(labels)
            lost = [inputs[p] for p in ids
                    if inputs[p] not in self._input_boxes]
            if lost:
                raise InputError(f'{labels}: no row for {len(lost)} inputs '
                                 f'of {self.target_root}, e.g. {lost[:3]}')
        classes = read_rsna_class_info(
            osp.join(self.normal_root, 'stage_2_detailed_class_info.csv'))
        self._normals = sorted(p for p, c in classes.items()
                               if c == self.real_class)
        if self.split_file:
            allowed = set(read_split_file(self.split_file))
            outside = [p for p in ids
                       if any(u not in allowed for u in uses[p])]
            if outside:
                raise InputError(
                    f'{self.target_root}: {len(outside)} targets are of '
                    f'patients outside {self.split_file}, e.g. '
                    f'{outside[:3]}; make the pairs with the same split')
            self._normals = [p for p in self._normals if p in allowed]
        if not self._normals:
            raise InputError(f'{self.normal_root}: no patients of class '
                             f'{self.real_class}' +
                             (f' in {self.split_file}'
                              if self.split_file else ''))
        return [dict(patient_id=p, input_id=inputs[p]) for p in ids]

    def _load(self, root: str, pid: str) -> np.ndarray:
        img = read_dicom(osp.join(root, 'stage_2_train_images',
                                  f'{pid}.dcm'))
        return cv2.resize(img, (self.size, self.size),
                          interpolation=cv2.INTER_AREA)

    def _mask(self, pid: str, root: Optional[str] = None,
              boxes: Optional[Dict[str, np.ndarray]] = None) -> np.ndarray:
        """[size, size] uint8, 255 inside the boxes of ``pid`` (default:
        the target's, in the target image's pixels)."""
        root = root or self.target_root
        boxes = self._boxes if boxes is None else boxes
        path = osp.join(root, 'stage_2_train_images', f'{pid}.dcm')
        header = read_dicom_header(path)
        sy, sx = self.size / int(header.Rows), self.size / int(header.Columns)
        mask = np.zeros((self.size, self.size), np.uint8)
        for x1, y1, x2, y2 in boxes.get(pid, np.zeros((0, 4))):
            mask[int(np.floor(y1 * sy)):int(np.ceil(y2 * sy)),
                 int(np.floor(x1 * sx)):int(np.ceil(x2 * sx))] = 255
        return mask

    def prepare_data(self, idx: int) -> dict:
        info = self.get_data_info(idx)
        pid = info['patient_id']
        x = self._load(self.input_root, info['input_id'])[..., None]
        if self.region_mask:
            x = np.concatenate([x, self._mask(pid)[..., None]], 2)
        target = self._load(self.target_root, pid)[..., None]
        mask = self._mask(info['input_id'], self.input_root,
                          self._input_boxes)[..., None] \
            if self.box_mask else None
        normal = self._normals[np.random.randint(len(self._normals))]
        real = self._load(self.normal_root, normal)[..., None]
        if self.flip and np.random.rand() < 0.5:
            x, target = x[:, ::-1], target[:, ::-1]
            mask = None if mask is None else mask[:, ::-1]
        if self.flip and np.random.rand() < 0.5:
            real = real[:, ::-1]

        def tensor(img):  # [H, W, C] -> [C, H, W]
            return torch.from_numpy(np.ascontiguousarray(
                img.transpose(2, 0, 1)))

        inputs = dict(input=tensor(x), target=tensor(target),
                      real=tensor(real))
        if mask is not None:
            inputs['mask'] = tensor(mask)
        return dict(inputs=inputs, data_samples=dict(patient_id=pid))
