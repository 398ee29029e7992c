"""mini-RSNA's ground truth reader: a lesion's true extent (where x
differs from its twin) lies inside its box and explains it; outside the
lesions x is its twin; the held-out cases come in the aligned frame."""
import os.path as osp

import numpy as np
import pytest

from mmgranet.datasets.synthetic.twin_cases import (box_mask, held_out_cases,
                                                    lesion_masks, mask_box,
                                                    read_twin)
from mmgranet.fileio import InputError, read_dicom, read_rsna_labels


def test_lesion_masks_explain_their_boxes(mini_rsna):
    labels = read_rsna_labels(osp.join(mini_rsna, 'stage_2_train_labels.csv'))
    abnormal = [p for p, boxes in labels.items() if len(boxes)]
    assert abnormal
    for pid in abnormal:
        image = read_dicom(osp.join(mini_rsna, 'stage_2_train_images',
                                    f'{pid}.dcm'))
        twin = read_twin(mini_rsna, pid)
        assert twin.shape == image.shape
        boxes = np.asarray(labels[pid], np.float64)
        masks = lesion_masks(image, twin, boxes)
        assert len(masks) == len(boxes)
        for box, mask in zip(boxes, masks):
            found = mask_box(mask)
            assert found is not None, pid
            # inside the box, and spanning most of it
            assert (found[:2] >= np.floor(box[:2])).all()
            assert (found[2:] <= np.ceil(box[2:])).all()
            assert (found[2:] - found[:2]).min() >= \
                0.5 * (box[2:] - box[:2]).min(), (pid, box, found)
        # away from the boxes, x is its twin (up to JPEG noise)
        outside = ~box_mask(boxes, image.shape)
        assert np.abs(image.astype(float) - twin)[outside].mean() < 2.0


def test_held_out_cases_and_a_missing_twin(granet_stages, tmp_path):
    cases = list(held_out_cases(granet_stages['data_root'],
                                granet_stages['artifacts'], 'test'))
    assert cases
    for case in cases:
        assert case.affine.shape == (2, 3)
        assert len(case.lesion_masks) == len(case.boxes)
        if len(case.boxes):
            assert case.twin.shape == case.image.shape
    with pytest.raises(InputError, match='normal twin'):
        read_twin(str(tmp_path), 'nobody')
    with pytest.raises(ValueError, match='needs the setting'):
        next(held_out_cases(granet_stages['data_root'],
                            granet_stages['artifacts'], 'val'))
