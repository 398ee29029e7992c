"""Apply a trained aligner to a whole RSNA-layout dataset (paper 2.2).

Writes, under ``out``, the same layout with every image warped into the
reference's frame, the training boxes carried through the same affine
(:func:`~mmgranet.structures.affine.transform_boxes`, clipped), and
``affines.csv``: each image's affine from original to aligned pixels
(patientId, split, a11..a23), which ``AffineAlign`` reads. Images are
written atomically and skipped when present, so an interrupted run
resumes.
"""
import csv
import os
import os.path as osp
import shutil
from typing import Dict, List, Sequence

import cv2
import numpy as np
import torch
from tqdm import tqdm

from mmgranet.fileio import (RSNA_LABELS_HEADER, atomic_write, read_dicom,
                             read_rsna_labels, write_dicom)
from mmgranet.structures import (check_affine, scale_affine, theta_to_pixel,
                                 transform_boxes)

SPLITS = ('stage_2_train_images', 'stage_2_test_images')


@torch.no_grad()
def stn_affines(model, images: Sequence[np.ndarray]) -> List[np.ndarray]:
    """The aligner's affine of each uint8 [H, W] image, original ->
    aligned pixels ([2, 3], checked): the STN runs at its input size,
    its transform is scaled to each image's own size."""
    size = (model.input_size, model.input_size)
    device = next(model.parameters()).device
    x = torch.stack([
        torch.from_numpy(cv2.resize(img, size[::-1],
                                    interpolation=cv2.INTER_AREA))
        for img in images
    ])[:, None].to(device)
    _, theta = model.warp(model._prepare(x))
    out = []
    for img, t in zip(images, theta.double().cpu().numpy()):
        h, w = img.shape
        out.append(check_affine(scale_affine(theta_to_pixel(t, size, size),
                                             w / size[1], h / size[0])))
    return out


@torch.no_grad()
def align_dataset(model, data_root: str, out: str,
                  batch_size: int = 16) -> Dict[str, int]:
    """Align every image of ``data_root`` with ``model`` (an STNAligner),
    in batches on the model's device.

    Returns:
        dict: images per split, and how many this run wrote.
    """
    model.eval()
    rows, written, counts = [], 0, {}
    affines, shapes = {}, {}
    for split in SPLITS:
        src_dir = osp.join(data_root, split)
        if not osp.isdir(src_dir):
            continue
        dst_dir = osp.join(out, split)
        os.makedirs(dst_dir, exist_ok=True)
        pids = sorted(n[:-4] for n in os.listdir(src_dir)
                      if n.endswith('.dcm'))
        counts[split] = len(pids)
        for start in tqdm(range(0, len(pids), batch_size), desc=split):
            batch = pids[start:start + batch_size]
            images = [read_dicom(osp.join(src_dir, f'{p}.dcm'))
                      for p in batch]
            for pid, img, m in zip(batch, images, stn_affines(model, images)):
                h, w = img.shape
                affines[pid], shapes[pid] = m, (h, w)
                rows.append([pid, split, *(f'{v:.9f}' for v in m.ravel())])
                dst = osp.join(dst_dir, f'{pid}.dcm')
                if not osp.exists(dst):
                    aligned = cv2.warpAffine(img, m, (w, h),
                                             flags=cv2.INTER_LINEAR)
                    write_dicom(dst, aligned, pid, jpeg=True)
                    written += 1
    with atomic_write(osp.join(out, 'affines.csv'), newline='') as f:
        writer = csv.writer(f, lineterminator='\n')
        writer.writerow(['patientId', 'split', 'a11', 'a12', 'a13', 'a21',
                         'a22', 'a23'])
        writer.writerows(rows)
    labels_path = osp.join(data_root, 'stage_2_train_labels.csv')
    if osp.exists(labels_path):
        labels = read_rsna_labels(labels_path)
        label_rows = []
        for pid, boxes in labels.items():
            if not len(boxes):
                label_rows.append([pid, '', '', '', '', 0])
                continue
            for x1, y1, x2, y2 in transform_boxes(boxes, affines[pid],
                                                  shapes[pid]):
                if x2 - x1 >= 1 and y2 - y1 >= 1:
                    label_rows.append([pid, f'{x1:.1f}', f'{y1:.1f}',
                                       f'{x2 - x1:.1f}', f'{y2 - y1:.1f}',
                                       1])
        with atomic_write(osp.join(out, 'stage_2_train_labels.csv'),
                          newline='') as f:
            writer = csv.writer(f, lineterminator='\n')
            writer.writerow(RSNA_LABELS_HEADER)
            writer.writerows(label_rows)
    info = osp.join(data_root, 'stage_2_detailed_class_info.csv')
    if osp.exists(info):
        shutil.copyfile(info, osp.join(out, 'stage_2_detailed_class_info.csv'))
    return dict(counts, written=written)
