"""The ensemble / flip-TTA model of tools/test.py: a flipped pass of the
mirrored image is the unflipped pass of the image, mirrored (inputs and
boxes flip about each image's own width); one checkpoint without flip is
the detector itself; members are fused per image and every data sample
keeps the metadata the RSNA metric reads; tools/test.py scores an
ensemble with --tta, and duplicated members under ref. [6]'s fusion give
the single model's boxes at half the score."""
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from test_tools.test_generation_comparison import save_random
from test_tools.test_train_tools import run_tool

from mmgranet.fileio import read_submission
from mmgranet.models.detectors import RSNAEnsemble, predict_views
from mmgranet.models.detectors.ensemble import flip_inputs

BASELINE = 'configs/retinanet/retinanet-dagger_r18_fpn-p2_1xb8-8e_mini-rsna.py'
REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


@pytest.fixture(scope='module')
def baseline(tmp_path_factory):
    from mmcv.transforms import Compose

    from mmgranet.utils import register_all_modules
    register_all_modules()
    tmp = tmp_path_factory.mktemp('ensemble')
    cfg = Config.fromfile(osp.join(REPO, BASELINE))
    init_default_scope('mmgranet')
    ckpts = [str(tmp / f'm{i}.pth') for i in range(2)]
    for i, c in enumerate(ckpts):
        save_random(BASELINE, c, 11 + i)
    rng = np.random.default_rng(0)
    img = cv2.GaussianBlur(rng.integers(0, 255, (90, 120), np.uint8),
                           (0, 0), 3)
    img[20:50, 10:40] = 230  # a bright, off-centre square
    paths = [str(tmp / 'a.png'), str(tmp / 'a_mirrored.png')]
    cv2.imwrite(paths[0], img)
    cv2.imwrite(paths[1], img[:, ::-1])
    pipeline = Compose(cfg.test_dataloader.dataset.pipeline)

    def data(path):
        return pseudo_collate([pipeline(dict(
            img_path=path, img_id='a', patient_id='a', image_label=-1,
            instances=[], ori_gt_bboxes=np.zeros((0, 4), np.float32)))])
    return dict(cfg=cfg, ckpts=ckpts, data=data, paths=paths)


def mirror(boxes, w):
    return np.stack([w - boxes[:, 2], boxes[:, 1], w - boxes[:, 0],
                     boxes[:, 3]], 1)


def test_flip_inputs_within_each_image():
    x = torch.arange(2 * 1 * 2 * 4, dtype=torch.float32).reshape(2, 1, 2, 4)

    class S:  # the second image is 3 px wide, padded to 4
        def __init__(self, w):
            self.metainfo = dict(img_shape=(2, w))
    out = flip_inputs(x, [S(4), S(3)])
    assert torch.equal(out[0], x[0].flip(-1))
    assert torch.equal(out[1, :, :, :3], x[1, :, :, :3].flip(-1))
    assert torch.equal(out[1, :, :, 3], x[1, :, :, 3])  # padding stays


def test_flipped_pass_of_the_mirror_is_the_mirrored_pass(baseline):
    ens = RSNAEnsemble(baseline['cfg'].model, baseline['ckpts'][:1])
    member = ens.members[0]
    plain = predict_views(member,
                          baseline['data'](baseline['paths'][0]))[0]
    flipped = predict_views(member, baseline['data'](baseline['paths'][1]),
                            (True, ))[0]
    (b0, s0, p0, _, sample), (b1, s1, p1, _, _) = plain[0], flipped[0]
    assert len(b0) > 0
    w = sample.metainfo['ori_shape'][1]
    assert w == 120
    assert np.allclose(mirror(b1, w), b0, atol=1e-3)
    assert np.allclose(s1, s0, atol=1e-6) and np.allclose(p1, p0)
    # the mirror is a different image: its unflipped boxes are elsewhere
    other = predict_views(member,
                          baseline['data'](baseline['paths'][1]))[0]
    assert not np.allclose(other[0][0][:1], b0[:1], atol=1)


def test_one_member_is_the_detector_and_samples_keep_metadata(baseline):
    data = baseline['data'](baseline['paths'][0])
    one = RSNAEnsemble(baseline['cfg'].model, baseline['ckpts'][:1])
    ref = predict_views(one.members[0], data)[0][0]
    out = one.test_step(data)
    assert len(out) == 1
    assert np.allclose(out[0].pred_instances.bboxes.numpy(), ref[0],
                       atol=1e-4)
    assert out[0].patient_id == 'a' and 'ori_gt_bboxes' in out[0]
    both = RSNAEnsemble(baseline['cfg'].model, baseline['ckpts'],
                        flip=True)
    out = both.test_step(data)
    fused = out[0].pred_instances
    assert len(fused.bboxes) > 0
    assert (fused.scores[:-1] >= fused.scores[1:]).all()
    assert (fused.labels == 0).all()
    # the image head's probabilities: the mean of the four passes
    passes = [view[0][2] for m in both.members
              for view in predict_views(m, data, (False, True))]
    assert np.allclose(out[0].pred_image_probs.numpy(),
                       np.mean(passes, 0), atol=1e-6)
    with pytest.raises(ValueError, match='fusion'):
        RSNAEnsemble(baseline['cfg'].model, baseline['ckpts'],
                     fusion='vote')
    with pytest.raises(Exception, match='missing.pth'):
        RSNAEnsemble(baseline['cfg'].model, ['missing.pth'])


@pytest.mark.slow
def test_test_tool_scores_an_ensemble_with_tta(pipeline_env, tmp_path):
    ckpt = str(tmp_path / 'a.pth')
    save_random(BASELINE, ckpt, 21)

    def test(*args, name):
        out = str(tmp_path / f'{name}.csv')
        text = run_tool([sys.executable, 'tools/test.py', BASELINE, *args,
                         '--out', out, '--work-dir', str(tmp_path / name)])
        assert 'rsna/AP:' in text, text[-2000:]
        return read_submission(out)

    single = test(ckpt, name='single')
    tta = test(ckpt, ckpt, '--tta', name='tta')
    assert set(tta) == set(single)
    # ref. [6]'s fusion of a duplicated member: NMS drops each copy's
    # twin, the scores are averaged over the two
    twice = test(ckpt, ckpt, '--fusion', 'nms', name='nms')
    assert set(twice) == set(single)
    assert sum(len(s) for s, _ in single.values()) > 0
    for pid, (boxes, scores) in single.items():
        assert np.allclose(twice[pid][0], boxes, atol=0.11), pid
        assert np.allclose(twice[pid][1], scores / 2, atol=2e-4), pid
