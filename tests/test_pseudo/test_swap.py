import os.path as osp

import cv2
import numpy as np

from mmgranet.datasets.synthetic import make_mini_rsna, read_poses
from mmgranet.fileio import read_dicom, read_rsna_class_info, read_rsna_labels
from mmgranet.pseudo import (nearest_neighbours, paste_boxes, pixel_boxes,
                             pseudo_abnormal, pseudo_normal, tiny_image)


def test_pixel_boxes_cover_and_clip():
    out = pixel_boxes(np.array([[1.2, 2.7, 5.1, 6.0], [-3, 0, 2, 2],
                                [12, 12, 15, 15]]), (10, 10))
    assert out.tolist() == [[1, 2, 6, 6], [0, 0, 2, 2]]  # 3rd: outside


def test_hard_paste_and_resize():
    target = np.zeros((20, 20), np.uint8)
    source = np.full((40, 40), 200, np.uint8)
    out = paste_boxes(target, source, [[2, 2, 6, 6]], blend=False)
    assert (out[2:6, 2:6] == 200).all() and out.sum() == 200 * 16


def test_pseudo_abnormal_boxes_follow_the_paste():
    normal = np.full((64, 64), 50, np.uint8)
    abnormal = np.full((128, 128), 50, np.uint8)
    abnormal[20:40, 60:100] = 200
    img, boxes = pseudo_abnormal(normal, abnormal, [[60, 20, 100, 40]])
    assert boxes.tolist() == [[30, 10, 50, 20]]
    assert img[12:18, 32:48].mean() > 150 and img[40:, :].max() == 50


def test_pseudo_normal_is_closer_to_the_true_twin(tmp_path):
    """On mini-RSNA, inside the lesion boxes, I_b(x) is closer to the true
    normal twin than x is. Images are aligned with their true poses (the
    STN's job, paper 2.2) before the neighbour search and the swap."""
    root = str(tmp_path / 'mini')
    make_mini_rsna(root, num_patients=60, size=128, seed=0, num_test=1)
    labels = read_rsna_labels(osp.join(root, 'stage_2_train_labels.csv'))
    classes = read_rsna_class_info(
        osp.join(root, 'stage_2_detailed_class_info.csv'))
    poses = read_poses(root)

    def aligned(img, pid):
        return cv2.warpAffine(img.astype(np.float64), poses[pid],
                              img.shape[::-1],
                              flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)

    def image(pid):
        return aligned(read_dicom(osp.join(root, 'stage_2_train_images',
                                           f'{pid}.dcm')), pid)

    def aligned_boxes(pid):
        inv = cv2.invertAffineTransform(poses[pid])
        out = []
        for x1, y1, x2, y2 in labels[pid]:
            pts = np.array([[x1, y1], [x2, y1], [x1, y2], [x2, y2]])
            pts = pts @ inv[:, :2].T + inv[:, 2]
            out.append([*pts.min(0), *pts.max(0)])
        return np.array(out)

    normals = [p for p, c in classes.items() if c == 0]
    abnormal = [p for p, c in classes.items() if c == 1]
    idx, _ = nearest_neighbours(
        np.stack([tiny_image(image(p)) for p in abnormal]),
        np.stack([tiny_image(image(p)) for p in normals]), k=1)
    err_input, err_pseudo = [], []
    for pid, j in zip(abnormal, idx[:, 0]):
        x = image(pid)
        twin = aligned(cv2.imread(osp.join(root, 'normal_twins',
                                           f'{pid}_twin.png'), 0), pid)
        boxes = aligned_boxes(pid)
        ib = pseudo_normal(x, image(normals[j]), boxes)
        inside = np.zeros(x.shape, bool)
        for x1, y1, x2, y2 in pixel_boxes(boxes, x.shape):
            inside[y1:y2, x1:x2] = True
        err_input.append(np.abs(x - twin)[inside].mean())
        err_pseudo.append(np.abs(ib - twin)[inside].mean())
        np.testing.assert_array_equal(ib[~inside], x[~inside])
    # measured: 14.2 vs 16.9 grey levels (13 patients)
    assert np.mean(err_pseudo) < np.mean(err_input)
