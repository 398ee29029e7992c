"""Training throughput and peak GPU memory of a config's model, with and
without AMP: the figures a GPU user needs before a real RSNA run.

Builds the config's model (random weights: no data or checkpoints needed;
GRANet's G freshly initialised), then times --iters training iterations at
--batch-size images of --size px after --warmup ones, in each phase of
GRANet's loop (detector, generator, joint), once in float32 and once under
mmgranet.AmpOptimWrapper (float16 autocast, loss scaling). Prints a table
and, as the last line, JSON.

    python tools/benchmarks/benchmark_train_gpu.py CONFIG --batch-size 6
"""
import argparse
import copy
import json
import time

import torch
from mmengine import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

from mmgranet.engine.optimizers import enable_amp
from mmgranet.registry import MODELS
from mmgranet.testing import demo_det_inputs


def strip_pretrained(cfg):
    if isinstance(cfg, dict):
        if isinstance(cfg.get('init_cfg'), dict) and \
                cfg['init_cfg'].get('type') == 'Pretrained':
            cfg['init_cfg'] = None
        for v in cfg.values():
            strip_pretrained(v)
    return cfg


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--batch-size', type=int, default=6)
    parser.add_argument('--size', type=int, default=512)
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--device', default='cuda')
    args = parser.parse_args()
    init_default_scope('mmgranet')
    torch.backends.cudnn.benchmark = True
    base = Config.fromfile(args.config)
    rows = []
    for amp in (False, True):
        cfg = copy.deepcopy(base)
        if amp:
            enable_amp(cfg)
        model_cfg = strip_pretrained(cfg.model.to_dict())
        model = MODELS.build(model_cfg)
        if hasattr(model, 'generator'):
            model.detector.init_weights()
            model.generator.init_weights()
            phases = ('detector', 'generator', 'joint')
        else:
            model.init_weights()
            phases = (None, )
        model.to(args.device)
        optim = build_optim_wrapper(model, cfg.optim_wrapper)
        channels = 4 if phases[0] else 3  # + G's target (GRANet)
        packed = demo_det_inputs([(channels, args.size, args.size)] *
                                 args.batch_size,
                                 num_boxes=[2, 0] * (args.batch_size // 2)
                                 + [1] * (args.batch_size % 2))
        for s in packed['data_samples']:
            s.set_metainfo(dict(gen_target_kind='pseudo', image_label=1))
        for phase in phases:
            if phase:
                model.set_phase(phase)
            model.train()
            if args.device.startswith('cuda'):
                torch.cuda.synchronize()
                torch.cuda.reset_peak_memory_stats()
            for i in range(args.warmup + args.iters):
                if i == args.warmup:
                    if args.device.startswith('cuda'):
                        torch.cuda.synchronize()
                    start = time.perf_counter()
                model.train_step(dict(packed), optim)
            if args.device.startswith('cuda'):
                torch.cuda.synchronize()
                peak = torch.cuda.max_memory_allocated() / 2**30
            else:
                peak = float('nan')
            seconds = time.perf_counter() - start
            rows.append(dict(amp=amp, phase=phase or 'detector',
                             it_per_s=args.iters / seconds,
                             images_per_s=args.iters * args.batch_size /
                             seconds, peak_gib=peak))
        del model, optim
        if args.device.startswith('cuda'):
            torch.cuda.empty_cache()
    device = torch.cuda.get_device_name(0) if args.device.startswith(
        'cuda') else args.device
    print(f'{args.config}, batch {args.batch_size} x {args.size} px, '
          f'{device}, {args.iters} iterations after {args.warmup}')
    print('| precision | phase | it/s | images/s | peak GPU memory GiB |')
    print('| --- | --- | --- | --- | --- |')
    for r in rows:
        print(f'| {"AMP fp16" if r["amp"] else "fp32"} | {r["phase"]} | '
              f'{r["it_per_s"]:.2f} | {r["images_per_s"]:.1f} | '
              f'{r["peak_gib"]:.1f} |')
    print(json.dumps(dict(config=args.config, device=device, rows=rows)))


if __name__ == '__main__':
    main()
