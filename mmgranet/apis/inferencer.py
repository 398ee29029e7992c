"""GRANet on new radiographs: the whole chain from a file to boxes in its
own pixels, without labels and without any pipeline stage having seen it.

For each image: the STN aligner's affine (online, from its checkpoint),
the detector's test pipeline with that affine (``AffineAlign`` given the
matrix instead of a CSV row), the detector (GRANet runs its G online: the
residual |x - G(x)| comes with every prediction), and the boxes back
through the exact inverse of the box mapping into the original pixels (as
``RSNAMetric`` maps them). Several checkpoints (folds, epochs; each may
have its own fold's aligner) and a horizontal-flip pass are fused per
image in its original frame, by weighted box fusion (mmdet's
``weighted_boxes_fusion``) or by ref. [6]'s averaging before NMS; the
image-level "Lung Opacity" probability is the mean over the members.

Shapes: H, W the original image; N boxes, xyxy.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmgranet.fileio import LUNG_OPACITY, InputError, read_image
from mmgranet.models.detectors import predict_views
from mmgranet.structures import FUSIONS, fuse, untransform_boxes
from .generator_inference import _build, default_device


@dataclass
class Prediction:
    """One image's result.

    Attributes:
        boxes (np.ndarray): [N, 4] xyxy in the original pixels.
        scores (np.ndarray): [N], best first.
        p_opacity (float or None): The image head's "Lung Opacity"
            probability (None without an image head).
        affine (np.ndarray or None): [2, 3] original -> aligned pixels.
        residual (np.ndarray or None): |x - G(x)| in [0, 1] at G's size,
            aligned frame (GRANet only).
        shape (tuple): (H, W).
        members (int): How many passes were fused (checkpoints x flips).
        member_predictions (list): Each pass before fusion, in the
            original pixels: dict(checkpoint=index, flip=bool, boxes,
            scores, p_opacity), in the order checkpoint, then flip (to
            fuse other subsets later).
    """
    boxes: np.ndarray
    scores: np.ndarray
    p_opacity: Optional[float]
    affine: Optional[np.ndarray]
    residual: Optional[np.ndarray]
    shape: Tuple[int, int] = (0, 0)
    members: int = field(default=1)
    member_predictions: List[dict] = field(default_factory=list)


# what a pass before fusion keeps (Prediction.member_predictions)
MEMBER_KEYS = ('checkpoint', 'flip', 'boxes', 'scores', 'p_opacity')


def _aligns(pipeline: Sequence[dict]) -> bool:
    return any(t.get('type') == 'AffineAlign' for t in pipeline)


class GRANetInferencer:
    """A trained detector (GRANet, or any mmgranet detector config) and,
    for aligned configs, its STN aligner, as a function of image files.

    Args:
        config (str): The detector config (its test pipeline is used).
        checkpoints (list[str]): One or more checkpoints of it (an
            ensemble: folds, epochs).
        aligner (tuple or list, optional): (config, checkpoint) of the STN
            for every checkpoint, or a list of them, one per checkpoint;
            needed when the detector's test pipeline aligns.
        device (str, optional): Defaults to cuda when available.
        flip (bool): Also predict the horizontally flipped image (TTA).
        fusion (str): 'wbf' or 'nms' (:func:`fuse`).
        iou_thr (float): The fusion's IoU. Defaults to 0.55.
        batch_size (int): Images per forward pass. Defaults to 8.
    """

    def __init__(self, config: str, checkpoints: Sequence[str],
                 aligner=None, device: Optional[str] = None,
                 flip: bool = False, fusion: str = 'wbf',
                 iou_thr: float = 0.55, batch_size: int = 8) -> None:
        from mmcv.transforms import Compose

        from mmgranet.utils import register_all_modules
        register_all_modules()
        if not checkpoints:
            raise ValueError('give at least one checkpoint')
        if fusion not in FUSIONS:
            raise ValueError(f'fusion must be one of {FUSIONS}, got '
                             f'{fusion!r}')
        self.device = device or default_device()
        self.models = []
        for ckpt in checkpoints:
            cfg, model, _ = _build(config, ckpt, self.device)
            self.models.append(model)
        self.cfg = cfg
        pipeline = [dict(t) for t in cfg.test_dataloader.dataset.pipeline]
        self.aligned = _aligns(pipeline)
        # the affine comes from the aligner, not from a CSV row
        pipeline = [dict(t, affine_file=None) if t['type'] == 'AffineAlign'
                    else t for t in pipeline]
        self.pipeline = Compose(pipeline)
        # one aligner for every checkpoint, or one each (a fold's GRANet
        # works in its own fold's aligned frame)
        pairs = [] if aligner is None else [tuple(aligner)] \
            if isinstance(aligner[0], str) else [tuple(a) for a in aligner]
        if pairs and len(pairs) not in (1, len(checkpoints)):
            raise ValueError(f'{len(pairs)} aligners for {len(checkpoints)} '
                             'checkpoints: give one, or one each')
        known = type(self).affines is not GRANetInferencer.affines
        if self.aligned and not pairs and not known:
            raise InputError(f'{config}: its test pipeline aligns the image '
                             '(AffineAlign): give the STN aligner (config '
                             'and checkpoint) that made its aligned copy')
        self.aligners = {}
        for pair in dict.fromkeys(pairs):
            _, self.aligners[pair], _ = _build(*pair, self.device)
        self.model_aligner = [None] * len(checkpoints) if not pairs else (
            pairs * len(checkpoints) if len(pairs) == 1 else pairs)
        self.flip, self.fusion, self.iou_thr = flip, fusion, iou_thr
        self.batch_size = batch_size

    def affines(self, images: Sequence[np.ndarray], paths: Sequence[str],
                aligner=None) -> List[np.ndarray]:
        """Each image's alignment, original -> aligned pixels, by the
        aligner ``(config, checkpoint)`` (a subclass may give known
        ones)."""
        from .align_dataset import stn_affines
        return stn_affines(self.aligners[aligner], images)

    def __call__(self, paths: Sequence[str],
                 patient_ids: Optional[Sequence[str]] = None
                 ) -> List[Prediction]:
        """Predict image files (their stems are the patient ids unless
        given); a file that cannot be read raises an ``InputError``
        naming it."""
        from mmengine.dataset import pseudo_collate
        patient_ids = list(patient_ids) if patient_ids is not None else [
            _stem(p) for p in paths]
        results: List[Prediction] = []
        for start in range(0, len(paths), self.batch_size):
            batch = list(paths[start:start + self.batch_size])
            pids = patient_ids[start:start + self.batch_size]
            images = [read_image(p) for p in batch]
            members: List[List[tuple]] = [[] for _ in batch]
            frames: Dict[object, tuple] = {}  # aligner -> (affines, data)
            for index, (model, aligner) in enumerate(
                    zip(self.models, self.model_aligner)):
                if aligner not in frames:
                    affines = self.affines(images, batch, aligner) \
                        if self.aligned else [None] * len(images)
                    infos = []
                    for path, pid, m in zip(batch, pids, affines):
                        info = dict(img_path=path, img_id=pid,
                                    patient_id=pid, image_label=-1,
                                    instances=[], ori_gt_bboxes=np.zeros(
                                        (0, 4), np.float32))
                        if m is not None:
                            info['align_matrix'] = m
                        infos.append(self.pipeline(info))
                    frames[aligner] = (affines, pseudo_collate(infos))
                affines, data = frames[aligner]
                flips = (False, True) if self.flip else (False, )
                for flip, view in zip(flips, predict_views(model, data,
                                                           flips)):
                    for i, (boxes, scores, probs, r, _) in enumerate(view):
                        if affines[i] is not None and len(boxes):
                            # members are fused in the original frame;
                            # unclipped, as RSNAMetric maps them
                            boxes = untransform_boxes(boxes, affines[i])
                        members[i].append(dict(
                            checkpoint=index, flip=flip, boxes=boxes,
                            scores=scores, p_opacity=None if probs is None
                            else float(probs[LUNG_OPACITY]),
                            residual=r, affine=affines[i]))
            for img, ms in zip(images, members):
                shape = img.shape[:2]
                boxes, scores = fuse([(m['boxes'], m['scores']) for m in ms],
                                     shape, self.fusion, self.iou_thr)
                probs = [m['p_opacity'] for m in ms
                         if m['p_opacity'] is not None]
                # the residual of the first aligner's unflipped members
                # (one frame)
                first = ms[0]['affine']
                residuals = [m['residual'] for m in ms
                             if m['residual'] is not None
                             and m['affine'] is first]
                results.append(Prediction(
                    boxes=boxes, scores=scores,
                    p_opacity=float(np.mean(probs)) if probs else None,
                    affine=first, shape=tuple(shape), members=len(ms),
                    residual=np.mean(residuals, axis=0)
                    if residuals else None,
                    member_predictions=[
                        {k: m[k] for k in MEMBER_KEYS} for m in ms]))
        return results


def _stem(path: str) -> str:
    import os.path as osp
    return osp.splitext(osp.basename(path))[0]


def overlay(image: np.ndarray, prediction: Prediction,
            score_thr: float = 0.0) -> np.ndarray:
    """A BGR picture: the image with the residual |x - G(x)| (GRANet's
    own explanation of where it looked, mapped back from the aligned
    frame) as a heat map, and the boxes above ``score_thr`` with their
    scores."""
    import cv2

    from mmgranet.structures import invert_affine
    h, w = image.shape[:2]
    out = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if prediction.residual is not None:
        r = cv2.resize(prediction.residual.astype(np.float32), (w, h),
                       interpolation=cv2.INTER_CUBIC)
        if prediction.affine is not None:
            r = cv2.warpAffine(r, invert_affine(prediction.affine)[:2],
                               (w, h), flags=cv2.INTER_LINEAR)
        r = np.clip(r / max(float(r.max()), 1e-6), 0, 1)
        heat = cv2.applyColorMap((r * 255).astype(np.uint8),
                                 cv2.COLORMAP_JET)
        alpha = (0.6 * r)[..., None]
        out = (out * (1 - alpha) + heat * alpha).astype(np.uint8)
    thick = max(1, round(max(h, w) / 256))
    for (x1, y1, x2, y2), s in zip(prediction.boxes, prediction.scores):
        if s < score_thr:
            continue
        cv2.rectangle(out, (int(x1), int(y1)), (int(x2), int(y2)),
                      (0, 255, 0), thick)
        cv2.putText(out, f'{s:.2f}', (int(x1), max(10, int(y1) - 3)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.35 * thick, (0, 255, 0),
                    thick)
    return out


def _boxes_json(boxes, scores) -> Dict:
    return dict(boxes=[[round(float(v), 2) for v in b] for b in boxes],
                scores=[round(float(s), 5) for s in scores])


def prediction_json(pid: str, path: str, p: Prediction,
                    members: bool = False) -> Dict:
    """The per-image JSON the inference tool writes (with ``members``
    also every pass before fusion, ``member_predictions``)."""
    out = dict(
        patientId=pid, file=path, shape=list(p.shape),
        **_boxes_json(p.boxes, p.scores),
        p_opacity=p.p_opacity, members=p.members,
        affine=None if p.affine is None else
        [float(v) for v in np.asarray(p.affine).ravel()])
    if members:
        out['member_predictions'] = [
            dict(m, **_boxes_json(m['boxes'], m['scores']))
            for m in p.member_predictions]
    return out
