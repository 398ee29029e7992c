"""Screen generator variants by how well their residual points at lesions.

For each variant, trains the setting's eq. 2 cGAN (G_realistic), makes its
targets and trains eq. 3's Abn2Nor G on them (the pipeline's stages
realistic, targets, abn2nor, with the variant's --cfg-options), then
measures |x - G(x)| with tools/analysis/residual_localisation.py on the
validation patients (they choose the variant) and on the held-out test
patients (reported). Needs `make demo`'s aligned copy and pairs for the
setting. A finished variant (OUT/<variant>/result.json) is reused.

Variants (beyond the paper where marked): the paper's G as the demo trains
it; G = x + D(x) starting at the identity (beyond the paper); an identity
loss on the real normals; a larger eq. 2 reconstruction weight; the
paper's 64-channel 9-block G; twice the epochs.
"""
import argparse
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time

from mmgranet.apis.pipeline import PRESETS, REPO, config_epochs
from mmgranet.fileio import atomic_write

CONFIGS = PRESETS['mini']['configs']
# name: (eq. 2 options, eq. 3 options, seed)
PAPER = {'model.residual': False}  # the paper's plain CycleGAN generator
RESIDUAL = {'model.residual': True}  # G = x + D(x), the configs' default
VARIANTS = {
    'paper G (demo)': (PAPER, PAPER),
    'residual G': (RESIDUAL, RESIDUAL),
    'residual G + identity 10': (RESIDUAL,
                                 dict(RESIDUAL,
                                      **{'model.identity_weight': 10.0})),
    'identity 10': (PAPER, dict(PAPER, **{'model.identity_weight': 10.0})),
    'eq. 2 L1 weight 50': (dict(PAPER, **{'model.l1_weight': 50.0}), PAPER),
    "paper's 64-channel 9-block G": (
        dict(PAPER, **{'model.generator.base_channels': 64,
                       'model.generator.num_blocks': 9}),
        dict(PAPER, **{'model.generator.base_channels': 64,
                       'model.generator.num_blocks': 9})),
    'twice the epochs': (dict(PAPER, **{'train_cfg.max_epochs': 16}),
                         dict(PAPER, **{'train_cfg.max_epochs': 20})),
    'residual G, eq. 3 L1 weight 50': (
        RESIDUAL, dict(RESIDUAL, **{'model.l1_weight': 50.0})),
    'residual G, 3x eq. 3 epochs': (
        RESIDUAL, dict(RESIDUAL, **{'train_cfg.max_epochs': 30})),
}


def run(cmd, env, log):
    start = time.time()
    proc = subprocess.run([sys.executable, *cmd], cwd=REPO, env=env,
                          capture_output=True, text=True)
    with open(log, 'a') as f:
        f.write(f'$ {" ".join(cmd)}\n{proc.stdout}{proc.stderr}')
    if proc.returncode != 0:
        raise SystemExit(f'failed: {" ".join(cmd)}; see {log}\n'
                         f'{proc.stderr[-2000:]}')
    return proc.stdout, time.time() - start


def options(opts: dict):
    return [f'{k}={v}' for k, v in opts.items()]


