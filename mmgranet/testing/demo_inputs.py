from typing import List, Sequence

import numpy as np
import torch
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData


def demo_det_inputs(image_shapes: Sequence[Sequence[int]],
                    num_boxes: Sequence[int],
                    num_classes: int = 1,
                    seed: int = 0) -> dict:
    """A packed detection batch, as PackDetInputs + collate would make it.

    Unlike ``mmdet.testing.demo_mm_inputs`` this supports a single class
    (RSNA has one box class) and exact control over images without boxes.

    Args:
        image_shapes (Sequence[Sequence[int]]): (C, H, W) per image.
        num_boxes (Sequence[int]): Boxes per image; 0 makes a negative.
        num_classes (int): Labels are drawn from [0, num_classes).
            Defaults to 1.
        seed (int): Seed of the random images and boxes. Defaults to 0.

    Returns:
        dict: ``inputs`` (list of [C, H, W] uint8 tensors) and
        ``data_samples`` (list of DetDataSample with ``gt_instances``).
    """
    if len(image_shapes) != len(num_boxes):
        raise ValueError(f'{len(image_shapes)} image shapes but '
                         f'{len(num_boxes)} box counts')
    rng = np.random.default_rng(seed)
    inputs: List[torch.Tensor] = []
    samples: List[DetDataSample] = []
    for idx, ((c, h, w), n) in enumerate(zip(image_shapes, num_boxes)):
        inputs.append(
            torch.from_numpy(rng.integers(0, 256, (c, h, w), dtype=np.uint8)))
        xy = rng.uniform(0, 0.6, (n, 2)) * [w, h]
        wh = rng.uniform(0.1, 0.4, (n, 2)) * [w, h]
        bboxes = np.concatenate([xy, np.minimum(xy + wh, [w, h])], axis=1)
        sample = DetDataSample(metainfo=dict(
            img_id=idx, img_shape=(h, w), ori_shape=(h, w),
            scale_factor=(1.0, 1.0), pad_shape=(h, w), flip=False,
            batch_input_shape=(h, w)))
        sample.gt_instances = InstanceData(
            bboxes=torch.as_tensor(bboxes, dtype=torch.float32).reshape(-1, 4),
            labels=torch.as_tensor(
                rng.integers(0, num_classes, n), dtype=torch.long))
        sample.ignored_instances = InstanceData(
            bboxes=torch.zeros(0, 4), labels=torch.zeros(0, dtype=torch.long))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)
