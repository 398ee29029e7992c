"""Pictures of test predictions (tools/test.py --show-dir)."""
import os.path as osp

import numpy as np
import torch


def test_render_sample_panels(mini_rsna):
    from mmgranet.engine.hooks import render_sample
    pid = sorted(p[:-4] for p in __import__('os').listdir(
        osp.join(mini_rsna, 'stage_2_train_images')))[0]
    sample = dict(
        img_path=osp.join(mini_rsna, 'stage_2_train_images', f'{pid}.dcm'),
        ori_gt_bboxes=np.array([[10, 10, 40, 40]], np.float32),
        pred_instances=dict(bboxes=torch.tensor([[12., 12, 44, 40]]),
                            scores=torch.tensor([0.9])),
        gen_output=torch.rand(1, 32, 32), residual=torch.rand(1, 32, 32))
    picture = render_sample(sample)
    assert picture.shape == (128, 3 * 128, 3) and picture.dtype == np.uint8
    # the prediction is drawn in red on the first panel
    assert (picture[12, 12:44] == [0, 0, 255]).all(axis=1).mean() > 0.5
    del sample['gen_output'], sample['residual']
    assert render_sample(sample).shape == (128, 128, 3)
