"""Every config under configs/ loads, and every model it defines builds
and trains one step (loss + backward) on tiny input, including an image
without boxes (most RSNA images have none). Later stages extend this file's
reach simply by adding configs."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from conftest import MINI_GRANET
from mmengine import Config, ConfigDict
from mmengine.registry import init_default_scope

from mmgranet.registry import MODELS
from mmgranet.testing import demo_det_inputs

CONFIG_ROOT = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                       'configs')
CONFIGS = sorted(
    osp.relpath(p, CONFIG_ROOT)
    for p in glob.glob(osp.join(CONFIG_ROOT, '**', '*.py'), recursive=True))


def test_there_are_configs():
    assert 'models/retinanet_r50_fpn.py' in [
        c.replace('_base_/', '') for c in CONFIGS]


def train_gan_one_step(model, cfg):
    """A cGAN (1 input channel, or 2: the normal -> abnormal one) or an
    unpaired translator (CycleGAN, UNIT): one step moves G; G translates
    uint8 images to uint8 images."""
    from mmengine import MessageHub
    from mmengine.optim import build_optim_wrapper
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    MessageHub.get_current_instance().update_info('iter', 0)
    gen = torch.Generator().manual_seed(0)

    def imgs(channels=1):
        return torch.randint(0, 256, (2, channels, 64, 64), generator=gen,
                             dtype=torch.uint8)
    g0 = [p.clone() for p in model.generators.parameters()] \
        if hasattr(model, 'generators') else \
        [p.clone() for p in model.generator.parameters()]
    if hasattr(model, 'generators'):  # unpaired
        data = dict(inputs=dict(img_abnormal=imgs(), img_normal=imgs()))
        source, target_domain = imgs(), 'normal'
    else:
        channels = cfg.model.generator.in_channels
        source, target_domain = imgs(channels), None
        data = dict(inputs=dict(input=source, target=imgs(), real=imgs()))
        if cfg.model.get('recon_balance') == 'boxes':  # the lesion boxes
            mask = torch.zeros(2, 1, 64, 64, dtype=torch.uint8)
            mask[:, :, 16:40, 8:30] = 255
            data['inputs']['mask'] = mask
    log = model.train_step(data, optim)
    assert all(torch.isfinite(v) for v in log.values()), log
    moved = model.generators.parameters() if hasattr(model, 'generators') \
        else model.generator.parameters()
    assert any(not torch.equal(a, b) for a, b in zip(g0, moved))
    out = model.translate(source, target_domain)
    assert out.shape == (2, 1, 64, 64) and out.dtype == torch.uint8


def add_box_masks(packed):
    """Filled-box masks (as BoxesToMasks makes them) for Mask R-CNN."""
    from mmdet.structures.mask import BitmapMasks
    for img, sample in zip(packed['inputs'], packed['data_samples']):
        h, w = img.shape[-2:]
        masks = np.zeros((len(sample.gt_instances), h, w), np.uint8)
        boxes = sample.gt_instances.bboxes
        for m, box in zip(masks, getattr(boxes, 'tensor', boxes)):
            x1, y1, x2, y2 = box.int().tolist()
            m[y1:y2, x1:x2] = 1
        sample.gt_instances.masks = BitmapMasks(masks, h, w)


def train_granet_phases(model, cfg):
    """GRANet: a train_step in each phase on images carrying G's target
    channel (as LoadGeneratorTarget makes them), one with no boxes; only
    the unfrozen subnet moves; predict gives boxes, G(x) and I_r."""
    from mmengine.optim import build_optim_wrapper
    model.detector.init_weights()
    model.generator.init_weights()  # G's checkpoint is a later stage's
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    torch.manual_seed(0)
    packed = demo_det_inputs([(4, 64, 64), (4, 64, 64)], num_boxes=[2, 0])
    add_box_masks(packed)
    for sample, kind in zip(packed['data_samples'], ('pseudo', 'identity')):
        sample.set_metainfo(dict(gen_target_kind=kind, image_label=0))
    for phase in ('detector', 'generator', 'joint'):
        model.set_phase(phase)
        model.train()
        before = {n: p.clone() for n, p in model.named_parameters()}
        log = model.train_step(dict(packed), optim)
        assert all(torch.isfinite(v) for v in log.values()), log
        moved = {n.split('.')[0] for n, p in model.named_parameters()
                 if not torch.equal(before[n], p)}
        # eq. 3's discriminator, when a config has one, trains with G
        with_d = {'discriminator'} if model.discriminator is not None \
            else set()
        assert moved == {'detector': {'detector'}, 'generator':
                         {'generator'} | with_d,
                         'joint': {'detector', 'generator'} | with_d
                         }[phase], (phase, moved)
    model.eval()
    test = dict(packed, inputs=[x[:3] for x in packed['inputs']])
    with torch.no_grad():
        results = model.test_step(test)
    assert results[0].pred_instances.bboxes.shape[-1] == 4
    assert results[0].residual.shape == results[0].gen_output.shape


def strip_pretrained(cfg):
    """Drop pretrained weights (no weight files or downloads in tests:
    randomly initialised real architectures)."""
    if isinstance(cfg, dict):
        init = cfg.get('init_cfg')
        if isinstance(init, dict) and init.get('type') == 'Pretrained':
            cfg['init_cfg'] = None
        if cfg.get('vgg_weights'):  # the STN's perceptual loss
            cfg['vgg_weights'] = None
        for value in cfg.values():
            strip_pretrained(value)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            strip_pretrained(value)
    return cfg


@pytest.mark.parametrize('name', CONFIGS)
def test_config_loads(name):
    cfg = Config.fromfile(osp.join(CONFIG_ROOT, name))
    assert isinstance(cfg, Config)
    if 'default_scope' in cfg:
        assert cfg.default_scope == 'mmgranet'


def _unique_models():
    """Configs with a model, one per distinct model: delta configs that
    change only the schedule, fold or data (e.g. granet/*_sched-*.py) share
    their parent's model, which is built and trained once."""
    seen, unique, same_as = {}, [], {}
    for c in CONFIGS:
        cfg = Config.fromfile(osp.join(CONFIG_ROOT, c))
        if 'model' not in cfg:
            continue
        key = repr(cfg.model.to_dict())
        if key in seen:
            same_as[c] = seen[key]
        else:
            seen[key] = c
            unique.append(c)
    return unique, same_as


MODEL_CONFIGS, SAME_MODEL_AS = _unique_models()


def test_delta_configs_share_a_tested_model():
    assert 'granet/granet_retinanet-dagger_seresnext101_fpn-p2_1xb6-12e-' \
        'joint_rsna-align-syn.py' in SAME_MODEL_AS
    for c, tested in SAME_MODEL_AS.items():
        assert tested in MODEL_CONFIGS, c


@pytest.mark.parametrize('name', MODEL_CONFIGS)
def test_model_builds_and_trains_one_step(name):
    cfg = Config.fromfile(osp.join(CONFIG_ROOT, name))
    init_default_scope(cfg.get('default_scope', 'mmgranet'))
    model_cfg = strip_pretrained(ConfigDict(cfg.model.to_dict()))
    if isinstance(model_cfg.get('reference'), str):
        # aligners: a generated reference instead of the data root's file
        model_cfg.reference = np.random.default_rng(0).integers(
            0, 256, (64, 64), dtype=np.uint8)
    model = MODELS.build(model_cfg)
    if model_cfg.type == 'GRANet':
        train_granet_phases(model, cfg)
        return
    model.init_weights()
    model.train()
    if model_cfg.type in ('PseudoNormalGAN', 'CycleGAN', 'UNIT'):
        train_gan_one_step(model, cfg)  # they train through train_step
        return

    torch.manual_seed(0)
    # two images of 64 px: two boxes in the first, none in the second
    packed = demo_det_inputs([(3, 64, 64), (3, 64, 64)], num_boxes=[2, 0])
    add_box_masks(packed)
    data = model.data_preprocessor(packed, True)
    losses = model(**data, mode='loss')
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total), losses
    total.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and any(g.abs().sum() > 0 for g in grads)

    model.eval()
    with torch.no_grad():
        results = model(**model.data_preprocessor(packed, False),
                        mode='predict')
    assert len(results) == 2
    if hasattr(results[0], 'pred_instances'):  # detectors
        assert results[0].pred_instances.bboxes.shape[-1] == 4
    else:  # aligners
        assert results[0]['align_matrix'].shape == (2, 3)


def rsna_dataset_cfgs(cfg):
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if loader and loader.dataset.get('type') == 'RSNADataset':
            yield split, loader


DATASET_CONFIGS = [
    c for c in CONFIGS
    if list(rsna_dataset_cfgs(Config.fromfile(osp.join(CONFIG_ROOT, c))))
]


@pytest.mark.parametrize('name', DATASET_CONFIGS)
def test_rsna_dataloaders_build_on_mini_rsna(name, pipeline_env):
    """Each RSNA dataloader of a config, with the configs' paths pointed
    (by name, through the environment) at a generated mini-RSNA and the
    artifacts of its stages, builds and yields a batch the config's
    pipeline made; the test loader reads the held-out test patients."""
    from mmengine.runner import Runner
    cfg = Config.fromfile(osp.join(CONFIG_ROOT, name))
    init_default_scope(cfg.get('default_scope', 'mmgranet'))
    if 'mini-rsna' not in name:  # RSNA: the same pipelines at mini size
        cfg.merge_from_dict({
            f'{split}_dataloader.dataset.{key}': value
            for split in ('train', 'val', 'test') for key, value in dict(
                data_root=pipeline_env['data_root'] + '/').items()})
        cfg.test_dataloader.dataset.update(
            data_prefix=dict(img='stage_2_test_images/'),
            ann_file='test_labels.csv', class_info_file='', split_file=None)
    for split, loader in rsna_dataset_cfgs(cfg):
        loader = ConfigDict(loader.to_dict())
        loader.num_workers = 0
        loader.persistent_workers = False
        loader.batch_size = 2
        for step in loader.dataset.pipeline:
            step.pop('cache_dir', None)
        batch = next(iter(Runner.build_dataloader(loader)))
        assert len(batch['inputs']) == 2, split
        # gray or color, + G's target (GRANet training)
        extra = any(t['type'] == 'LoadGeneratorTarget'
                    for t in loader.dataset.pipeline)
        assert batch['inputs'][0].shape[0] - extra in (1, 3)
        assert 'patient_id' in batch['data_samples'][0].metainfo
        if split == 'test':
            test_dir = osp.join(pipeline_env['data_root'],
                                'stage_2_test_images')
            assert batch['data_samples'][0].img_path.startswith(test_dir)


def test_paths_follow_the_setting(monkeypatch):
    """The setting (an environment variable) moves every label-trained
    artifact and split of a config together."""
    name = osp.join(CONFIG_ROOT, 'granet', osp.basename(MINI_GRANET))
    monkeypatch.setenv('MMGRANET_SETTING', 'fold2')
    monkeypatch.setenv('MMGRANET_WORK_ROOT', '/w/')
    cfg = Config.fromfile(name)
    assert cfg.train_dataloader.dataset.split_file == \
        'splits/fold2_train.txt'
    assert cfg.val_dataloader.dataset.split_file == 'splits/fold2_val.txt'
    assert cfg.model.generator_checkpoint == '/w/fold2/abn2nor/epoch_10.pth'
    steps = {t['type']: t for t in cfg.train_dataloader.dataset.pipeline}
    assert steps['AffineAlign']['affine_file'] == \
        '/w/fold2/aligned/affines.csv'
    assert steps['PseudoPair']['neighbour_file'] == \
        '/w/fold2/pairs/neighbours.csv'
    assert steps['LoadGeneratorTarget']['target_root'] == \
        '/w/fold2/realistic_targets/'
    test_steps = {t['type']: t for t in cfg.test_dataloader.dataset.pipeline}
    assert test_steps['AffineAlign']['affine_file'] == \
        '/w/fold2/aligned/affines.csv'


GRANET_CONFIGS = sorted(c for c in CONFIGS if c.startswith('granet/'))


@pytest.mark.parametrize('name', GRANET_CONFIGS)
def test_granet_generator_matches_its_abn2nor_config(name):
    """GRANet loads G from the Abn2Nor checkpoint: its G must be built as
    the Abn2Nor config builds it (at the same size it was trained)."""
    abn2nor = 'cgan/' + ('abn2nor_resnet6-32c_1xb4-10e_mini-rsna.py'
                         if 'mini-rsna' in name else
                         'abn2nor_resnet9-64c_1xb4-100e_rsna.py')
    gan = Config.fromfile(osp.join(CONFIG_ROOT, abn2nor)).model
    model = Config.fromfile(osp.join(CONFIG_ROOT, name)).model
    assert model.generator == gan.generator, name
    assert model.get('residual_generator', False) == gan.residual, name
    # G's phases continue the Abn2Nor objective's balance
    assert model.get('recon_balance') == gan.get('recon_balance'), name
    epochs = Config.fromfile(osp.join(CONFIG_ROOT, abn2nor)).train_cfg
    assert model.generator_checkpoint.endswith(
        f'abn2nor/epoch_{epochs.max_epochs}.pth'), name
