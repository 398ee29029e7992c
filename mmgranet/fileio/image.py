"""One reader for every radiograph the package takes: DICOM (the RSNA
files, :func:`~.dicom.read_dicom`) and, where no DICOM is at hand, PNG or
JPEG exports (8-bit grayscale; a colour export is converted to gray)."""
import os.path as osp

import numpy as np

from .dicom import read_dicom
from .errors import InputError

IMAGE_SUFFIXES = ('.dcm', '.dicom', '.png', '.jpg', '.jpeg')


def read_image(path: str) -> np.ndarray:
    """A radiograph as uint8 [H, W] display values.

    Raises:
        InputError: A missing, corrupt or unsupported file, naming it.
    """
    suffix = osp.splitext(path)[1].lower()
    if suffix not in IMAGE_SUFFIXES:
        raise InputError(f'{path}: not a radiograph file (expected one of '
                         f'{", ".join(IMAGE_SUFFIXES)})')
    if suffix in ('.dcm', '.dicom'):
        return read_dicom(path)
    import cv2
    if not osp.exists(path):
        raise InputError(f'{path}: no such file')
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise InputError(f'{path}: cannot be decoded as {suffix[1:].upper()}')
    if img.ndim == 3:
        img = cv2.cvtColor(img[..., :3], cv2.COLOR_BGR2GRAY)
    if img.dtype != np.uint8:  # a 16-bit export: its range to 8 bits
        lo, hi = float(img.min()), float(img.max())
        img = ((img.astype(np.float64) - lo) * (255.0 / max(hi - lo, 1e-9))
               ).round().astype(np.uint8)
    return img
