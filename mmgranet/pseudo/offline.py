"""Offline pseudo pairs for a whole RSNA-layout dataset (paper 2.2, 2.3).

Writes, under ``out``::

    features.npz                     32 x 32 features of every image
    neighbours.csv                   query, role, rank, neighbour, distance
    pseudo_normal/                   I_b(x) of every "Lung Opacity" patient,
        stage_2_train_images/<patientId>.dcm     (lossless)
        provenance.csv               patientId, neighbour
    pseudo_abnormal/                 every other patient with the lesion
        stage_2_train_images/<id>.dcm            boxes of its k nearest
        stage_2_train_labels.csv     "Lung Opacity" patients pasted in
        stage_2_detailed_class_info.csv          (RSNA layout: RSNADataset
        provenance.csv               reads it as it is)

Only the patients of ``split_file`` take part (an evaluation setting's
training patients): they are the queries, the neighbours, the donors and
the recipients, so no validation or test patient's image or lesion reaches
anything trained on the pairs.

Each image is written atomically and skipped when it exists, so a rerun
after an interruption redoes nothing that finished; the features and the
neighbour index are reused too. Work is spread over processes.
"""
import csv
import os
import os.path as osp
from multiprocessing import Pool
from typing import Dict, List, Optional, Tuple

import numpy as np
from tqdm import tqdm

from mmgranet.fileio import (RSNA_LABELS_HEADER, InputError, atomic_write,
                             read_dicom, read_rsna_class_info,
                             read_rsna_labels, read_split_file, write_dicom)
from mmgranet.visualization import box_tile, write_png
from .neighbours import nearest_neighbours, tiny_image
from .swap import pseudo_abnormal, pseudo_normal


def _image_path(root: str, pid: str) -> str:
    return osp.join(root, 'stage_2_train_images', f'{pid}.dcm')


def _feature(path: str) -> np.ndarray:
    return tiny_image(read_dicom(path))


def _features(root: str, ids: List[str], cache: str, workers: int):
    if osp.exists(cache):
        with np.load(cache) as z:
            if list(z['ids']) == ids:
                return z['features']
    paths = [_image_path(root, pid) for pid in ids]
    with Pool(workers) as pool:
        feats = list(tqdm(pool.imap(_feature, paths, chunksize=16),
                          total=len(paths), desc='32x32 features'))
    feats = np.stack(feats)
    with atomic_write(cache, 'wb') as f:
        np.savez(f, ids=np.array(ids), features=feats)
    return feats


def _job(job: Tuple) -> Optional[str]:
    kind, out_path, target_path, source_path, boxes, blend, mixed = job
    if osp.exists(out_path):
        return None
    target = read_dicom(target_path)
    source = read_dicom(source_path)
    if target.shape != source.shape:
        raise InputError(f'{target_path} is {target.shape} but its '
                         f'neighbour {source_path} is {source.shape}: pseudo '
                         'pairs need images of one size')
    if kind == 'normal':
        img = pseudo_normal(target, source, boxes, blend=blend, mixed=mixed)
        jpeg = False
    else:
        img, _ = pseudo_abnormal(target, source, boxes, blend=blend,
                                 mixed=mixed)
        jpeg = True
    pid = osp.basename(out_path)[:-4]
    write_dicom(out_path, img, pid, jpeg=jpeg)
    return out_path


