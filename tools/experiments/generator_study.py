"""The Abn2Nor generator study: which G removes the lesions? Each row
trains an Abn2Nor G on the setting's training patients and measures its
residual on the validation patients (they choose) and the held-out test
patients (reported), beside the floor (G(x) = x) and the ceiling (the
true twin), with tools/analysis/residual_localisation.py.

A row is (eq. 3's targets, eq. 2 options, eq. 3 options):

- targets 'realistic': the paper's G_realistic(I_b(x)) (trains the
  setting's eq. 2 cGAN, then tools/stages/make_realistic_targets.py);
- 'inpaint': x with its boxes filled from their own surroundings
  (tools/stages/make_inpainted_targets.py; beyond the paper);
- 'twin': the true normal twin (tools/analysis/make_twin_targets.py,
  mini-RSNA's ground truth): the oracle row, what the architecture and the
  loss can learn at best.

Needs the setting's aligned copy and pseudo pairs (`python
tools/run_pipeline.py --until pairs`, or `make demo`). Every row is the
pipeline's own stages (mmgranet.apis.experiment) under
OUT/<setting>/<row>/seed<k>/ (eq. 2 and its targets under
OUT/<setting>/eq2/, shared by the rows with the same eq. 2 options and
seed), with the pipeline's resume rule: a stopped study resumes, a
finished row is read back; ``--seeds`` retrains every stage of a row per
seed (eq. 2 where the row uses it, the targets, eq. 3). ``--curve`` also
measures the test patients at every saved epoch of the rows' Abn2Nor G (a
learning curve). The last line of output is the JSON of every result.
"""
import argparse
import hashlib
import json
import os
import os.path as osp
import re

from mmgranet.apis.config_reading import repo_root
from mmgranet.apis.experiment import Row, residual_cells, run_rows
from mmgranet.apis.runner import StageError
from mmgranet.apis.setting import Setting, add_setting_args, setting_from_args
from mmgranet.apis.stages import (PRESETS, Stage, StageRun, residual_stage,
                                  stamp_keys, train_stage)
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


def options(opts: dict):
    return tuple(f'{k}={v}' for k, v in (opts or {}).items())


def eq2_row(eq2: dict, out: str, setting: Setting, seed: int,
            fast: bool) -> Row:
    """The paper's eq. 2 cGAN and its targets G_realistic(I_b): they
    depend only on eq. 2's options and the seed, so rows that share them
    share this one."""
    key = hashlib.sha1(json.dumps([eq2, fast], sort_keys=True).encode()
                       ).hexdigest()[:10]
    folder = osp.join(out, 'eq2', f'{key}-seed{seed}') + '/'
    os.makedirs(folder, exist_ok=True)
    configs = dict(realistic=CONFIGS['realistic'], realistic_g=child_config(
        osp.join(folder, 'realistic.py'), CONFIGS['realistic'], eq2))
    stages = (
        train_stage('realistic', 'pairs', options=options(eq2)),
        Stage('targets', ('{py}', 'tools/stages/make_realistic_targets.py',
                          '{config}', '{ckpt:realistic}', '--input-root',
                          '{art}pairs/pseudo_normal', '--out',
                          '{out}realistic_targets'),
              ('{out}realistic_targets/stage_2_train_images', ),
              ('realistic', ), config='realistic_g',
              clean=('{out}realistic_targets', )))
    run = StageRun(setting, configs, out=folder, seed=seed, fast=fast,
                   label=f'eq. 2 {key}, seed {seed}: ',
                   upstream=stamp_keys(setting.artifacts))
    return Row('eq. 2', seed, run, stages)


TARGET_TOOLS = dict(
    twin=('tools/analysis/make_twin_targets.py', '{data}', '--artifacts',
          '{art}'),
    inpaint=('tools/stages/make_inpainted_targets.py', '{art}aligned',
             '--split-file', '{train_split}'))


def saved_epochs(last: int, interval: int):
    """The epochs a checkpoint hook with ``interval`` saves (and the
    last)."""
    return sorted(set(range(interval, last + 1, interval)) | {last})


