import os
import os.path as osp
from typing import Optional, Sequence

import cv2
import numpy as np
from mmengine.hooks import Hook

from mmgranet.evaluation.metrics.rsna_metric import (
    original_gt_boxes, predictions_in_original_pixels, to_numpy)
from mmgranet.fileio import InputError, atomic_write, read_dicom
from mmgranet.registry import HOOKS


def _draw_boxes(img: np.ndarray, boxes: np.ndarray, color, scores=None):
    for i, (x1, y1, x2, y2) in enumerate(np.round(boxes).astype(int)):
        cv2.rectangle(img, (x1, y1), (x2, y2), color, 2)
        if scores is not None:
            cv2.putText(img, f'{scores[i]:.2f}', (x1 + 2, max(y1 - 4, 10)),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.4, color, 1,
                        cv2.LINE_AA)


def _panel(gray01: np.ndarray, size, heat: bool = False) -> np.ndarray:
    img = np.clip(gray01 * 255 + 0.5, 0, 255).astype(np.uint8)
    img = cv2.resize(img, (size[1], size[0]),
                     interpolation=cv2.INTER_LINEAR)
    if heat:
        return cv2.applyColorMap(img, cv2.COLORMAP_JET)
    return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)


def render_sample(sample: dict, score_thr: float = 0.3) -> np.ndarray:
    """A picture of one test sample, BGR uint8.

    The DICOM as read with the ground truth (green) and the predictions
    above ``score_thr`` (red, with scores) in original pixels; for GRANet
    also G(x) and the residual |x - G(x)| as a heat map (normalised to its
    maximum), both as the network saw them (after resizing and alignment).
    """
    path = sample['img_path']
    if path.lower().endswith('.dcm'):
        img = read_dicom(path)
    else:
        img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise InputError(f'{path}: cannot read the image')
    canvas = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    try:
        gt = original_gt_boxes(sample)
    except KeyError:  # unlabelled test images
        gt = np.zeros((0, 4))
    _draw_boxes(canvas, gt, (0, 200, 0))
    if 'pred_instances' in sample:
        boxes, scores = predictions_in_original_pixels(sample)
        keep = scores >= score_thr
        _draw_boxes(canvas, boxes[keep], (0, 0, 255), scores[keep])
    panels = [canvas]
    if 'residual' in sample:
        size = canvas.shape[:2]
        g = to_numpy(sample['gen_output'])[0]
        r = to_numpy(sample['residual'])[0]
        panels.append(_panel(g, size))
        panels.append(_panel(r / max(float(r.max()), 1e-6), size, heat=True))
        for p, title in zip(panels, ('x', 'G(x)', '|x - G(x)|')):
            cv2.putText(p, title, (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7,
                        (255, 255, 255), 2, cv2.LINE_AA)
    return np.concatenate(panels, axis=1)


@HOOKS.register_module()
class RSNAVisualizationHook(Hook):
    """Pictures of test predictions on RSNA DICOMs (``tools/test.py
    --show-dir``).

    mmdet's DetVisualizationHook decodes images with mmcv, which cannot
    read DICOM; this hook reads them with pydicom, draws in original pixels
    (alignment undone) and adds GRANet's G(x) and residual panels. One PNG
    per patient in ``<work_dir>/<timestamp>/<test_out_dir>``.

    Args:
        draw (bool): Defaults to False (``--show-dir`` turns it on).
        score_thr (float): Defaults to 0.3.
        test_out_dir (str, optional): Defaults to None.
        interval (int): Accepted for compatibility with mmdet's hook.
    """

    priority = 'NORMAL'

    def __init__(self,
                 draw: bool = False,
                 score_thr: float = 0.3,
                 test_out_dir: Optional[str] = None,
                 interval: int = 1,
                 **kwargs) -> None:
        self.draw = draw
        self.score_thr = score_thr
        self.test_out_dir = test_out_dir
        self._out = None

    def after_test_iter(self, runner, batch_idx: int, data_batch: dict,
                        outputs: Sequence) -> None:
        if not self.draw or self.test_out_dir is None:
            return
        if self._out is None:
            self._out = osp.join(runner.work_dir, runner.timestamp,
                                 self.test_out_dir)
            os.makedirs(self._out, exist_ok=True)
        for sample in outputs:
            sample = sample.to_dict() if hasattr(sample, 'to_dict') else \
                sample
            picture = render_sample(sample, self.score_thr)
            name = osp.splitext(osp.basename(sample['img_path']))[0]
            ok, png = cv2.imencode('.png', picture)
            if not ok:
                raise RuntimeError(f'could not encode the picture of {name}')
            with atomic_write(osp.join(self._out, f'{name}.png'), 'wb') as f:
                f.write(png.tobytes())
