"""GRANet: the residual attention end to end, G's checkpoint, phases and
freezing, the data preprocessor, predictions in original pixels."""
import copy

import pytest
import torch
import torch.nn as nn
from conftest import MINI_GRANET, save_generator_checkpoint
from mmengine import Config
from mmengine.registry import init_default_scope

from mmgranet.fileio import InputError
from mmgranet.models.necks import resize_attention
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
    if hasattr(model.generator, 'residual'):
        # the residual G starts as the identity: give it a random change
        model.generator.residual.init_weights()
    return model


def batch(model, num_boxes=(2, 0), size=64, channels=3, seed=0):
    torch.manual_seed(seed)
    packed = demo_det_inputs([(channels, size, size)] * len(num_boxes),
                             num_boxes=list(num_boxes), seed=seed)
    return model.data_preprocessor(packed, False)


def test_attention_is_identity_when_g_is_identity():
    model = build_mini()
    model.generator = IdentityG()
    model.eval()
    inputs = batch(model)['inputs']
    x, g, residual = model.generate(inputs)
    assert residual.abs().max() < 1e-6
    with torch.no_grad():
        plain = model.detector.extract_feat(inputs)  # no attention set
        attended = model.extract_feat(inputs)
    assert len(plain) == len(attended) == 5
    for p, a in zip(plain, attended):
        assert torch.allclose(p, a, atol=1e-5)


def test_attention_changes_features_where_g_differs():
    model = build_mini()
    model.eval()
    inputs = batch(model)['inputs']
    with torch.no_grad():
        plain = model.detector.extract_feat(inputs)
        attended = model.extract_feat(inputs)
        _, _, residual = model.generate(inputs)
    assert residual.mean() > 0.01  # a random G is far from the identity
    a = resize_attention(residual, plain[0].shape[-2:])
    assert torch.allclose(attended[0], plain[0] * (1 + a), atol=1e-5)


def test_generator_runs_at_generator_size_and_in_image_range():
    model = build_mini(generator_size=32)
    x, g, residual = model.generate(batch(model, size=64)['inputs'])
    assert x.shape == g.shape == residual.shape == (2, 1, 32, 32)
    assert 0 <= float(x.min()) and float(x.max()) <= 1
    assert 0 <= float(g.min()) and float(g.max()) <= 1
    # never upsampled: an input smaller than generator_size stays as is
    model.generator_size = 256
    assert model.generate(batch(model, size=64)['inputs'])[0].shape[-1] == 64


def test_generator_checkpoint(tmp_path):
    model = build_mini(generator_checkpoint=None)
    with pytest.raises(InputError, match='Abn2Nor'):
        model.init_weights()
    model.generator_checkpoint = str(tmp_path / 'missing.pth')
    with pytest.raises(InputError, match='missing.pth.*Abn2Nor stage'):
        model.init_weights()
    ckpt = save_generator_checkpoint(str(tmp_path / 'g.pth'), seed=3)
    model.generator_checkpoint = ckpt
    model.init_weights()
    saved = torch.load(ckpt, weights_only=False)['state_dict']
    for k, v in model.generator.state_dict().items():
        assert torch.equal(v, saved[f'generator.{k}']), k
    wrong = save_generator_checkpoint(str(tmp_path / 'big.pth'),
                                      base_channels=16, num_blocks=2)
    with pytest.raises(InputError, match='does not match'):
        model.load_generator(wrong)
    # the paper's plain G into the (default) residual G: named, not loaded
    plain = save_generator_checkpoint(str(tmp_path / 'plain.pth'),
                                      residual=False)
    with pytest.raises(InputError, match='residual_generator'):
        model.load_generator(plain)
    torch.save(dict(state_dict=dict(w=torch.zeros(1))),
               str(tmp_path / 'other.pth'))
    with pytest.raises(InputError, match='not a PseudoNormalGAN'):
        model.load_generator(str(tmp_path / 'other.pth'))


def test_phases_freeze_and_restore():
    model = build_mini()
    model.set_phase('generator')
    model.train()
    assert not any(p.requires_grad for p in model.detector.parameters())
    assert all(p.requires_grad for p in model.generator.parameters())
    assert not model.detector.training and model.generator.training
    bns = [m for m in model.detector.modules()
           if isinstance(m, nn.BatchNorm2d)]
    assert bns and not any(m.training for m in bns)
    model.set_phase('detector')
    model.train()
    assert model.detector.training and not model.generator.training
    assert not any(p.requires_grad for p in model.generator.parameters())
    model.set_phase('joint')
    assert all(p.requires_grad == model._trainable[n]
               for n, p in model.named_parameters())
    with pytest.raises(ValueError, match='phase'):
        model.set_phase('both')


def test_lambda_det_scales_the_detection_gradient_into_g():
    grads = {}
    for lam in (1.0, 0.0):
        model = build_mini(lambda_det=lam, recon_weight=0.0,
                           identity_weight=0.0)
        model.set_phase('generator')
        model.train()
        packed = demo_det_inputs([(4, 64, 64)] * 2, num_boxes=[2, 0])
        data = model.data_preprocessor(packed, True)
        losses = model(**data, mode='loss')
        total, _ = model.parse_losses(losses)
        total.backward()
        grads[lam] = sum(float(p.grad.abs().sum())
                         for p in model.generator.parameters()
                         if p.grad is not None)
    assert grads[1.0] > 0 and grads[0.0] == 0


