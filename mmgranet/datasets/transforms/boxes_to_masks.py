import numpy as np
from mmcv.transforms import BaseTransform
from mmdet.structures.mask import BitmapMasks

from mmgranet.registry import TRANSFORMS


@TRANSFORMS.register_module()
class BoxesToMasks(BaseTransform):
    """Masks for Mask R-CNN on RSNA: each ground-truth box, filled.

    RSNA has boxes only; the paper's Mask R-CNN trains on the filled boxes.
    Put it after every transform that changes the boxes (alignment,
    pseudo-abnormal pasting) and before flips and resizes, which mmdet
    applies to boxes and masks alike.

    Required Keys: img, gt_bboxes. Added Keys: gt_masks.
    """

    def transform(self, results: dict) -> dict:
        h, w = results['img'].shape[:2]
        boxes = results['gt_bboxes']
        boxes = boxes.numpy() if hasattr(boxes, 'numpy') else \
            np.asarray(boxes, np.float32).reshape(-1, 4)
        masks = np.zeros((len(boxes), h, w), np.uint8)
        for m, (x1, y1, x2, y2) in zip(masks, boxes):
            x1, y1 = int(np.floor(max(x1, 0))), int(np.floor(max(y1, 0)))
            x2, y2 = int(np.ceil(min(x2, w))), int(np.ceil(min(y2, h)))
            m[y1:y2, x1:x2] = 1
        results['gt_masks'] = BitmapMasks(masks, h, w)
        return results
