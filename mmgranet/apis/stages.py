"""GRANet's whole method as a table of stages (:data:`STAGES`), its
presets (:data:`PRESETS`) and :class:`MethodRun`, which runs the table for
one preset, data root and setting with the one runner
(:class:`~.runner.StageRunner`): ``tools/run_pipeline.py``, ``make demo``.

Each stage is one command of this repository (a tool, ``tools/train.py``
or ``tools/test.py`` with a config) with the files it writes and the
stages it depends on. Everything a stage needs is in :data:`STAGES`; the
run only fills in the placeholders. Configs reach their paths by name
through three environment variables (:class:`~.setting.Setting`,
``configs/_base_/datasets/rsna_detection.py``)::

    MMGRANET_DATA_ROOT  the data          MMGRANET_SETTING  fold0, holdout60
    MMGRANET_WORK_ROOT  the work dir      -> WORK_ROOT/<setting>/ artifacts

Fold discipline: every stage that reads labels or lesions (the alignment
reference, the pseudo pairs, both cGANs, the targets, the pseudo-abnormal
donors, the detectors) sees only the setting's training patients; the
setting's validation patients choose the score cut-off and the held-out
test patients are scored at it. A setting's artifacts live under
``WORK_ROOT/<setting>/`` and are never shared with another setting (the
STN uses no labels but aligns to the setting's reference).

With ``jobs > 1`` the stages marked ``branch`` (the baseline detector,
which needs none of the alignment / cGAN chain) run in a thread beside the
chain, the cores split between the two; a failure on either side stops
the other. Experiments (:mod:`.experiment`) build their rows from the same
stage factories (:func:`train_stage`, :func:`evaluate_stages`).
"""
import os.path as osp
import re
import sys
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

from .config_reading import config_epochs, counts_detector_epochs, load_config
from .runner import StageError, StageRunner
from .setting import Setting


@dataclass(frozen=True)
class Stage:
    """One step of the pipeline.

    ``command`` and ``outputs`` hold placeholders (see
    :func:`fill_word`): ``{py}`` the interpreter, ``{data}`` the
    data root, ``{art}`` the setting's artifact dir, ``{out}`` where the
    stage writes (the artifact dir in the pipeline, a row's folder in an
    experiment), ``{setting}``,
    ``{train_split}`` / ``{val_split}`` (paths of the setting's split
    files), ``{config}`` this stage's config, ``{ckpt:<stage>}`` the last
    checkpoint of a training stage, ``{<key>}`` any preset value.

    Attributes:
        name (str): Also the name of its log, stamp and work dir.
        command (tuple): The command line.
        outputs (tuple): Files that exist when it finished.
        after (tuple): Stages it depends on (their stamps enter its key).
        config (str, optional): The preset key of the config it runs (its
            text and its bases enter the stamp).
        train (bool): A ``tools/train.py`` run: resumes from its work dir
            and writes ``{out}<name>/epoch_<N>.pth``.
        clean (tuple): Paths removed before a run whose inputs changed.
        branch (bool): Runs beside the main chain when jobs > 1.
        only (str, optional): 'mini': generated data only; 'truth': needs
            mini-RSNA's ground truth (twins, poses).
    """
    name: str
    command: Tuple[str, ...]
    outputs: Tuple[str, ...] = ()
    after: Tuple[str, ...] = ()
    config: Optional[str] = None
    train: bool = False
    clean: Tuple[str, ...] = ()
    branch: bool = False
    only: Optional[str] = None


def train_stage(name: str, *after: str, options: Tuple[str, ...] = (),
                branch: bool = False, config: Optional[str] = None) -> Stage:
    """``tools/train.py`` of the config ``config`` (default: the key
    ``name``) into ``{out}<name>/``, resumable, its last checkpoint its
    output."""
    cmd = ('{py}', 'tools/train.py', '{config}', '--work-dir', '{out}' + name)
    if options:
        cmd += ('--cfg-options', ) + options
    return Stage(name, cmd, ('{ckpt:%s}' % name, ), after,
                 config=config or name, train=True, clean=('{out}' + name, ),
                 branch=branch)


