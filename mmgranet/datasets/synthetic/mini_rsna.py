"""mini-RSNA: a small synthetic dataset in the exact Kaggle RSNA layout.

Layout (as the RSNA Pneumonia Detection Challenge, stage 2)::

    OUT/stage_2_train_images/<patientId>.dcm  JPEG baseline, 8-bit MONOCHROME2
    OUT/stage_2_test_images/<patientId>.dcm
    OUT/stage_2_train_labels.csv              patientId,x,y,width,height,Target
    OUT/stage_2_detailed_class_info.csv       patientId,class
    OUT/stage_2_sample_submission.csv         patientId,PredictionString

and what real data never has::

    OUT/normal_twins/<patientId>_twin.png     the same phantom, no opacities
    OUT/poses.csv                             every image's true pose
    OUT/test_labels.csv                       labels of the test images
    OUT/contact_sheet.png                     images with boxes drawn

The directory is written under OUT.partial and renamed at the end, so OUT
is either complete or absent; a finished OUT with the same arguments is
left as it is.
"""
import csv
import json
import os
import os.path as osp
import shutil
import uuid
from typing import Dict, List, Optional

import cv2
import numpy as np

from mmgranet.fileio import (RSNA_IMAGE_CLASSES, RSNA_LABELS_HEADER,
                             atomic_write, write_dicom)
from .phantom import Anatomy, Patient, Pose, render_patient, sample_opacities

CLASSES = RSNA_IMAGE_CLASSES  # the label index a patient is drawn with
# RSNA stage 2: 8,851 / 6,012 / 11,821 of 26,684 patients
CLASS_PROBS = (8851 / 26684, 6012 / 26684, 11821 / 26684)
BOX_COUNT_PROBS = (0.45, 0.45, 0.07, 0.03)  # 1..4 boxes per opacity patient


def _patient_ids(rng: np.random.Generator, n: int) -> List[str]:
    return [
        str(uuid.UUID(bytes=rng.integers(0, 256, 16, np.uint8).tobytes(),
                      version=4)) for _ in range(n)
    ]


def _assign_classes(rng: np.random.Generator, n: int) -> List[int]:
    """RSNA's proportions, every class present when n >= 3."""
    counts = np.floor(np.array(CLASS_PROBS) * n).astype(int)
    for i in np.argsort(-(np.array(CLASS_PROBS) * n - counts))[:n -
                                                               counts.sum()]:
        counts[i] += 1
    labels = np.repeat(np.arange(3), counts)
    rng.shuffle(labels)
    return labels.tolist()


def make_patient(rng: np.random.Generator, label: int, size: int,
                 index: int) -> Patient:
    anatomy = Anatomy.sample(rng)
    pose = Pose.sample(rng)
    opacities, finding = [], None
    if label == 1:
        count = int(rng.choice(4, p=BOX_COUNT_PROBS)) + 1
        opacities = sample_opacities(anatomy, rng, count, size)
    elif label == 2:
        finding = ('cardiomegaly', 'line')[int(rng.integers(0, 2))]
    return Patient(anatomy, pose, opacities, finding, noise_seed=index)


def _contact_sheet(path: str, items: list, size: int) -> None:
    from mmgranet.visualization import box_tile, grid, write_png
    tiles = [box_tile(img, boxes, min(size, 192), ('N', 'LO', 'NLONN')[label])
             for img, boxes, label in items[:24]]
    write_png(path, grid(tiles, 6))