def test_preprocessor_peels_off_the_target():
    model = build_mini()
    packed = demo_det_inputs([(4, 64, 48), (4, 56, 64)], num_boxes=[1, 0])
    raw_targets = [t[3].clone() for t in packed['inputs']]
    data = model.data_preprocessor(copy.deepcopy(packed), True)
    assert data['inputs'].shape == (2, 3, 64, 64)
    for sample, raw in zip(data['data_samples'], raw_targets):
        t = sample.gen_target
        assert t.shape == (1, 64, 64)
        h, w = raw.shape
        assert torch.equal(t[0, :h, :w], raw.float())
        assert t[0, h:].abs().sum() == 0 and t[0, :, w:].abs().sum() == 0
    # test time: 3 channels pass through untouched
    plain = demo_det_inputs([(3, 64, 64)], num_boxes=[1])
    out = model.data_preprocessor(plain, False)
    assert not hasattr(out['data_samples'][0], 'gen_target')
    mixed = demo_det_inputs([(4, 64, 64), (3, 64, 64)], num_boxes=[1, 0])
    with pytest.raises(ValueError, match='LoadGeneratorTarget'):
        model.data_preprocessor(mixed, True)


def test_training_g_without_targets_is_a_clear_error():
    model = build_mini()
    model.set_phase('generator')
    data = model.data_preprocessor(
        demo_det_inputs([(3, 64, 64)], num_boxes=[1]), True)
    with pytest.raises(InputError, match='LoadGeneratorTarget'):
        model(**data, mode='loss')


def test_predictions_in_original_pixels():
    """An image loaded at half size: boxes come back in original pixels
    (x2), and GRANet's G(x) and residual ride along."""
    model = build_mini()
    model.eval()
    model.detector.bbox_head.test_cfg.score_thr = 0.0
    packed = demo_det_inputs([(3, 64, 64)], num_boxes=[1])
    packed['data_samples'][0].set_metainfo(
        dict(ori_shape=(128, 128), scale_factor=(0.5, 0.5)))
    with torch.no_grad():
        data = model.data_preprocessor(copy.deepcopy(packed), False)
        full = model(**data, mode='predict')[0]
        data = model.data_preprocessor(copy.deepcopy(packed), False)
        scaled = model.predict(data['inputs'], data['data_samples'],
                               rescale=False)[0]
    a = full.pred_instances.bboxes
    b = scaled.pred_instances.bboxes
    assert len(a) > 0
    assert torch.allclose(a, (b * 2).clamp(0, 128), atol=1e-3)
    assert full.residual.shape == full.gen_output.shape == (1, 64, 64)


def test_adversarial_term_in_the_generator_phase(tmp_path):
    """eq. 3's D: loaded from the Abn2Nor checkpoint, it trains with G
    (G's loss gets the adversarial term), and stays frozen with G."""
    from mmengine.optim import build_optim_wrapper
    init_default_scope('mmgranet')
    name = MINI.replace('align-syn.py', 'align-syn-adv.py')
    cfg = Config.fromfile(name)
    gan = MODELS.build(dict(
        type='PseudoNormalGAN', generator=cfg.model.generator,
        discriminator=cfg.model.discriminator,
        residual=cfg.model.residual_generator))
    gan.init_weights()
    ckpt = str(tmp_path / 'abn2nor.pth')
    torch.save(dict(state_dict=gan.state_dict()), ckpt)
    model_cfg = cfg.model.to_dict()
    model_cfg['generator_checkpoint'] = ckpt
    model = MODELS.build(model_cfg)
    model.init_weights()
    assert torch.equal(model.discriminator.state_dict()['model.0.conv.weight'],
                       gan.discriminator.state_dict()['model.0.conv.weight'])
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    packed = demo_det_inputs([(4, 64, 64), (4, 64, 64)], num_boxes=[2, 0])
    for sample, kind in zip(packed['data_samples'], ('pseudo', 'identity')):
        sample.set_metainfo(dict(gen_target_kind=kind, image_label=0))
    for phase, moves in (('detector', False), ('generator', True)):
        model.set_phase(phase)
        model.train()
        d0 = [p.clone() for p in model.discriminator.parameters()]
        log = model.train_step(dict(packed), optim)
        moved = any(not torch.equal(a, b) for a, b in
                    zip(d0, model.discriminator.parameters()))
        assert moved == moves, phase
        assert ('loss_g_adv' in log) == moves and ('loss_d' in log) == moves


def test_box_balanced_reconstruction_in_the_generator_phase():
    """recon_balance='boxes': an error of G confined to a lesion image's
    boxes weighs half of its reconstruction term (instead of the boxes'
    share of the pixels); images without lesions keep the plain mean."""
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData
    model = build_mini(recon_balance='boxes', generator_size=32)
    plain = build_mini(generator_size=32, recon_balance=None)
    samples = []
    for kind, boxes in (('pseudo', [[0, 0, 32, 32]]), ('identity', [])):
        s = DetDataSample()
        s.gt_instances = InstanceData(bboxes=torch.tensor(
            boxes, dtype=torch.float32).reshape(-1, 4))
        s.set_metainfo(dict(gen_target_kind=kind))
        s.set_field(torch.zeros(1, 64, 64), 'gen_target', field_type='data')
        samples.append(s)
    g = torch.zeros(2, 1, 32, 32)  # G at half the input's size
    g[:, :, :16, :16] = 1.0  # wrong inside the box (a quarter of G's image)
    x = torch.zeros(2, 1, 32, 32)
    bal = model._generator_losses(x, g, samples, scale=(0.5, 0.5))
    ref = plain._generator_losses(x, g, samples, scale=(0.5, 0.5))
    assert torch.isclose(ref['loss_g_recon'], torch.tensor(0.25))
    assert torch.isclose(bal['loss_g_recon'], torch.tensor(0.5))
    assert torch.isclose(bal['loss_g_identity'], ref['loss_g_identity'])
    with pytest.raises(ValueError, match='recon_balance'):
        build_mini(recon_balance='pixels')
