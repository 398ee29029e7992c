import os
import os.path as osp
import warnings
from types import MappingProxyType
from typing import List, Mapping, Optional

import numpy as np
from mmdet.datasets import BaseDetDataset

from mmgranet.fileio import (RSNA_IMAGE_CLASSES, InputError, Problems,
                             read_dicom_header, read_rsna_class_info,
                             read_rsna_labels, read_split_file)
from mmgranet.registry import DATASETS


@DATASETS.register_module()
class RSNADataset(BaseDetDataset):
    """The Kaggle RSNA Pneumonia Detection Challenge (stage 2) layout.

    One sample per patient with all of its "Lung Opacity" boxes (x, y, w, h
    in the CSV, xyxy here), its 3-class image label, and its original size.
    Patients without boxes are kept: they are most of RSNA, and the
    detector needs them as negatives (mmdet's ``filter_empty_gt`` would
    drop them; this dataset filters nothing unless ``filter_cfg`` says so).

    Layout under ``data_root``::

        stage_2_train_images/<patientId>.dcm
        stage_2_test_images/<patientId>.dcm     (test mode, no labels)
        stage_2_train_labels.csv                ann_file
        stage_2_detailed_class_info.csv         class_info_file

    Each data info holds ``img_path``, ``img_id`` = ``patient_id``,
    ``height``/``width`` (from the DICOM header), ``image_label`` (index
    into ``metainfo['image_classes']``; -1 without labels), ``instances``
    (bbox, bbox_label 0, ignore_flag 0) and ``ori_gt_bboxes`` ([G, 4], the
    boxes in original pixels, which transforms never touch: RSNAMetric
    scores against them).

    Args:
        ann_file (str): The labels CSV; '' for unlabelled test images.
            Defaults to 'stage_2_train_labels.csv'.
        class_info_file (str): The 3-class CSV; '' to derive the label from
            the boxes alone (Lung Opacity or not). Defaults to
            'stage_2_detailed_class_info.csv'.
        data_prefix (dict): ``img``: the image directory. Defaults to
            ``dict(img='stage_2_train_images/')``.
        split_file (str, optional): Keep only the patients listed (one per
            line, tools/stages/make_rsna_splits.py). Defaults to None.
        check_headers (bool): Read every image's DICOM header for its size
            (boxes outside the image are an error) and to find non-DICOM
            files before training. Defaults to True.
        on_error (str): 'raise' stops at the first bad input with the file
            and line; 'skip' drops the bad rows or patients and warns with
            their count. Defaults to 'raise'.
        **kwargs: mmdet's :class:`BaseDetDataset` arguments (data_root,
            pipeline, test_mode, filter_cfg, ...).
    """
    METAINFO = dict(
        classes=('Lung Opacity', ),
        palette=[(220, 20, 60)],
        image_classes=RSNA_IMAGE_CLASSES)
    # the files read under data_root (mmgranet.apis.config_inputs checks them)
    DATA_ROOT_FILES = ('ann_file', 'split_file', 'class_info_file')

    def __init__(self,
                 *args,
                 ann_file: str = 'stage_2_train_labels.csv',
                 class_info_file: str = 'stage_2_detailed_class_info.csv',
                 data_prefix: Mapping = MappingProxyType(
                     dict(img='stage_2_train_images/')),
                 split_file: Optional[str] = None,
                 check_headers: bool = True,
                 on_error: str = 'raise',
                 **kwargs) -> None:
        self.class_info_file = class_info_file
        self.split_file = split_file
        self.check_headers = check_headers
        self.on_error = on_error
        super().__init__(
            *args, ann_file=ann_file, data_prefix=dict(data_prefix),
            **kwargs)

    def _join(self, path: Optional[str]) -> Optional[str]:
        if not path or osp.isabs(path) or not self.data_root:
            return path
        return osp.join(self.data_root, path)

    def _list_images(self, img_dir: str) -> dict:
        try:
            names = os.listdir(img_dir)
        except OSError as e:
            raise InputError(f'{img_dir}: cannot list the image directory '
                             f'({e})') from None
        return {n[:-4]: osp.join(img_dir, n) for n in sorted(names)
                if n.endswith('.dcm')}

    def load_data_list(self) -> List[dict]:
        img_dir = self.data_prefix.get('img', '')
        images = self._list_images(img_dir)
        problems = Problems(self.ann_file or img_dir, self.on_error)
        if self.ann_file:
            labels, lines = read_rsna_labels(
                self.ann_file, self.on_error, with_lines=True)
            class_file = self._join(self.class_info_file)
            classes = read_rsna_class_info(class_file, self.on_error) \
                if class_file else {}
            patients = list(labels)
        else:
            labels, lines, classes, class_file = {}, {}, {}, None
            patients = list(images)

        if self.split_file:
            split_path = self._join(self.split_file)
            wanted = read_split_file(split_path)
            known = set(patients)
            unknown = [p for p in wanted if p not in known]
            if unknown:
                raise InputError(
                    f'{split_path}: {len(unknown)} patients are not in '
                    f'{self.ann_file or img_dir}, e.g. {unknown[:3]}')
            keep = set(wanted)
            patients = [p for p in patients if p in keep]

        if self.ann_file:
            unlabelled = len(set(images) - set(labels))
            if unlabelled:
                warnings.warn(f'{img_dir}: {unlabelled} images have no row '
                              f'in {self.ann_file} and are not used')

        data_list = []
        for pid in patients:
            boxes = labels.get(pid, np.zeros((0, 4)))
            first_line = (lines.get(pid) or [None])[0]
            if pid not in images:
                problems.add(f'patient {pid} has no image {pid}.dcm in '
                             f'{img_dir}', first_line)
                continue
            if not self.ann_file:
                image_label = -1
            elif classes:
                if pid not in classes:
                    problems.add(f'patient {pid} has no row in {class_file}',
                                 first_line)
                    continue
                image_label = classes[pid]
                if (image_label == 1) != (len(boxes) > 0):
                    problems.add(
                        f'patient {pid} is {RSNA_IMAGE_CLASSES[image_label]!r}'
                        f' in {class_file} but has {len(boxes)} boxes',
                        first_line)
                    continue
            else:
                image_label = 1 if len(boxes) else 0
            info = dict(img_path=images[pid], img_id=pid, patient_id=pid,
                        image_label=image_label,
                        ori_gt_bboxes=boxes.astype(np.float32))
            if self.check_headers:
                try:
                    header = read_dicom_header(images[pid])
                    info['height'] = int(header.Rows)
                    info['width'] = int(header.Columns)
                except (InputError, AttributeError) as e:
                    problems.add(f'{e}' if isinstance(e, InputError) else
                                 f'{images[pid]}: no Rows/Columns in the '
                                 'DICOM header')
                    continue
                outside = [
                    line for box, line in zip(boxes, lines.get(pid, []))
                    if box[0] < 0 or box[1] < 0 or box[2] > info['width'] or
                    box[3] > info['height']
                ]
                if outside:
                    problems.add(
                        f'box of patient {pid} lies outside its '
                        f'{info["width"]}x{info["height"]} image',
                        outside[0])
                    continue
            info['instances'] = [
                dict(bbox=box.tolist(), bbox_label=0, ignore_flag=0)
                for box in boxes
            ]
            data_list.append(info)
        problems.report('patients')
        if not data_list:
            raise InputError(f'{self.ann_file or img_dir}: no usable '
                             'patients')
        return data_list

    def get_image_labels(self) -> np.ndarray:
        """[N] 3-class image labels (-1 for unlabelled test images)."""
        return np.array([
            self.get_data_info(i)['image_label'] for i in range(len(self))
        ])