def evaluate_stages(detector: str, branch: bool = False,
                    pictures: bool = True,
                    score_options: Tuple[str, ...] = ()) -> List[Stage]:
    """Predict the validation and test patients, then score: the cut-off
    chosen on validation, the held-out test patients scored at it
    (``{out}scores/<detector>.json``, with every patient's score)."""
    sub = '{out}submissions/' + detector
    test = ('{py}', 'tools/test.py', '{config}', '{ckpt:%s}' % detector,
            '--work-dir', '{out}' + detector)
    return [
        Stage(f'predict-{detector}-val',
              test + ('--split', 'val', '--out', sub + '_val.csv'),
              (sub + '_val.csv', ), (detector, ), config=detector,
              branch=branch),
        Stage(f'predict-{detector}-test',
              test + ('--split', 'test', '--out', sub + '_test.csv') +
              (('--show-dir', f'pictures_{detector}') if pictures else ()),
              (sub + '_test.csv', ), (detector, ), config=detector,
              branch=branch),
        Stage(f'score-{detector}',
              ('{py}', 'tools/rsna_score.py', '{test_labels}',
               sub + '_test.csv', '{test_split_args}', '--cutoff-from',
               '{data}stage_2_train_labels.csv', sub + '_val.csv',
               '--cutoff-split-file', '{val_split}', '--out',
               '{out}scores/' + detector + '.json') + score_options,
              ('{out}scores/' + detector + '.json', ),
              (f'predict-{detector}-val', f'predict-{detector}-test'),
              branch=branch),
    ]


def residual_stage(name: str, config: str, checkpoint: str, result: str,
                   after: str, split: str = 'test',
                   pictures: Optional[str] = None,
                   config_key: Optional[str] = None) -> Stage:
    """tools/analysis/residual_localisation.py of G (an Abn2Nor or GRANet
    checkpoint) on a split's held-out patients, the floor and the ceiling
    beside it, into the JSON ``result``; ``config``: the Abn2Nor config
    (a path, or ``'{config}'`` with ``config_key``)."""
    return Stage(name, (
        '{py}', 'tools/analysis/residual_localisation.py', '{data}', config,
        checkpoint, '--artifacts', '{art}', '--split', split, '--out',
        result) + (('--pictures', pictures) if pictures else ()),
        (result, ), (after, ), config=config_key)


# The method, in order. Paper sections: data 4.1, alignment and pseudo
# pairs 2.2, cGANs eq. 2 and 3, pseudo-abnormal augmentation 2.3, GRANet
# 2.1 and 3.2, evaluation 4.1.
STAGES: Tuple[Stage, ...] = (
    Stage('data', ('{py}', 'tools/stages/make_mini_rsna.py', '--out', '{data}',
                   '--num-patients', '{num_patients}', '--num-test',
                   '{num_test}', '--size', '{size}'),
          ('{data}stage_2_detailed_class_info.csv', ), clean=('{data}', ),
          only='mini'),
    Stage('splits', ('{py}', 'tools/stages/make_rsna_splits.py', '{data}',
                     '--holdout', '{holdout}', '--test', '{test_size}'),
          ('{data}splits/splits.json', ), ('data', ),
          clean=('{data}splits', )),
    # the baseline (no alignment, attention or augmentation) needs nothing
    # of the chain below: it trains beside it
    train_stage('baseline', 'splits', branch=True),
    *evaluate_stages('baseline', branch=True),
    Stage('reference', ('{py}', 'tools/stages/propose_reference.py', '{data}',
                        '--split-file', '{train_split}', '--out',
                        '{art}reference.png'),
          ('{art}reference.png', ), ('splits', )),
    train_stage('aligner', 'reference'),
    Stage('align', ('{py}', 'tools/stages/align_dataset.py', '{config}',
                    '{ckpt:aligner}', '--data-root', '{data}', '--out',
                    '{art}aligned'),
          ('{art}aligned/affines.csv', ), ('aligner', ), config='aligner',
          clean=('{art}aligned', )),
    Stage('pairs', ('{py}', 'tools/stages/make_pseudo_pairs.py',
                    '{art}aligned',
                    '--split-file', '{train_split}', '--out', '{art}pairs',
                    '--k', '{pairs_k}', '--workers', '{workers}'),
          ('{art}pairs/neighbours.csv', ), ('align', ),
          clean=('{art}pairs', )),
    train_stage('realistic', 'pairs'),
    Stage('targets', ('{py}', 'tools/stages/make_realistic_targets.py',
                      '{config}', '{ckpt:realistic}', '--input-root',
                      '{art}pairs/pseudo_normal', '--out',
                      '{art}realistic_targets'),
          ('{art}realistic_targets/stage_2_train_images', ),
          ('realistic', ), config='realistic',
          clean=('{art}realistic_targets', )),
    train_stage('abn2nor', 'targets'),
    train_stage('granet', 'abn2nor',
                options=('model.generator_checkpoint={ckpt:abn2nor}', )),
    *evaluate_stages('granet'),
    # what only mini-RSNA's ground truth can measure, on held-out patients
    Stage('alignment-error', ('{py}', 'tools/analysis/alignment_error.py',
                              '{data}', '{art}aligned/affines.csv'),
          (), ('align', ), only='truth'),
    Stage('box-mapping-error',
          ('{py}', 'tools/analysis/box_mapping_error.py', '{data}',
           '{art}aligned/affines.csv'), (), ('align', ), only='truth'),
    Stage('pseudo-normal-quality',
          ('{py}', 'tools/analysis/pseudo_normal_quality.py', '{data}',
           '--artifacts', '{art}', '--abn2nor', '{config}',
           '{ckpt:abn2nor}', '--pictures', '{art}pseudo_normal_cases'),
          (), ('abn2nor', ), config='abn2nor', only='truth'),
)

