"""The Abn2Nor generator study: which G removes the lesions? Each row
trains an Abn2Nor G on the setting's training patients and measures its
residual on the validation patients (they choose) and the held-out test
patients (reported), beside the floor (G(x) = x) and the ceiling (the
true twin), with tools/analysis/residual_localisation.py.

A row is (eq. 3's targets, eq. 2 options, eq. 3 options):

- targets 'realistic': the paper's G_realistic(I_b(x)) (trains the
  setting's eq. 2 cGAN, then tools/make_realistic_targets.py);
- 'inpaint': x with its boxes filled from their own surroundings
  (tools/make_inpainted_targets.py; beyond the paper);
- 'twin': the true normal twin (tools/analysis/make_twin_targets.py,
  mini-RSNA's ground truth): the oracle row, what the architecture and the
  loss can learn at best.

Needs the setting's aligned copy and pseudo pairs (`python
tools/run_pipeline.py --until pairs`, or `make demo`). A finished row
(OUT/<row>/seed<k>/result.json) is reused, so a stopped study resumes;
``--seeds`` retrains every stage of a row per seed (eq. 2 where the row
uses it, the targets, eq. 3). ``--curve`` also measures the test patients
at every saved epoch of the rows' Abn2Nor G (a learning curve). The last
line of output is the JSON of every result.
"""
import argparse
import glob
import hashlib
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time

from mmgranet.apis.pipeline import PRESETS, REPO, config_epochs
from mmgranet.apis.setting import add_setting_args, setting_from_args
from mmgranet.fileio import atomic_write

CONFIGS = PRESETS['mini']['configs']
# every row states its reconstruction balance, whatever the configs' default
GLOBAL = {'model.recon_balance': None,  # eq. 2 / eq. 3's mean over pixels
          'train_dataloader.dataset.box_mask': False,
          'model.identity_weight': 0.0}
BOXES = {'model.recon_balance': 'boxes',
         'train_dataloader.dataset.box_mask': True,
         'model.identity_weight': 0.0}
