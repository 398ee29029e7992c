"""GRANet's cost against the same detector without attention.

CPU, batch 1, --size px (512 as in the paper). The anchor is the plain
detector of the GRANet config (RetinaNet†: SE-ResNeXt101, P2, image head),
timed in the same run and interleaved with the variants, each a median of
--repeat: inference per image, and a training iteration in each phase
(detector phase: G runs without gradient; generator phase: backward through
the frozen detector into G). Variants: G's width/depth and the size G runs
at (``generator_size``), the knobs for the goal inference <= 1.5x.
"""
import argparse
import copy
import statistics
import time

import torch
from mmengine import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

from mmgranet.registry import MODELS
from mmgranet.testing import demo_det_inputs

CONFIG = 'configs/granet/granet_retinanet-dagger_seresnext101_fpn-p2_' \
    '1xb6-12e-alt2-2_rsna-align-syn.py'


def build(cfg, base, blocks, gen_size):
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.detector.backbone.init_cfg = None
    model_cfg.generator.update(base_channels=base, num_blocks=blocks)
    model_cfg.generator_size = gen_size
    model = MODELS.build(model_cfg)
    model.generator.init_weights()
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', type=int, default=512)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--config', default=CONFIG)
    args = parser.parse_args()
    init_default_scope('mmgranet')
    torch.manual_seed(0)
    cfg = Config.fromfile(args.config)
    s = args.size
    variants = [('plain detector (anchor)', None),
                ('G 64ch/9 blocks at full size', (64, 9, None)),
                ('G 64ch/9 blocks at 256', (64, 9, 256)),
                ('G 32ch/6 blocks at 256', (32, 6, 256)),
                ('G 32ch/6 blocks at 128', (32, 6, 128))]
    granet = build(cfg, 64, 9, None)
    detector = granet.detector
    models = {}
    for name, knobs in variants:
        if knobs is None:
            models[name] = None
        else:
            m = build(cfg, *knobs)
            m.detector = detector  # the same detector weights in all
            models[name] = m
    optim = build_optim_wrapper(granet, cfg.optim_wrapper)
    packed = demo_det_inputs([(4, s, s)], num_boxes=[2], num_classes=1)
    packed['data_samples'][0].set_metainfo(
        dict(gen_target_kind='pseudo', image_label=1))
    test = dict(packed, inputs=[packed['inputs'][0][:3]])
    times = {n: dict(infer=[], det=[], gen=[]) for n, _ in variants}

    def timed(fn):
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start

    for r in range(args.repeat + 1):
        for name, _ in variants:
            m = models[name]
            if m is None:  # the detector alone, no attention
                detector.eval()
                data = granet.data_preprocessor(copy.deepcopy(test), False)
                with torch.no_grad():
                    t = timed(lambda: detector.predict(
                        data['inputs'], data['data_samples']))
                times[name]['infer'].append(t)
                detector.train()
                data = granet.data_preprocessor(copy.deepcopy(packed), True)

                def step():
                    losses = detector.loss(data['inputs'],
                                           data['data_samples'])
                    optim['detector'].update_params(
                        detector.parse_losses(losses)[0])

                times[name]['det'].append(timed(step))
                continue
            m.eval()
            data = m.data_preprocessor(copy.deepcopy(test), False)
            with torch.no_grad():
                times[name]['infer'].append(timed(lambda: m.predict(
                    data['inputs'], data['data_samples'])))
            m_optim = build_optim_wrapper(m, cfg.optim_wrapper)
            for phase in ('detector', 'generator'):
                m.set_phase(phase)
                m.train()
                key = 'det' if phase == 'detector' else 'gen'
                times[name][key].append(timed(lambda: m.train_step(
                    copy.deepcopy(packed), m_optim)))
            m.set_phase('joint')
        print(f'round {r} done', flush=True)

    def med(v):
        return statistics.median(v[1:]) if len(v) > 1 else float('nan')

    a = {k: med(v) for k, v in times[variants[0][0]].items()}
    print(f'\n{torch.get_num_threads()} threads, batch 1, {s}x{s}, median '
          f'of {args.repeat} (first round dropped)\n')
    print('| model | inference s | vs. plain | train it. s (detector '
          'phase) | vs. plain | train it. s (G phase) | vs. plain det. it. |')
    print('| --- | --- | --- | --- | --- | --- | --- |')
    for name, _ in variants:
        t = {k: med(v) for k, v in times[name].items()}
        gen = f"{t['gen']:.2f} | {t['gen'] / a['det']:.2f}x" \
            if times[name]['gen'] else '- | -'
        print(f"| {name} | {t['infer']:.2f} | {t['infer'] / a['infer']:.2f}x"
              f" | {t['det']:.2f} | {t['det'] / a['det']:.2f}x | {gen} |")


if __name__ == '__main__':
    main()