# Per preset: the data, the splits and the config of each stage. Epochs are
# the configs' own (their names say them).
PRESETS = dict(
    mini=dict(
        data_root='data/mini-rsna/',
        work_root='work_dirs/pipeline_mini/',
        generate=True,
        num_patients=300, num_test=300, size=256,
        holdout=60, test_size=0,
        test_labels='{data}test_labels.csv', test_split=None,
        configs=dict(
            aligner='configs/aligner/stn_r18_5e_mini-rsna.py',
            realistic='configs/cgan/realistic_resnet6-32c_1xb4-8e_'
            'mini-rsna.py',
            abn2nor='configs/cgan/abn2nor_resnet6-32c_1xb4-10e_mini-rsna.py',
            baseline='configs/retinanet/retinanet-dagger_r18_fpn-p2_'
            '1xb8-8e_mini-rsna.py',
            granet='configs/granet/granet_retinanet-dagger_r18_fpn-p2_'
            '1xb8-8e-alt2-2_mini-rsna-align-syn.py'),
        pairs_k=3, workers=2, jobs=2),
    rsna=dict(
        data_root='data/rsna/',
        work_root='work_dirs/pipeline_rsna/',
        generate=False,
        holdout=600, test_size=600,
        test_labels='{data}stage_2_train_labels.csv',
        test_split='{data}splits/test.txt',
        configs=dict(
            aligner='configs/aligner/stn_r18_20e_rsna.py',
            realistic='configs/cgan/realistic_resnet9-64c_1xb4-100e_rsna.py',
            abn2nor='configs/cgan/abn2nor_resnet9-64c_1xb4-100e_rsna.py',
            baseline='configs/retinanet/retinanet-dagger_seresnext101_'
            'fpn-p2_1xb6-12e_rsna.py',
            # the user's config (the model zoo's granet_retinanet-dagger_
            # seresnext101_fpn-p2_1xb6-12e-alt2-2_rsna-align-syn.py)
            granet='configs/granet/retinanet_seresnext101.py'),
        pairs_k=3, workers=8, jobs=1),  # one GPU: one stage at a time
)


def fill_word(word: str, values: Dict[str, object],
              checkpoint: Callable[[str], str]) -> List[str]:
    """The placeholders of one command word: ``{key}`` from ``values``
    (a value that holds placeholders is filled in turn; a list value
    replaces a word that is only its placeholder by its words, none or
    several: ``{test_split_args}``), ``{ckpt:<stage>}`` by
    ``checkpoint(stage)``."""
    whole = re.fullmatch(r'\{([\w:-]+)\}', word)
    if whole and isinstance(values.get(whole.group(1)), (list, tuple)):
        return [w for v in values[whole.group(1)]
                for w in fill_word(str(v), values, checkpoint)]

    def replace(m):
        key = m.group(1)
        if key.startswith('ckpt:'):
            return checkpoint(key[5:])
        if key not in values:
            raise StageError(f'{word}: no value for the placeholder {{{key}}}')
        value = str(values[key])
        return fill_word(value, values, checkpoint)[0] \
            if '{' in value else value
    return [re.sub(r'\{([\w:-]+)\}', replace, word)]


def parse_options(options: List[str]) -> dict:
    """``key=value`` words as ``--cfg-options`` reads them."""
    from mmengine.config import DictAction
    out = {}
    for option in options:
        key, _, value = option.partition('=')
        out[key] = DictAction._parse_iterable(value)
    return out