def make_mini_rsna(out: str,
                   num_patients: int = 300,
                   size: int = 256,
                   seed: int = 0,
                   num_test: Optional[int] = None,
                   overwrite: bool = False) -> Dict[str, object]:
    """Generate mini-RSNA into ``out``.

    Args:
        out (str): Output directory.
        num_patients (int): Training patients (with labels). Defaults to
            300.
        size (int): Image side in pixels (RSNA: 1024). Defaults to 256.
        seed (int): Everything is a function of the seed. Defaults to 0.
        num_test (int, optional): Patients in stage_2_test_images (labels
            in test_labels.csv only). Defaults to 10% of ``num_patients``.
        overwrite (bool): Replace an existing ``out`` generated with other
            arguments. Defaults to False.

    Returns:
        dict: The generation arguments and class counts (also written to
        ``out/mini_rsna.json``).
    """
    if num_patients < 3:
        raise ValueError('num_patients must be >= 3 (one per class)')
    if size < 64:
        raise ValueError('size must be >= 64 pixels')
    num_test = max(1, num_patients // 10) if num_test is None else num_test
    args = dict(num_patients=num_patients, size=size, seed=seed,
                num_test=num_test, version=1)
    stamp = osp.join(out, 'mini_rsna.json')
    if osp.exists(stamp):
        with open(stamp) as f:
            done = json.load(f)
        if {k: done.get(k) for k in args} == args:
            return done
        if not overwrite:
            raise FileExistsError(
                f'{out} holds a mini-RSNA made with {done}, not {args}; '
                'pass overwrite=True (--overwrite) to replace it')
    if osp.exists(out) and not osp.exists(stamp) and os.listdir(out):
        raise FileExistsError(f'{out} exists and is not a mini-RSNA '
                              'directory; choose another --out')

    tmp = out.rstrip('/') + '.partial'
    shutil.rmtree(tmp, ignore_errors=True)
    for sub in ('stage_2_train_images', 'stage_2_test_images',
                'normal_twins'):
        os.makedirs(osp.join(tmp, sub))
    rng = np.random.default_rng(seed)
    total = num_patients + num_test
    ids = _patient_ids(rng, total)
    labels = _assign_classes(rng, num_patients) + \
        _assign_classes(rng, num_test)
    label_rows: Dict[str, list] = {'train': [], 'test': []}
    class_rows, pose_rows, sheet = [], [], []
    for i, (pid, label) in enumerate(zip(ids, labels)):
        split = 'train' if i < num_patients else 'test'
        patient = make_patient(rng, label, size, seed * 1000003 + i)
        image, twin, boxes = render_patient(patient, size)
        if label == 1 and len(boxes) == 0:
            raise RuntimeError(f'patient {pid}: lesions rendered no box')
        write_dicom(osp.join(tmp, f'stage_2_{split}_images', f'{pid}.dcm'),
                    image, pid, jpeg=True,
                    age=int(rng.integers(18, 90)),
                    sex=('M', 'F')[int(rng.integers(0, 2))],
                    view=('PA', 'AP')[int(rng.integers(0, 2))])
        if label == 1:
            ok, buf = cv2.imencode('.png', twin)
            with atomic_write(osp.join(tmp, 'normal_twins',
                                       f'{pid}_twin.png'), 'wb') as f:
                f.write(buf.tobytes())
            for x1, y1, x2, y2 in boxes:
                label_rows[split].append(
                    [pid, f'{x1:g}', f'{y1:g}', f'{x2 - x1:g}',
                     f'{y2 - y1:g}', 1])
        else:
            label_rows[split].append([pid, '', '', '', '', 0])
        if split == 'train':
            # one class row per label row, as RSNA has
            class_rows += [[pid, CLASSES[label]]] * max(1, len(boxes))
            if len(sheet) < 24:
                sheet.append((image, boxes, label))
        m = patient.pose.matrix(size)
        pose_rows.append([pid, split, f'{patient.pose.angle_deg:.6f}',
                          f'{patient.pose.scale:.6f}',
                          f'{patient.pose.tx * size:.6f}',
                          f'{patient.pose.ty * size:.6f}',
                          *(f'{v:.9f}' for v in m.ravel())])

    def write_csv(name, header, rows):
        with atomic_write(osp.join(tmp, name), newline='') as f:
            w = csv.writer(f, lineterminator='\n')
            w.writerow(header)
            w.writerows(rows)

    write_csv('stage_2_train_labels.csv', RSNA_LABELS_HEADER,
              label_rows['train'])
    write_csv('test_labels.csv', RSNA_LABELS_HEADER, label_rows['test'])
    write_csv('stage_2_detailed_class_info.csv', ['patientId', 'class'],
              class_rows)
    write_csv('stage_2_sample_submission.csv',
              ['patientId', 'PredictionString'],
              [[pid, '0.5 0 0 100 100'] for pid in ids[num_patients:]])
    write_csv('poses.csv', [
        'patientId', 'split', 'angle_deg', 'scale', 'tx', 'ty', 'a11', 'a12',
        'a13', 'a21', 'a22', 'a23'
    ], pose_rows)
    _contact_sheet(osp.join(tmp, 'contact_sheet.png'), sheet, size)
    counts = np.bincount(labels[:num_patients], minlength=3)
    info = dict(args, classes={c: int(n) for c, n in zip(CLASSES, counts)},
                pose='a11..a23: canonical pixels -> image pixels, '
                'x_img = a11 x + a12 y + a13, y_img = a21 x + a22 y + a23')
    with atomic_write(osp.join(tmp, 'mini_rsna.json')) as f:
        json.dump(info, f, indent=2)
    if osp.exists(out):
        shutil.rmtree(out)
    os.replace(tmp, out)
    return info


def read_poses(root: str) -> Dict[str, np.ndarray]:
    """mini-RSNA's true poses: patientId -> [2, 3] affine from canonical
    pixels to image pixels (``poses.csv``)."""
    path = osp.join(root, 'poses.csv')
    with open(path, newline='') as f:
        return {
            row['patientId']: np.array(
                [float(row[k]) for k in ('a11', 'a12', 'a13', 'a21', 'a22',
                                         'a23')]).reshape(2, 3)
            for row in csv.DictReader(f)
        }