def variant(name, eq2, eq3, out, env, seed):
    path = osp.join(out, 'result.json')
    if osp.exists(path):
        with open(path) as f:
            return json.load(f)
    os.makedirs(out, exist_ok=True)
    log = osp.join(out, 'run.log')
    art = env['MMGRANET_WORK_ROOT'] + env['MMGRANET_SETTING'] + '/'
    run_env = dict(os.environ, **env)
    seconds = {}
    realistic = osp.join(out, 'realistic')
    targets = osp.join(out, 'realistic_targets') + '/'
    abn2nor = osp.join(out, 'abn2nor')
    n2 = config_epochs(CONFIGS['realistic'], env, options=eq2)
    n3 = config_epochs(CONFIGS['abn2nor'], env, options=eq3)
    seed_opt = [f'randomness.seed={seed}']
    _, seconds['realistic'] = run(
        ['tools/train.py', CONFIGS['realistic'], '--work-dir', realistic,
         '--cfg-options', *seed_opt, *options(eq2)], run_env, log)
    realistic_cfg = child_config(osp.join(out, 'realistic.py'),
                                 CONFIGS['realistic'], eq2)
    _, seconds['targets'] = run(
        ['tools/make_realistic_targets.py', realistic_cfg,
         osp.join(realistic, f'epoch_{n2}.pth'), '--input-root',
         art + 'pairs/pseudo_normal', '--out', targets], run_env, log)
    _, seconds['abn2nor'] = run(
        ['tools/train.py', CONFIGS['abn2nor'], '--work-dir', abn2nor,
         '--cfg-options', *seed_opt, *options(eq3),
         f'train_dataloader.dataset.target_root={targets}'], run_env, log)
    abn2nor_cfg = child_config(osp.join(out, 'abn2nor.py'),
                               CONFIGS['abn2nor'], eq3)
    result = dict(name=name, eq2=eq2, eq3=eq3, seed=seed, seconds=seconds)
    for split in ('val', 'test'):
        stdout, _ = run(
            ['tools/analysis/residual_localisation.py',
             env['MMGRANET_DATA_ROOT'], abn2nor_cfg,
             osp.join(abn2nor, f'epoch_{n3}.pth'), '--artifacts', art,
             '--split', split, '--pictures',
             osp.join(out, f'residual_{split}.png')], run_env, log)
        result[split] = json.loads(stdout.strip().splitlines()[-1])
    with atomic_write(path) as f:
        json.dump(result, f, indent=1)
    return result


def child_config(path: str, base: str, opts: dict) -> str:
    """A config file: ``base`` with the ``model.*`` options (what the
    inference tools need to rebuild the variant's G)."""
    model: dict = {}
    for key, value in opts.items():
        parts = key.split('.')
        if parts[0] != 'model':
            continue
        node = model
        for part in parts[1:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    with open(path, 'w') as f:
        f.write(f'_base_ = {osp.join(REPO, base)!r}\nmodel = {model!r}\n')
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--variants', nargs='+', default=list(VARIANTS),
                        choices=list(VARIANTS))
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument('--data-root', default='data/mini-rsna/')
    parser.add_argument('--work-root', default='work_dirs/pipeline_mini/')
    parser.add_argument('--setting', default='fold0')
    parser.add_argument('--out', default='work_dirs/generator_variants')
    args = parser.parse_args()
    env = dict(MMGRANET_DATA_ROOT=args.data_root.rstrip('/') + '/',
               MMGRANET_WORK_ROOT=args.work_root.rstrip('/') + '/',
               MMGRANET_SETTING=args.setting)
    results = []
    for name in args.variants:
        for seed in args.seeds:
            slug = re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')
            out = osp.join(args.out, slug, f'seed{seed}')
            print(f'[{name}, seed {seed}] {out}', flush=True)
            results.append(variant(name, *VARIANTS[name], out, env, seed))
    for split in ('val', 'test'):
        print(f'\n{split} patients (G never saw them): residual '
              '|x - G_abn2nor(x)|\n')
        print('| variant | seed | AUROC boxes | AUROC lesion | share in '
              'boxes | mean on lesion-free | train s (eq. 2 + eq. 3) |')
        print('| --- | --- | --- | --- | --- | --- | --- |')
        for r in results:
            m = r[split]['means']['G(x)']
            print(f'| {r["name"]} | {r["seed"]} | {m["auroc_boxes"]:.3f} | '
                  f'{m["auroc_lesion"]:.3f} | '
                  f'{100 * m["share_in_boxes"]:.1f} % | '
                  f'{m["mean_lesion_free"]:.1f} | '
                  f'{r["seconds"]["realistic"] + r["seconds"]["abn2nor"]:.0f}'
                  ' |')


if __name__ == '__main__':
    main()
