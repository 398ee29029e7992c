"""The RetinaNet† heads: the global image-label head and dropout."""
import copy

import torch
import torch.nn as nn
from conftest import MINI_GRANET
from mmengine import Config
from mmengine.registry import init_default_scope

from mmgranet.registry import MODELS
from mmgranet.testing import demo_det_inputs

MINI = MINI_GRANET


class IdentityG(nn.Module):

    def forward(self, x):
        return x


def build_mini(**overrides):
    init_default_scope('mmgranet')
    cfg = Config.fromfile(MINI).model
    cfg.update(overrides)
    model = MODELS.build(cfg)
    model.detector.init_weights()
    model.generator.init_weights()
    return model


def batch(model, num_boxes=(2, 0), size=64, channels=3, seed=0):
    torch.manual_seed(seed)
    packed = demo_det_inputs([(channels, size, size)] * len(num_boxes),
                             num_boxes=list(num_boxes), seed=seed)
    return model.data_preprocessor(packed, False)


def test_global_label_retinanet_heads():
    granet = build_mini()
    model, preprocess = granet.detector, granet.data_preprocessor
    packed = demo_det_inputs([(3, 64, 64)] * 2, num_boxes=[1, 0])
    for s, label in zip(packed['data_samples'], (1, 0)):
        s.set_metainfo(dict(image_label=label))
    model.train()
    data = preprocess(copy.deepcopy(packed), True)
    losses = model(**data, mode='loss')
    assert 0 < float(losses['loss_image_cls']) < 0.2  # weight 0.1 x ~ln 3
    # dropout before the classifier: active in training only
    feats = model.extract_feat(data['inputs'])
    a = model.bbox_head(feats)[0][0]
    b = model.bbox_head(feats)[0][0]
    assert not torch.equal(a, b)
    model.eval()
    with torch.no_grad():
        assert torch.equal(model.bbox_head(feats)[0][0],
                           model.bbox_head(feats)[0][0])
        model.bbox_head.test_cfg.score_thr = 0.0
        data = preprocess(copy.deepcopy(packed), False)
        plain = model(**data, mode='predict')
        model.image_score_power = 1.0
        data = preprocess(copy.deepcopy(packed), False)
        fused = model(**data, mode='predict')
    for p, f in zip(plain, fused):
        probs = f.pred_image_probs
        assert probs.shape == (3, ) and abs(float(probs.sum()) - 1) < 1e-5
        # same boxes; every score times p(Lung Opacity)
        top = p.pred_instances.scores[:10]
        assert torch.allclose(f.pred_instances.scores[:10], top * probs[1],
                              atol=1e-6)