class StageRun:
    """Stages for one setting, written under one folder, seeded: how the
    pipeline (:class:`MethodRun`) and every experiment row
    (:mod:`.experiment`) run. One resume rule for all of them: the
    runner's stamps.

    Args:
        setting (Setting): Whose data and artifacts (``{data}``,
            ``{art}``, the configs' environment).
        configs (dict): Stage config key -> config file.
        out (str, optional): Where the stages write (``{out}``; their
            stamps and logs too). Default: the setting's artifacts.
        values (dict, optional): More placeholder values.
        seed (int): ``randomness.seed`` of every training stage.
        fast (bool): One epoch (or detector epoch) per training stage.
        smoke (bool): The smoke preset's options (:mod:`mmgranet.testing`).
        jobs (int): Stages marked ``branch`` beside the chain when > 1.
        dry_run (bool): Print the commands only.
        label (str): Before the stage names in what the run prints.
        upstream (dict, optional): Stage name -> stamp key of stages run
            elsewhere that these depend on (:func:`stamp_keys`).
        env (dict, optional): More environment (``OMP_NUM_THREADS``).
    """

    def __init__(self, setting: Setting, configs: Dict[str, str],
                 out: Optional[str] = None,
                 values: Optional[Dict[str, object]] = None, seed: int = 0,
                 fast: bool = False, smoke: bool = False, jobs: int = 1,
                 dry_run: bool = False, label: str = '',
                 upstream: Optional[Dict[str, str]] = None,
                 env: Optional[Dict[str, str]] = None) -> None:
        self.where = setting
        self.data, self.art = setting.data_root, setting.artifacts
        self.setting = setting.name
        self.out = (out or self.art).rstrip('/') + '/'
        self.configs = dict(configs)
        self.values = dict(values or {})
        self.seed, self.fast, self.smoke = seed, fast or smoke, smoke
        self.env = dict(setting.env, **(env or {}))
        self.pipe = StageRunner(self.out, dry_run, jobs, self.env, label)
        self.pipe.keys.update(upstream or {})
        self._stages: Dict[str, Stage] = {}
        self._epochs: Dict[str, int] = {}

    def config(self, stage: Stage) -> Optional[str]:
        return self.configs.get(stage.config) if stage.config else None

    def _values(self, stage: Stage) -> Dict[str, object]:
        return dict(
            self.values, py=sys.executable, data=self.data, art=self.art,
            out=self.out, setting=self.setting, seed=self.seed,
            train_split=self.where.split_file('train'),
            val_split=self.where.split_file('val'),
            config=self.config(stage) or '')

    def fill(self, word: str, stage: Stage) -> List[str]:
        return fill_word(word, self._values(stage), self.checkpoint)

    def train_options(self, stage: Stage) -> List[str]:
        """A training stage's own ``--cfg-options`` (filled)."""
        words = [w for word in stage.command for w in self.fill(word, stage)]
        return words[words.index('--cfg-options') + 1:] \
            if '--cfg-options' in words else []

    def epochs(self, name: str) -> int:
        """The epochs the training stage ``name`` runs, its options
        included (its last checkpoint's number)."""
        if name not in self._epochs:
            stage = self._stages.get(name) or next(
                s for s in STAGES if s.name == name)
            self._epochs[name] = config_epochs(
                self.config(stage), self.env, self.fast,
                options=parse_options(self.train_options(stage)))
        return self._epochs[name]

    def checkpoint(self, name: str) -> str:
        """The last checkpoint of the training stage ``name``."""
        return f'{self.out}{name}/epoch_{self.epochs(name)}.pth'

    def command(self, stage: Stage) -> List[str]:
        self._stages.setdefault(stage.name, stage)
        cmd = [w for word in stage.command for w in self.fill(word, stage)]
        if not stage.train:
            return cmd
        # every training is seeded (mmengine seeds python, numpy, torch
        # and the dataloader workers from it): the same seed, the same
        # numbers; the offline stages draw nothing at random
        cmd += ([] if '--cfg-options' in cmd else ['--cfg-options'])
        cmd += [f'randomness.seed={self.seed}']
        if self.fast:
            cfg = load_config(self.config(stage), self.env)
            loop = 'detector_epochs' if counts_detector_epochs(cfg) \
                else 'max_epochs'
            cmd += [f'train_cfg.{loop}=1',
                    'train_dataloader.num_workers=0',
                    'train_dataloader.persistent_workers=False']
        if self.smoke:
            from mmgranet.testing import SMOKE_OPTIONS, SMOKE_TRAIN_OPTIONS
            cmd += list(SMOKE_TRAIN_OPTIONS)
            cmd += [self.fill(o, stage)[0]
                    for o in SMOKE_OPTIONS.get(stage.name, ())]
        return cmd

    def wanted(self, stage: Stage) -> bool:
        return True

    def run_stage(self, stage: Stage) -> bool:
        """Run one stage unless current; whether it ran."""
        if not self.wanted(stage):
            return False
        self._stages[stage.name] = stage
        config = self.config(stage)
        return self.pipe.stage(
            stage.name, self.command(stage),
            [self.fill(o, stage)[0] for o in stage.outputs],
            files=[config] if config else [],
            after=[a for a in stage.after if a in self.pipe.keys],
            clean=[self.fill(c, stage)[0] for c in stage.clean],
            resume_dir=f'{self.out}{stage.name}' if stage.train else None)

    def register(self, stages) -> None:
        """Make the stages known (by name: their checkpoints and
        epochs) before they run."""
        for stage in stages:
            self._stages[stage.name] = stage

    def run(self, stages: Tuple[Stage, ...]) -> None:
        """The stages in order; with ``jobs > 1`` those marked ``branch``
        beside the others."""
        self.register(stages)
        branch = [s for s in stages if s.branch]
        chain = [s for s in stages if not s.branch]
        with self.pipe.beside('branch', lambda: [
                self.run_stage(s) for s in branch]):
            for stage in chain:
                self.run_stage(stage)


