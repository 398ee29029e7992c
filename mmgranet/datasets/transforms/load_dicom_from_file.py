import hashlib
import json
import os
import os.path as osp
from typing import Optional, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmgranet.fileio import InputError, atomic_write, read_image
from mmgranet.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadDicomFromFile(BaseTransform):
    """Load a radiograph from a DICOM file, optionally resized and cached.

    Decoding (see :mod:`mmgranet.datasets.dicom`): pydicom 3, uncompressed
    or JPEG baseline, modality LUT then VOI window, MONOCHROME1 inverted,
    8-bit display values out.

    ``load_scale`` resizes right after decoding, as a first mmdet ``Resize``
    would: the image, its ``scale_factor`` and the ``instances`` boxes are
    in the resized pixels, while ``ori_shape`` stays the DICOM's size, so
    predictions are mapped back to original pixels by mmdet as usual. Use it
    instead of (not before) an mmdet ``Resize``, which would overwrite
    ``scale_factor``.

    ``cache_dir`` keeps each decoded (and resized) image as an ``.npz``,
    named by a hash of the source's path, size and modification time and of
    the decoding settings: a changed source file gets a new entry, never a
    stale one. Entries are written atomically and listed in
    ``manifest.jsonl``. 26,684 JPEG DICOMs of 1024 px are decoded once
    instead of every epoch.

    Required Keys:

    - img_path

    Modified Keys:

    - instances (bbox, only with ``load_scale``)

    Added Keys:

    - img
    - img_shape
    - ori_shape
    - scale_factor (only with ``load_scale``)

    Args:
        color_type (str): 'grayscale' ([H, W] uint8) or 'color' (the gray
            value replicated, [H, W, 3], for ImageNet backbones). Defaults
            to 'color'.
        to_float32 (bool): Return float32. Defaults to False.
        load_scale (tuple[int, int], optional): (width, height) to resize
            to. Defaults to None (original size).
        keep_ratio (bool): Fit inside ``load_scale`` keeping the aspect
            ratio. Defaults to True.
        cache_dir (str, optional): Decode cache directory. Defaults to None.
    """

    def __init__(self,
                 color_type: str = 'color',
                 to_float32: bool = False,
                 load_scale: Optional[Tuple[int, int]] = None,
                 keep_ratio: bool = True,
                 cache_dir: Optional[str] = None) -> None:
        if color_type not in ('grayscale', 'color'):
            raise ValueError(f"color_type must be 'grayscale' or 'color', "
                             f'got {color_type!r}')
        self.color_type = color_type
        self.to_float32 = to_float32
        self.load_scale = None if load_scale is None else tuple(load_scale)
        self.keep_ratio = keep_ratio
        self.cache_dir = cache_dir

    def _target_size(self, h: int, w: int) -> Tuple[int, int]:
        tw, th = self.load_scale
        if not self.keep_ratio:
            return th, tw
        s = min(tw / w, th / h)
        return max(1, int(h * s + 0.5)), max(1, int(w * s + 0.5))

    def _decode(self, path: str) -> Tuple[np.ndarray, Tuple[int, int]]:
        img = read_image(path)  # DICOM; PNG / JPEG exports too
        ori_shape = img.shape[:2]
        if self.load_scale is not None:
            h, w = self._target_size(*ori_shape)
            if (h, w) != ori_shape:
                img = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)
        return img, ori_shape

    def _cache_key(self, path: str, st: os.stat_result) -> str:
        ident = json.dumps([
            osp.abspath(path), st.st_size, st.st_mtime_ns, self.load_scale,
            self.keep_ratio, 'area', 1
        ])
        return hashlib.sha1(ident.encode()).hexdigest()

    def _load_cached(self, path: str):
        try:
            st = os.stat(path)
        except OSError as e:
            raise InputError(f'{path}: DICOM file not found ({e})') from None
        key = self._cache_key(path, st)
        entry = osp.join(self.cache_dir, key[:2], f'{key}.npz')
        if osp.exists(entry):
            try:
                with np.load(entry) as z:
                    return z['img'], tuple(int(v) for v in z['ori_shape'])
            except (OSError, ValueError, KeyError):
                pass  # a damaged entry is decoded and written again
        img, ori_shape = self._decode(path)
        with atomic_write(entry, 'wb') as f:
            np.savez(f, img=img, ori_shape=np.array(ori_shape))
        record = json.dumps(dict(source=osp.abspath(path), size=st.st_size,
                                 mtime_ns=st.st_mtime_ns, entry=entry,
                                 shape=list(img.shape),
                                 ori_shape=list(ori_shape)))
        # one short O_APPEND write per entry: safe across loader workers
        fd = os.open(osp.join(self.cache_dir, 'manifest.jsonl'),
                     os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (record + '\n').encode())
        finally:
            os.close(fd)
        return img, ori_shape

    def transform(self, results: dict) -> dict:
        path = results['img_path']
        if self.cache_dir:
            img, ori_shape = self._load_cached(path)
        else:
            img, ori_shape = self._decode(path)
        if self.color_type == 'color':
            img = np.repeat(img[..., None], 3, axis=2)
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = ori_shape
        if self.load_scale is not None:
            sx = img.shape[1] / ori_shape[1]
            sy = img.shape[0] / ori_shape[0]
            results['scale_factor'] = (sx, sy)
            for inst in results.get('instances', []):
                x1, y1, x2, y2 = inst['bbox']
                inst['bbox'] = [x1 * sx, y1 * sy, x2 * sx, y2 * sy]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(color_type={self.color_type!r}, '
                f'to_float32={self.to_float32}, '
                f'load_scale={self.load_scale}, '
                f'keep_ratio={self.keep_ratio}, cache_dir={self.cache_dir!r})')
