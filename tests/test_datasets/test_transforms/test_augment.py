"""The paper's detector augmentation: the random affine moves image and
boxes together without inflating them; noise and blur leave stacked
target channels clean."""
import cv2
import numpy as np
import torch
from mmdet.structures.bbox import HorizontalBoxes

from mmgranet.datasets import GaussianNoiseBlur, RandomAffineBoxes


def blob_sample(channels=1):
    img = np.zeros((96, 96), np.uint8)
    cv2.ellipse(img, (40, 50), (12, 7), 0, 0, 360, 200, -1)
    if channels > 1:
        img = np.dstack([img] * channels)
    return dict(img=img, gt_bboxes=HorizontalBoxes(
        torch.tensor([[28., 43., 53., 58.]])),
        gt_bboxes_labels=np.zeros(1, np.int64),
        gt_ignore_flags=np.zeros(1, bool))


def test_affine_moves_image_and_boxes_together():
    np.random.seed(0)
    t = RandomAffineBoxes(prob=1.0, max_rotate=10, scale=(0.9, 1.1),
                          max_shear=0.05, max_translate=0.05)
    for _ in range(10):
        out = t(blob_sample(channels=2))
        assert out['img'].shape == (96, 96, 2)
        ys, xs = np.nonzero(out['img'][..., 0] > 100)
        truth = np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
        box = out['gt_bboxes'].numpy()[0]
        # the box follows the blob, within 1.5 px on every side
        np.testing.assert_allclose(box, truth, atol=1.5)
        # every channel moved together
        np.testing.assert_array_equal(out['img'][..., 0], out['img'][..., 1])


def test_affine_keeps_labels_of_the_boxes_it_keeps():
    np.random.seed(1)
    sample = blob_sample()
    sample['gt_bboxes'] = HorizontalBoxes(torch.tensor(
        [[28., 43., 53., 58.], [95.5, 95.5, 96., 96.]]))
    sample['gt_bboxes_labels'] = np.array([0, 0])
    sample['gt_ignore_flags'] = np.array([False, True])
    out = RandomAffineBoxes(prob=1.0, max_translate=0.0, max_rotate=10,
                            scale=(0.95, 0.95))(sample)
    # the corner box left the image: removed with its label and flag
    assert len(out['gt_bboxes']) == len(out['gt_bboxes_labels']) == \
        len(out['gt_ignore_flags']) == 1
    assert not out['gt_ignore_flags'][0]
    assert RandomAffineBoxes(prob=0.0)(blob_sample())['img'] is not None


def test_noise_and_blur_leave_stacked_targets_clean():
    np.random.seed(0)
    img = np.full((32, 32, 2), 100, np.uint8)
    out = GaussianNoiseBlur(noise_prob=1.0, blur_prob=1.0)(
        dict(img=img.copy(), target_channels=1))
    assert out['img'][..., 0].std() > 1  # noised
    np.testing.assert_array_equal(out['img'][..., 1], img[..., 1])
    gray = GaussianNoiseBlur(noise_prob=1.0, blur_prob=0.0)(
        dict(img=np.full((16, 16), 50, np.uint8)))['img']
    assert gray.shape == (16, 16) and gray.dtype == np.uint8
    untouched = np.full((8, 8), 7, np.uint8)
    assert GaussianNoiseBlur(noise_prob=0, blur_prob=0)(
        dict(img=untouched))['img'] is untouched