def stamp_keys(work_dir: str) -> Dict[str, str]:
    """Stage name -> stamp key of the stages a run finished under
    ``work_dir`` (for the runs that build on them: ``upstream``)."""
    import json
    import os
    keys = {}
    stamps = osp.join(work_dir, 'stamps')
    for name in sorted(os.listdir(stamps)) if osp.isdir(stamps) else []:
        if name.endswith('.json'):
            with open(osp.join(stamps, name)) as f:
                keys[name[:-5]] = json.load(f)['key']
    return keys


class MethodRun(StageRun):
    """:data:`STAGES` for one preset, data root and setting.

    ``fast``: one epoch of every training stage (tests); ``smoke``: the
    preset's real configs on a generated RSNA-layout dataset at 1024 px
    (24 patients), a few iterations of each training stage, random weight
    files where the configs load pretrained ones. ``seed`` seeds every
    training stage (``randomness.seed``; it enters each stage's stamp).
    """

    def __init__(self, preset: str, data_root: Optional[str] = None,
                 work_root: Optional[str] = None, setting: str = 'fold0',
                 jobs: Optional[int] = None, fast: bool = False,
                 smoke: bool = False, dry_run: bool = False,
                 seed: int = 0, **overrides) -> None:
        from mmgranet.testing import SMOKE_DATA
        self.preset = dict(PRESETS[preset], **(SMOKE_DATA if smoke else {}))
        self.preset.update({k: v for k, v in overrides.items()
                            if v is not None})
        self.name = preset
        where = Setting(data_root or self.preset['data_root'],
                        work_root or self.preset['work_root'], setting)
        self.work_root = where.work_root
        values = {k: v for k, v in self.preset.items()
                  if not isinstance(v, dict)}
        split = self.preset.get('test_split')
        values['test_split_args'] = ['--split-file', split] if split else []
        super().__init__(where, self.preset['configs'], values=values,
                         seed=seed, fast=fast, smoke=smoke,
                         jobs=jobs or self.preset['jobs'], dry_run=dry_run)

    def wanted(self, stage: Stage) -> bool:
        if stage.only == 'mini' or stage.name == 'data':
            return bool(self.preset.get('generate'))
        if stage.only == 'truth':
            return self.preset.get('generate') or \
                osp.exists(self.data + 'poses.csv')
        return True

    @staticmethod
    def needed_for(name: str, stages=STAGES) -> Tuple[Stage, ...]:
        """``name`` and every stage it depends on, in table order."""
        by_name = {s.name: s for s in stages}
        if name not in by_name:
            raise StageError(f'no stage {name!r}; stages: '
                             f'{", ".join(by_name)}')
        todo, keep = [name], set()
        while todo:
            n = todo.pop()
            if n in keep or n not in by_name:
                continue
            keep.add(n)
            todo += list(by_name[n].after)
        return tuple(s for s in stages if s.name in keep)

    def run(self, stages=STAGES) -> None:
        if not self.preset.get('generate') and \
                not osp.exists(self.data + 'stage_2_train_labels.csv'):
            raise StageError(f'{self.data}: no stage_2_train_labels.csv; '
                             'put the RSNA stage 2 files there '
                             '(docs/pipeline.md)')
        if self.smoke and not self.pipe.dry_run:
            from mmgranet.testing import write_smoke_weights
            write_smoke_weights(self.art)
        first = [s for s in stages if s.name in ('data', 'splits')]
        for stage in first:
            self.run_stage(stage)
        super().run(tuple(s for s in stages if s not in first))
