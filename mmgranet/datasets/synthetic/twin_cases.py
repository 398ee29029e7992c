"""mini-RSNA's ground truth for generated images, per patient, in the
frame the cGANs and GRANet work in (the setting's aligned copy).

mini-RSNA writes each abnormal patient's true normal twin (the same
phantom without its opacities). A lesion's true extent is where the image
differs from its twin, inside the lesion's own (tight) box; warped with
the patient's alignment affine it gives the lesion's true extent in the
aligned frame, against which boxes and residual maps are measured.

Shapes: H, W image size.
"""
import os.path as osp
from typing import Iterator, List, NamedTuple, Optional

import cv2
import numpy as np

from mmgranet.datasets.transforms import read_affines
from mmgranet.fileio import (InputError, read_dicom, read_rsna_labels,
                             read_split_file)
from mmgranet.pseudo import pixel_boxes
from mmgranet.structures import transform_boxes

# grey levels a smoothed image must differ from its twin by to count as
# lesion (JPEG noise stays below it; the mask then fills most of the
# generator's own box: tests/test_datasets/test_twin_cases.py)
LESION_THRESHOLD = 4.0


class Case(NamedTuple):
    """One patient in the aligned frame (uint8 [H, W] images)."""
    patient_id: str
    image: np.ndarray  # aligned x
    twin: Optional[np.ndarray]  # aligned true twin; None without lesions
    boxes: np.ndarray  # [N, 4] xyxy, aligned frame
    lesion_masks: List[np.ndarray]  # per box, [H, W] bool, aligned frame
    affine: np.ndarray  # [2, 3] original -> aligned pixels


def read_twin(data_root: str, patient_id: str) -> np.ndarray:
    path = osp.join(data_root, 'normal_twins', f'{patient_id}_twin.png')
    twin = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    if twin is None:
        raise InputError(f'{path}: cannot read the true normal twin (only '
                         'mini-RSNA has them: tools/stages/make_mini_rsna.py)')
    return twin


def lesion_masks(image: np.ndarray, twin: np.ndarray, boxes: np.ndarray,
                 threshold: float = LESION_THRESHOLD) -> List[np.ndarray]:
    """Per box, the pixels inside it where the image differs from its twin
    (both lightly smoothed against JPEG noise) by more than ``threshold``
    grey levels: [H, W] bool each."""
    diff = cv2.GaussianBlur(image.astype(np.float32) - twin, (0, 0), 1.0)
    out = []
    for x1, y1, x2, y2 in pixel_boxes(boxes, image.shape):
        m = np.zeros(image.shape, bool)
        m[y1:y2, x1:x2] = diff[y1:y2, x1:x2] > threshold
        out.append(m)
    return out


def warp_mask(mask: np.ndarray, m: np.ndarray) -> np.ndarray:
    """A boolean mask through a pixel affine (area-weighted, then >= 0.5)."""
    warped = cv2.warpAffine(mask.astype(np.float32), m, mask.shape[::-1],
                            flags=cv2.INTER_LINEAR)
    return warped >= 0.5


def mask_box(mask: np.ndarray) -> Optional[np.ndarray]:
    """[4] xyxy box around a mask's pixels (None when empty)."""
    ys, xs = np.nonzero(mask)
    if not len(xs):
        return None
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1],
                    dtype=np.float64)


def held_out_cases(data_root: str, artifacts: str, split: str = 'test',
                   setting: Optional[str] = None,
                   with_lesions: Optional[bool] = None) -> Iterator[Case]:
    """The patients of a split of a mini-RSNA in the setting's aligned
    frame, with their truth.

    Args:
        data_root (str): The mini-RSNA.
        artifacts (str): The setting's artifact dir (``WORK/<setting>/``:
            ``aligned/`` with ``affines.csv``).
        split (str): 'test' (the held-out patients of
            ``stage_2_test_images``, labels in ``test_labels.csv``) or
            'train' / 'val' (the setting's split of the labelled patients;
            needs ``setting``). Defaults to 'test'.
        setting (str, optional): e.g. 'fold0', for 'train' / 'val'.
        with_lesions (bool, optional): Only patients with (True) or without
            (False) lesion boxes. Defaults to None (all).

    Yields:
        Case: in patient order.
    """
    if split == 'test':
        image_dir, labels_file, ids = 'stage_2_test_images', \
            'test_labels.csv', None
    elif split in ('train', 'val'):
        if setting is None:
            raise ValueError(f"split {split!r} needs the setting")
        image_dir, labels_file = 'stage_2_train_images', \
            'stage_2_train_labels.csv'
        ids = read_split_file(osp.join(data_root, 'splits',
                                       f'{setting}_{split}.txt'))
    else:
        raise ValueError(f"split must be 'test', 'train' or 'val', got "
                         f'{split!r}')
    labels = read_rsna_labels(osp.join(data_root, labels_file))
    affines = read_affines(osp.join(artifacts, 'aligned', 'affines.csv'))
    for pid in ids if ids is not None else list(labels):
        boxes = labels[pid]
        if with_lesions is not None and bool(len(boxes)) != with_lesions:
            continue
        if pid not in affines:
            raise InputError(f'{artifacts}aligned/affines.csv: no affine for'
                             f' patient {pid}; align the {split} images '
                             '(tools/stages/align_dataset.py)')
        m = affines[pid]
        image = read_dicom(osp.join(artifacts, 'aligned', image_dir,
                                    f'{pid}.dcm'))
        shape = image.shape
        twin, masks = None, []
        if len(boxes):
            original = read_dicom(osp.join(data_root, image_dir,
                                           f'{pid}.dcm'))
            raw_twin = read_twin(data_root, pid)
            masks = [warp_mask(mk, m) for mk in
                     lesion_masks(original, raw_twin, boxes)]
            twin = cv2.warpAffine(raw_twin, m, shape[::-1],
                                  flags=cv2.INTER_LINEAR)
        yield Case(pid, image, twin,
                   transform_boxes(boxes, m, shape) if len(boxes) else
                   np.zeros((0, 4)), masks, m)


def box_mask(boxes: np.ndarray, shape) -> np.ndarray:
    """[H, W] bool: the union of boxes (whole pixels they touch)."""
    mask = np.zeros(shape, bool)
    for x1, y1, x2, y2 in pixel_boxes(boxes, shape):
        mask[y1:y2, x1:x2] = True
    return mask