PAPER = dict(GLOBAL, **{'model.residual': False})  # the paper's plain G
RESIDUAL = dict(GLOBAL, **{'model.residual': True})  # G = x + D(x)
BALANCED = dict(RESIDUAL, **BOXES)
# name: (targets, eq. 2 options, eq. 3 options)
ROWS = {
    'oracle: twin targets, box-balanced': ('twin', None, BALANCED),
    'oracle: twin targets, global L1': ('twin', None, RESIDUAL),
    'paper: G_realistic targets, global L1': (
        'realistic', RESIDUAL, RESIDUAL),
    "paper's plain G": ('realistic', PAPER, PAPER),
    'G_realistic targets, box-balanced': (
        'realistic', BALANCED, BALANCED),
    'G_realistic targets, box-balanced, identity 1': (
        'realistic', BALANCED,
        dict(BALANCED, **{'model.identity_weight': 1.0})),
    'G_realistic targets, box-balanced, 3x eq. 3 epochs': (
        'realistic', BALANCED,
        dict(BALANCED, **{'train_cfg.max_epochs': 30})),
    'G_realistic targets, box-balanced, no adversarial term': (
        'realistic', BALANCED,
        dict(BALANCED, **{'model.adversarial_weight': 0.0})),
    'inpainted targets, box-balanced': ('inpaint', None, BALANCED),
    'inpainted, box-balanced, identity 1': (
        'inpaint', None, dict(BALANCED, **{'model.identity_weight': 1.0})),
    'inpainted, box-balanced, one-sided': (
        'inpaint', None, dict(BALANCED, **{'model.residual': 'remove'})),
    'inpainted, box-balanced, no adversarial term': (
        'inpaint', None, dict(BALANCED,
                              **{'model.adversarial_weight': 0.0})),
    'inpainted, box-balanced, adversarial 0.1': (
        'inpaint', None, dict(BALANCED,
                              **{'model.adversarial_weight': 0.1})),
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


def last_json(stdout: str) -> dict:
    return json.loads([ln for ln in stdout.splitlines()
                       if ln.startswith('{')][-1])


def make_targets(kind, eq2, out, env, seed, log, seconds, fast=False):
    """eq. 3's targets for one row; returns their directory."""
    art = env['MMGRANET_WORK_ROOT'] + env['MMGRANET_SETTING'] + '/'
    data = env['MMGRANET_DATA_ROOT']
    targets = osp.join(out, f'{kind}_targets') + '/'
    if kind == 'twin':
        _, seconds['targets'] = run(
            ['tools/analysis/make_twin_targets.py', data, '--artifacts',
             art, '--out', targets], env, log)
    elif kind == 'inpaint':
        _, seconds['targets'] = run(
            ['tools/make_inpainted_targets.py', art + 'aligned',
             '--split-file',
             f'{data}splits/{env["MMGRANET_SETTING"]}_train.txt', '--out',
             targets], env, log)
    else:
        # eq. 2 and its targets depend only on eq. 2's options and the
        # seed: rows that share them share one training
        key = hashlib.sha1(json.dumps([eq2, fast], sort_keys=True).encode()
                           ).hexdigest()[:10]
        shared = osp.join(osp.dirname(osp.dirname(out)), 'eq2',
                          f'{key}-seed{seed}')
        targets = osp.join(shared, 'realistic_targets') + '/'
        realistic = osp.join(shared, 'realistic')
        n2 = config_epochs(CONFIGS['realistic'], env, fast, options=eq2)
        if not osp.exists(osp.join(realistic, f'epoch_{n2}.pth')):
            _, seconds['realistic'] = run(
                ['tools/train.py', CONFIGS['realistic'], '--work-dir',
                 realistic, '--cfg-options', f'randomness.seed={seed}',
                 *options(eq2), *(FAST if fast else [])], env, log)
        os.makedirs(shared, exist_ok=True)
        cfg = child_config(osp.join(shared, 'realistic.py'),
                           CONFIGS['realistic'], eq2)
        _, seconds['targets'] = run(
            ['tools/make_realistic_targets.py', cfg,
             osp.join(realistic, f'epoch_{n2}.pth'), '--input-root',
             art + 'pairs/pseudo_normal', '--out', targets], env, log)
    return targets


FAST = ['train_cfg.max_epochs=1', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False']


def study_row(name, kind, eq2, eq3, out, env, seed, curve=False,
              fast=False):
    path = osp.join(out, 'result.json')
    if osp.exists(path):
        with open(path) as f:
            return json.load(f)
    os.makedirs(out, exist_ok=True)
    log = osp.join(out, 'run.log')
    art = env['MMGRANET_WORK_ROOT'] + env['MMGRANET_SETTING'] + '/'
    run_env = dict(os.environ, **env)
    seconds = {}
    targets = make_targets(kind, eq2, out, run_env, seed, log, seconds,
                           fast)
    abn2nor = osp.join(out, 'abn2nor')
    n3 = config_epochs(CONFIGS['abn2nor'], env, fast, options=eq3)
    every = ['default_hooks.checkpoint.interval=2',
             'default_hooks.checkpoint.max_keep_ckpts=-1'] if curve else []
    if fast:
        every += FAST + ['default_hooks.checkpoint.interval=1']
    if not osp.exists(osp.join(abn2nor, f'epoch_{n3}.pth')):  # a rerun
        _, seconds['abn2nor'] = run(
            ['tools/train.py', CONFIGS['abn2nor'], '--work-dir', abn2nor,
             '--cfg-options', f'randomness.seed={seed}', *options(eq3),
             f'train_dataloader.dataset.target_root={targets}', *every],
            run_env, log)
    cfg = child_config(osp.join(out, 'abn2nor.py'), CONFIGS['abn2nor'], eq3)
    result = dict(name=name, targets=kind, eq2=eq2, eq3=eq3, seed=seed,
                  seconds=seconds, epochs=n3)

    def measure(ckpt, split, pictures=None):
        cmd = ['tools/analysis/residual_localisation.py',
               env['MMGRANET_DATA_ROOT'], cfg, ckpt, '--artifacts', art,
               '--split', split]
        if pictures:
            cmd += ['--pictures', pictures]
        return last_json(run(cmd, run_env, log)[0])

    for split in ('val', 'test'):
        result[split] = measure(osp.join(abn2nor, f'epoch_{n3}.pth'), split,
                                osp.join(out, f'residual_{split}.png'))
    if curve:
        result['curve'] = {}
        for ckpt in sorted(glob.glob(osp.join(abn2nor, 'epoch_*.pth')),
                           key=lambda p: int(re.findall(r'\d+', p)[-1])):
            epoch = int(re.findall(r'\d+', ckpt)[-1])
            result['curve'][epoch] = measure(ckpt, 'test')['means']['G(x)']
    with atomic_write(path) as f:
        json.dump(result, f, indent=1)
    return result


def child_config(path: str, base: str, opts: dict) -> str:
    """A config file: ``base`` with the ``model.*`` options (what the
    inference tools need to rebuild the row's G)."""
    model: dict = {}
    for key, value in (opts or {}).items():
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


def fmt(v, spec='.3f'):
    return '—' if v is None or v != v else format(v, spec)


def report(results, split):
    """The diagnostic table of one split: floor, ceiling, then each row
    (mean ± std over its seeds)."""
    import numpy as np
    keys = ('auroc_boxes', 'share_in_boxes', 'mean_lesion_free',
            'l1_twin_in', 'l1_twin_out', 'signed_in')
    print(f'\n{split} patients (no G saw them): the residual |x - G(x)| '
          "at G's size; L1 and change in grey levels\n")
    print('| G | seeds | box AUROC | share in boxes | mean on lesion-free | '
          'L1 to twin in boxes | L1 to twin outside | signed change in '
          'boxes | train s |')
    print('| --- | --- | --- | --- | --- | --- | --- | --- | --- |')
    first = results[0][split]['means']
    for label in ('floor: identity G(x) = x', 'ceiling: the true twin'):
        m = first[label]
        print(f'| {label} | — | ' + ' | '.join(
            fmt(100 * m[k] if k == 'share_in_boxes' else m[k],
                '.1f' if k == 'share_in_boxes' else '.3f'
                if k == 'auroc_boxes' else '.2f') for k in keys) + ' | — |')
    names = list(dict.fromkeys(r['name'] for r in results))
    for name in names:
        rows = [r for r in results if r['name'] == name]
        cells = []
        for k in keys:
            v = np.array([r[split]['means']['G(x)'][k] for r in rows])
            if k == 'share_in_boxes':
                v = 100 * v
            spec = '.3f' if k == 'auroc_boxes' else '.1f' \
                if k == 'share_in_boxes' else '.2f'
            cells.append(fmt(v.mean(), spec) + (
                f' ± {fmt(v.std(ddof=1), spec)}' if len(v) > 1 else ''))
        secs = np.mean([sum(r['seconds'].values()) for r in rows])
        print(f'| {name} | {len(rows)} | ' + ' | '.join(cells) +
              f' | {secs:.0f} |')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rows', nargs='+', default=list(ROWS),
                        choices=list(ROWS))
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument('--curve', action='store_true',
                        help='test-patient scores at every second epoch')
    parser.add_argument('--fast', action='store_true',
                        help='one epoch per training (tests)')
    add_setting_args(parser)  # any data root in mini-RSNA's layout
    parser.add_argument('--out', default='work_dirs/generator_study')
    args = parser.parse_args()
    env = setting_from_args(args).env
    results = []
    for name in args.rows:
        for seed in args.seeds:
            slug = re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')
            out = osp.join(args.out, args.setting, slug, f'seed{seed}')
            print(f'[{name}, seed {seed}] {out}', flush=True)
            results.append(study_row(name, *ROWS[name], out, env, seed,
                                     args.curve, args.fast))
    for split in ('val', 'test'):
        report(results, split)
    curves = [r for r in results if r.get('curve')]
    if curves:
        print('\nlearning curve (test patients): epoch -> box AUROC / '
              'share in boxes / L1 to twin in boxes')
        for r in curves:
            points = ', '.join(
                f'{e}: {m["auroc_boxes"]:.3f} / '
                f'{100 * m["share_in_boxes"]:.1f} % / {m["l1_twin_in"]:.2f}'
                for e, m in r['curve'].items())
            print(f'- {r["name"]}, seed {r["seed"]}: {points}')
    print(json.dumps(results))


if __name__ == '__main__':
    main()