def _write_csv(path: str, header: List[str], rows: List[list]) -> None:
    with atomic_write(path, newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(header)
        w.writerows(rows)


def make_pseudo_pairs(data_root: str,
                      out: str,
                      k: int = 1,
                      workers: int = 2,
                      blend: bool = True,
                      mixed: bool = False,
                      labels_file: str = 'stage_2_train_labels.csv',
                      class_info_file: str = 'stage_2_detailed_class_info.csv',
                      split_file: Optional[str] = None) -> Dict[str, int]:
    """Write the pseudo-normal and pseudo-abnormal sets (see module doc).

    Args:
        data_root (str): An RSNA-layout directory (aligned images when the
            pipeline aligns).
        out (str): Output directory.
        k (int): Pseudo-abnormal images per normal patient (its k nearest
            "Lung Opacity" patients). Defaults to 1 (the paper's).
        workers (int): Processes. Defaults to 2.
        blend (bool): Poisson-blend the pasted boxes. Defaults to True.
        mixed (bool): Mixed-gradient blending. Defaults to False.
        split_file (str, optional): Only these patients take part (one id
            per line: the setting's training patients). None: every
            labelled patient (no evaluation can then use these pairs
            without leakage). Defaults to None.

    Returns:
        dict: How many images of each set exist now and how many this run
        wrote.
    """
    labels = read_rsna_labels(osp.join(data_root, labels_file))
    classes = read_rsna_class_info(osp.join(data_root, class_info_file))
    if split_file is not None:
        wanted = read_split_file(split_file)
        unknown = [p for p in wanted if p not in labels]
        if unknown:
            raise InputError(f'{split_file}: {len(unknown)} patients have no '
                             f'labels in {data_root}, e.g. {unknown[:3]}')
        keep = set(wanted)
        labels = {p: b for p, b in labels.items() if p in keep}
    missing = [p for p in labels if not osp.exists(_image_path(data_root, p))]
    if missing:
        raise InputError(f'{data_root}: {len(missing)} labelled patients '
                         f'have no image, e.g. {missing[:3]}')
    ids = list(labels)
    abnormal = [p for p in ids if len(labels[p])]
    others = [p for p in ids if not len(labels[p])]
    normal = [p for p in others if classes.get(p) == 0]
    if not abnormal or not normal:
        raise InputError(f'{data_root}: needs both "Lung Opacity" and '
                         f'"Normal" patients ({len(abnormal)} and '
                         f'{len(normal)} found)')
    os.makedirs(out, exist_ok=True)
    feats = _features(data_root, ids, osp.join(out, 'features.npz'),
                      workers)
    row = {pid: i for i, pid in enumerate(ids)}

    def take(group):
        return feats[[row[p] for p in group]]

    nn_normal, d_normal = nearest_neighbours(take(abnormal), take(normal), 1)
    nn_abn, d_abn = nearest_neighbours(take(others), take(abnormal), k)
    index_rows = [[p, 'abnormal->normal', 1, normal[j], f'{d:.3f}']
                  for p, j, d in zip(abnormal, nn_normal[:, 0],
                                     d_normal[:, 0])]
    for i, p in enumerate(others):
        for r in range(k):
            index_rows.append([p, 'other->abnormal', r + 1,
                               abnormal[nn_abn[i, r]], f'{d_abn[i, r]:.3f}'])
    _write_csv(osp.join(out, 'neighbours.csv'),
               ['patientId', 'role', 'rank', 'neighbour', 'sq_distance'],
               index_rows)

    pn_dir = osp.join(out, 'pseudo_normal')
    pa_dir = osp.join(out, 'pseudo_abnormal')
    jobs = []
    for p, j in zip(abnormal, nn_normal[:, 0]):
        jobs.append(('normal', _image_path(pn_dir, p),
                     _image_path(data_root, p),
                     _image_path(data_root, normal[j]), labels[p], blend,
                     mixed))
    pa_labels, pa_classes, pa_prov = [], [], []
    for i, p in enumerate(others):
        for r in range(k):
            src = abnormal[nn_abn[i, r]]
            new_id = f'{p}_pa{r + 1}'
            jobs.append(('abnormal', _image_path(pa_dir, new_id),
                         _image_path(data_root, p),
                         _image_path(data_root, src), labels[src], blend,
                         mixed))
            # images of one size (checked per job): the pasted boxes are
            # the neighbour's, widened to whole pixels as pasted
            for x1, y1, x2, y2 in np.concatenate(
                    [np.floor(labels[src][:, :2]),
                     np.ceil(labels[src][:, 2:])], axis=1):
                pa_labels.append([new_id, f'{x1:g}', f'{y1:g}',
                                  f'{x2 - x1:g}', f'{y2 - y1:g}', 1])
                pa_classes.append([new_id, 'Lung Opacity'])
            pa_prov.append([new_id, p, src, r + 1])
    for d in (pn_dir, pa_dir):
        os.makedirs(osp.join(d, 'stage_2_train_images'), exist_ok=True)
    with Pool(workers) as pool:
        written = sum(1 for r in tqdm(
            pool.imap_unordered(_job, jobs, chunksize=4), total=len(jobs),
            desc='pseudo pairs') if r)
    _write_csv(osp.join(pn_dir, 'provenance.csv'),
               ['patientId', 'neighbour'],
               [[p, normal[j]] for p, j in zip(abnormal, nn_normal[:, 0])])
    _write_csv(osp.join(pa_dir, 'stage_2_train_labels.csv'),
               RSNA_LABELS_HEADER, pa_labels)
    _write_csv(osp.join(pa_dir, 'stage_2_detailed_class_info.csv'),
               ['patientId', 'class'], pa_classes)
    _write_csv(osp.join(pa_dir, 'provenance.csv'),
               ['patientId', 'normal_patient', 'lesions_from', 'rank'],
               pa_prov)
    side_by_side(data_root, osp.join(out, 'side_by_side.png'),
                 [(p, normal[j], labels[p])
                  for p, j in zip(abnormal[:6], nn_normal[:6, 0])],
                 mixed=mixed)
    return dict(pseudo_normal=len(abnormal), pseudo_abnormal=len(pa_prov),
                written=written)


def side_by_side(data_root: str, path: str, rows: list,
                 mixed: bool = False, tile: int = 192) -> None:
    """A picture for a person to check: per abnormal patient, the input,
    its nearest normal, the boxes hard-pasted, and Poisson-blended, with
    the boxes drawn."""
    lines = []
    for pid, neighbour, boxes in rows:
        x = read_dicom(_image_path(data_root, pid))
        y = read_dicom(_image_path(data_root, neighbour))
        panels = [x, y, pseudo_normal(x, y, boxes, blend=False),
                  pseudo_normal(x, y, boxes, mixed=mixed)]
        lines.append(np.concatenate([
            box_tile(img, boxes, tile, name) for img, name in zip(
                panels, ('input', 'nearest normal', 'pasted', 'blended'))],
            axis=1))
    write_png(path, np.concatenate(lines, axis=0))