def study_row(name: str, kind: str, eq2: dict, eq3: dict, out: str,
              setting: Setting, seed: int, curve: bool = False,
              fast: bool = False, upstream=None) -> Row:
    """A row's stages: eq. 3's targets (the twin / inpainting rows;
    G_realistic's come from :func:`eq2_row`, ``upstream``), eq. 3, and
    the residual measured on the validation and the test patients (and
    at every saved epoch with ``curve``)."""
    os.makedirs(out, exist_ok=True)
    configs = dict(abn2nor=CONFIGS['abn2nor'], abn2nor_g=child_config(
        osp.join(out, 'abn2nor.py'), CONFIGS['abn2nor'], eq3))
    stages = []
    if kind == 'realistic':
        targets, after = upstream['targets'], 'targets'
    else:
        targets, after = f'{{out}}{kind}_targets/', 'targets'
        stages.append(Stage(
            'targets', ('{py}', *TARGET_TOOLS[kind], '--out', targets),
            (targets + 'stage_2_train_images', ), ('align', ),
            clean=(targets, )))
    interval = 1 if fast else 2
    every = ('default_hooks.checkpoint.interval=%d' % interval,
             'default_hooks.checkpoint.max_keep_ckpts=-1') if curve or fast \
        else ()
    stages.append(train_stage('abn2nor', after, options=options(eq3) + (
        f'train_dataloader.dataset.target_root={targets}', ) + every))

    def measure(stage, ckpt, split, pictures=True):
        return residual_stage(
            stage, '{config}', ckpt, f'{{out}}{stage}.json', 'abn2nor',
            split, f'{{out}}{stage}.png' if pictures else None,
            config_key='abn2nor_g')
    for split in ('val', 'test'):
        stages.append(measure(f'residual_{split}', '{ckpt:abn2nor}', split))
    run = StageRun(setting, configs, out=out, seed=seed, fast=fast,
                   label=f'{name}, seed {seed}: ',
                   upstream=dict(stamp_keys(setting.artifacts),
                                 **(upstream or {}).get('keys', {})))
    run.register(stages)
    if curve:
        for epoch in saved_epochs(run.epochs('abn2nor'), interval):
            stages.append(measure(
                f'curve_epoch{epoch}', f'{{out}}abn2nor/epoch_{epoch}.pth',
                'test', pictures=False))
    return Row(name, seed, run, tuple(stages))


def row_result(row: Row, kind: str, eq2, eq3, upstream=None) -> dict:
    """The row's measurements and training times, from its stages'
    outputs and stamps."""
    def load(stage):
        with open(f'{row.out}{stage}.json') as f:
            r = json.load(f)
        r.pop('patients', None)
        return r
    seconds = dict((upstream or {}).get('seconds', {}))
    seconds.update({k: v for k, v in row.run.pipe.timings.items()
                    if k in ('targets', 'abn2nor')})
    result = dict(name=row.name, targets=kind, eq2=eq2, eq3=eq3,
                  seed=row.seed, seconds=seconds,
                  epochs=row.run.epochs('abn2nor'),
                  val=load('residual_val'), test=load('residual_test'))
    curve = {int(s.name[len('curve_epoch'):]): load(s.name)['means']['G(x)']
             for s in row.stages if s.name.startswith('curve_epoch')}
    if curve:
        result['curve'] = curve
    with atomic_write(osp.join(row.out, 'result.json')) as f:
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
        f.write(f'_base_ = {osp.join(repo_root(), base)!r}\n'
                f'model = {model!r}\n')
    return path


def report(results, split):
    """The diagnostic table of one split: floor, ceiling, then each row
    (mean ± std over its seeds)."""
    import numpy as np
    print(f'\n{split} patients (no G saw them): the residual |x - G(x)| '
          "at G's size; L1 and change in grey levels\n")
    print('| G | seeds | box AUROC | share in boxes | mean on lesion-free | '
          'L1 to twin in boxes | L1 to twin outside | signed change in '
          'boxes | train s |')
    print('| --- | --- | --- | --- | --- | --- | --- | --- | --- |')
    first = results[0][split]['means']
    for label in ('floor: identity G(x) = x', 'ceiling: the true twin'):
        print(f'| {label} | — | ' + ' | '.join(residual_cells(
            [first[label]])) + ' | — |')
    names = list(dict.fromkeys(r['name'] for r in results))
    for name in names:
        rows = [r for r in results if r['name'] == name]
        cells = residual_cells([r[split]['means']['G(x)'] for r in rows])
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
    where = setting_from_args(args)
    out = osp.join(args.out, args.setting)
    # eq. 2 first: the rows of the paper's targets build on it
    eq2 = {}
    for name in args.rows:
        kind, opts2, _ = ROWS[name]
        for seed in args.seeds:
            if kind == 'realistic':
                eq2.setdefault((json.dumps(opts2, sort_keys=True), seed),
                               eq2_row(opts2, out, where, seed, args.fast))
    run_rows(list(eq2.values()))
    rows = []
    for name in args.rows:
        kind, opts2, opts3 = ROWS[name]
        for seed in args.seeds:
            slug = re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')
            up = None
            if kind == 'realistic':
                e = eq2[(json.dumps(opts2, sort_keys=True), seed)]
                up = dict(targets=e.run.fill(
                    '{out}realistic_targets/', e.stages[-1])[0],
                    keys=dict(e.run.pipe.keys),
                    seconds=dict(e.run.pipe.timings))
            rows.append((study_row(name, kind, opts2, opts3,
                                   osp.join(out, slug, f'seed{seed}') + '/',
                                   where, seed, args.curve, args.fast, up),
                         kind, opts2, opts3, up))
    run_rows([r for r, *_ in rows])
    results = [row_result(*r) for r in rows]
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
    try:
        main()
    except StageError as e:  # a stage failed: its log is named
        raise SystemExit(f'error: {e}') from None
