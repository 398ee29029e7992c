"""GRANet's whole method as a table of stages, and the runner that makes
them (``tools/run_pipeline.py``; ``make demo`` is its mini preset).

Each stage is one command of this repository (a tool, ``tools/train.py``
or ``tools/test.py`` with a config) with the files it writes and the
stages it depends on. Everything a stage needs is in :data:`STAGES`; the
runner only fills in the placeholders and keeps the stamps. Configs reach
their paths by name through three environment variables the runner sets
(``configs/_base_/datasets/rsna_detection.py``)::

    MMGRANET_DATA_ROOT  the data          MMGRANET_SETTING  fold0, holdout60
    MMGRANET_WORK_ROOT  the work dir      -> WORK_ROOT/<setting>/ artifacts

Fold discipline: every stage that reads labels or lesions (the alignment
reference, the pseudo pairs, both cGANs, the targets, the pseudo-abnormal
donors, the detectors) sees only the setting's training patients; the
setting's validation patients choose the score cut-off and the held-out
test patients are scored at it. A setting's artifacts live under
``WORK_ROOT/<setting>/`` and are never shared with another setting (the
STN uses no labels but aligns to the setting's reference).

A stage skips itself when its stamp (``WORK_ROOT/<setting>/stamps/
<stage>.json``: a hash of its command, the environment, the config files
it reads and the stamps of the stages it depends on) is current and its
outputs exist; a stage whose inputs changed starts again from scratch; an
interrupted stage resumes (training from its last checkpoint, the offline
tools from the images they finished). With ``jobs > 1`` the stages marked
``branch`` (the baseline detector, which needs none of the alignment /
cGAN chain) run in a thread beside the chain, the cores split between the
two; a failure on either side stops the other.
"""
import hashlib
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from mmgranet.fileio import atomic_write
from .setting import Setting

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

PROGRESS = re.compile(
    r'Epoch\((train|val|test)\)\s+\[\d+\]\[\s*\d+/\d+\]|Epoch\(test\)|'
    r'rsna/AP|phase \w+ \(schedule|\d+%\|.*\||^\{|Saving checkpoint|'
    r'^\||Error|error:')
LOG_STAMP = re.compile(r'^\d+/\d+ [\d:]+ - mmengine - \w+ - ')


class PipelineError(RuntimeError):
    """A stage failed, was stopped or did not write its outputs, or the
    pipeline was asked for something it does not have; the message says
    which, with the log to read. The tools print it and exit."""


@dataclass(frozen=True)
class Stage:
    """One step of the pipeline.

    ``command`` and ``outputs`` hold placeholders (see
    :meth:`PipelineRun.fill`): ``{py}`` the interpreter, ``{data}`` the
    data root, ``{art}`` the setting's artifact dir, ``{setting}``,
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
            and writes ``{art}<name>/epoch_<N>.pth``.
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


def _train(name: str, *after: str, options: Tuple[str, ...] = (),
           branch: bool = False) -> Stage:
    cmd = ('{py}', 'tools/train.py', '{config}', '--work-dir', '{art}' + name)
    if options:
        cmd += ('--cfg-options', ) + options
    return Stage(name, cmd, ('{ckpt:%s}' % name, ), after, config=name,
                 train=True, clean=('{art}' + name, ), branch=branch)


def _evaluate(detector: str, branch: bool = False) -> List[Stage]:
    """Predict the validation and test patients, then score: the cut-off
    chosen on validation, the held-out test patients scored at it."""
    sub = '{art}submissions/' + detector
    test = ('{py}', 'tools/test.py', '{config}', '{ckpt:%s}' % detector,
            '--work-dir', '{art}' + detector)
    return [
        Stage(f'predict-{detector}-val',
              test + ('--split', 'val', '--out', sub + '_val.csv'),
              (sub + '_val.csv', ), (detector, ), config=detector,
              branch=branch),
        Stage(f'predict-{detector}-test',
              test + ('--split', 'test', '--out', sub + '_test.csv',
                      '--show-dir', f'pictures_{detector}'),
              (sub + '_test.csv', ), (detector, ), config=detector,
              branch=branch),
        Stage(f'score-{detector}',
              ('{py}', 'tools/rsna_score.py', '{test_labels}',
               sub + '_test.csv', '{test_split_args}', '--cutoff-from',
               '{data}stage_2_train_labels.csv', sub + '_val.csv',
               '--cutoff-split-file', '{val_split}', '--out',
               '{art}scores/' + detector + '.json'),
              ('{art}scores/' + detector + '.json', ),
              (f'predict-{detector}-val', f'predict-{detector}-test'),
              branch=branch),
    ]


# The method, in order. Paper sections: data 4.1, alignment and pseudo
# pairs 2.2, cGANs eq. 2 and 3, pseudo-abnormal augmentation 2.3, GRANet
# 2.1 and 3.2, evaluation 4.1.
STAGES: Tuple[Stage, ...] = (
    Stage('data', ('{py}', 'tools/make_mini_rsna.py', '--out', '{data}',
                   '--num-patients', '{num_patients}', '--num-test',
                   '{num_test}', '--size', '{size}'),
          ('{data}stage_2_detailed_class_info.csv', ), clean=('{data}', ),
          only='mini'),
    Stage('splits', ('{py}', 'tools/make_rsna_splits.py', '{data}',
                     '--holdout', '{holdout}', '--test', '{test_size}'),
          ('{data}splits/splits.json', ), ('data', ),
          clean=('{data}splits', )),
    # the baseline (no alignment, attention or augmentation) needs nothing
    # of the chain below: it trains beside it
    _train('baseline', 'splits', branch=True),
    *_evaluate('baseline', branch=True),
    Stage('reference', ('{py}', 'tools/propose_reference.py', '{data}',
                        '--split-file', '{train_split}', '--out',
                        '{art}reference.png'),
          ('{art}reference.png', ), ('splits', )),
    _train('aligner', 'reference'),
    Stage('align', ('{py}', 'tools/align_dataset.py', '{config}',
                    '{ckpt:aligner}', '--data-root', '{data}', '--out',
                    '{art}aligned'),
          ('{art}aligned/affines.csv', ), ('aligner', ), config='aligner',
          clean=('{art}aligned', )),
    Stage('pairs', ('{py}', 'tools/make_pseudo_pairs.py', '{art}aligned',
                    '--split-file', '{train_split}', '--out', '{art}pairs',
                    '--k', '{pairs_k}', '--workers', '{workers}'),
          ('{art}pairs/neighbours.csv', ), ('align', ),
          clean=('{art}pairs', )),
    _train('realistic', 'pairs'),
    Stage('targets', ('{py}', 'tools/make_realistic_targets.py',
                      '{config}', '{ckpt:realistic}', '--input-root',
                      '{art}pairs/pseudo_normal', '--out',
                      '{art}realistic_targets'),
          ('{art}realistic_targets/stage_2_train_images', ),
          ('realistic', ), config='realistic',
          clean=('{art}realistic_targets', )),
    _train('abn2nor', 'targets'),
    _train('granet', 'abn2nor',
           options=('model.generator_checkpoint={ckpt:abn2nor}', )),
    *_evaluate('granet'),
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


def config_files(config: str) -> List[str]:
    """A config and the repository configs it inherits from."""
    files, todo = [], [osp.normpath(config)]
    while todo:
        path = todo.pop()
        if path in files or not osp.exists(osp.join(REPO, path)):
            continue
        files.append(path)
        with open(osp.join(REPO, path)) as f:
            text = f.read()
        m = re.search(r'^_base_\s*=\s*(\[.*?\]|([\'"].*?[\'"]\s*\\?\s*)+)$',
                      text, re.S | re.M)
        if m:
            joined = re.sub(r'[\'"]\s*\\\s*\n\s*[\'"]', '', m.group(1))
            for base in re.findall(r'[\'"]([^\'"]+)[\'"]', joined):
                if '::' not in base:
                    todo.append(osp.normpath(osp.join(osp.dirname(path),
                                                      base)))
    return files


def load_config(config: str, env: Dict[str, str],
                options: Optional[dict] = None):
    """A repository config as a stage reads it: with the setting's
    environment variables (``env``) and ``options`` (--cfg-options)."""
    import warnings

    from mmengine import Config
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            cfg = Config.fromfile(osp.join(REPO, config))
            cfg.merge_from_dict(options or {})
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return cfg


def counts_detector_epochs(cfg) -> bool:
    """Whether a config's loop counts detector epochs (GRANet's
    alternating loop) rather than epochs."""
    return cfg.train_cfg.get('detector_epochs') is not None


def config_epochs(config: str, env: Dict[str, str], fast: bool = False,
                  options: Optional[dict] = None) -> int:
    """The epochs a config trains (its last checkpoint's number), with
    ``options`` (--cfg-options) merged; with ``fast`` as the pipeline's
    --fast runs it (one epoch, or one detector epoch)."""
    from mmgranet.engine.loops.alternating_loop import epochs_for_detector
    train_cfg = load_config(config, env, options).train_cfg
    if train_cfg.get('detector_epochs') is not None:
        return epochs_for_detector(1 if fast else train_cfg.detector_epochs,
                                   train_cfg.get('schedule', '2:2'))
    return 1 if fast else int(train_cfg.max_epochs)


class Pipeline:
    """Runs commands as stages: stamps, logs, resume, and stages beside
    the main chain (:meth:`beside`)."""

    def __init__(self, work_dir: str, dry_run: bool = False, jobs: int = 1,
                 env: Optional[Dict[str, str]] = None) -> None:
        self.work = work_dir
        self.dry_run = dry_run
        self.jobs = jobs
        self.env = dict(env or {})
        self.keys: Dict[str, str] = {}
        self.timings: Dict[str, float] = {}
        self._lock = threading.Lock()
        self._branches: List[threading.Thread] = []
        self._procs: Dict[str, subprocess.Popen] = {}
        self._errors: List[BaseException] = []
        self._stopping = False
        os.makedirs(osp.join(work_dir, 'stamps'), exist_ok=True)
        os.makedirs(osp.join(work_dir, 'logs'), exist_ok=True)

    def _key(self, cmd, files, after) -> str:
        h = hashlib.sha256(json.dumps([cmd, sorted(self.env.items())])
                           .encode())
        for f in files:
            for c in config_files(f):
                with open(osp.join(REPO, c), 'rb') as fh:
                    digest = hashlib.sha256(fh.read()).hexdigest()
                h.update(c.encode() + digest.encode())
        for a in after:
            h.update(self.keys.get(a, '').encode())
        return h.hexdigest()

    @contextmanager
    def beside(self, name, fn):
        """Run ``fn`` (stages the ``with`` body does not depend on) in a
        thread while the body runs; before the body when ``jobs`` is 1 or
        in a dry run. A failure on either side stops the other (stopped
        stages resume on the next run); the body's error is raised, else
        the branch's."""
        if self.jobs <= 1 or self.dry_run:
            fn()
            yield
            return

        def target():
            try:
                fn()
            except BaseException as e:  # raised after the body
                with self._lock:
                    self._errors.append(e)
                self.stop()
        thread = threading.Thread(target=target, name=name)
        with self._lock:
            self._branches.append(thread)
        thread.start()
        try:
            yield
        except BaseException:
            self.stop()
            self._join()
            raise
        self._join()
        if self._errors:
            raise self._errors[0]

    def stop(self):
        """Stop every running stage (they resume on the next run)."""
        with self._lock:
            self._stopping = True
            procs = list(self._procs.values())
        for proc in procs:
            proc.terminate()

    def _join(self):
        for thread in list(self._branches):
            thread.join()
        with self._lock:
            self._branches = []

    def _threads(self) -> str:
        """CPU threads for a stage: the cores, split among the branches
        running beside the main chain (fixed when the stage starts)."""
        with self._lock:
            running = 1 + sum(t.is_alive() for t in self._branches)
        return str(max(1, (os.cpu_count() or 1) // running))

    def stage(self, name, cmd, outputs, files=(), after=(), clean=(),
              resume_dir=None):
        """Run ``cmd`` unless current; ``clean``: paths removed before a
        run whose inputs changed; ``resume_dir``: a training work dir."""
        key = self._key(cmd, files, after)
        self.keys[name] = key
        stamp_path = osp.join(self.work, 'stamps', f'{name}.json')
        stamp = None
        if osp.exists(stamp_path):
            with open(stamp_path) as f:
                stamp = json.load(f)
        if stamp and stamp['key'] == key and all(
                osp.exists(o) for o in outputs):
            print(f'[{name}] current, skipped', flush=True)
            self.timings[name] = stamp.get('seconds', 0.0)
            return False
        changed = bool(stamp) and stamp['key'] != key
        if resume_dir and not changed and osp.exists(
                osp.join(resume_dir, 'last_checkpoint')):
            cmd = cmd + ['--resume']
        print(f'[{name}] {"inputs changed, " if changed else ""}$ '
              f'{" ".join(cmd)}', flush=True)
        if self.dry_run:
            return True
        if changed:
            # the old outputs must not be resumed from
            for path in clean:
                if osp.isdir(path):
                    shutil.rmtree(path)
                elif osp.exists(path):
                    os.remove(path)
        start = time.time()
        log = osp.join(self.work, 'logs', f'{name}.log')
        env = dict(os.environ, PYTHONUNBUFFERED='1', **self.env)
        if self.jobs > 1 and 'OMP_NUM_THREADS' not in os.environ:
            env['OMP_NUM_THREADS'] = self._threads()
        with self._lock:
            if self._stopping:
                raise PipelineError(f'[{name}] not started: another stage '
                                    'failed')
            proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True,
                                    env=env, bufsize=1)
            self._procs[name] = proc
        with open(log, 'w') as f:
            for line in proc.stdout:
                f.write(line)
                f.flush()
                if PROGRESS.search(line):
                    short = LOG_STAMP.sub('', line.rstrip())
                    print(f'[{name}] {short[:150]}', flush=True)
            rc = proc.wait()
        with self._lock:
            del self._procs[name]
            stopped = self._stopping
        if rc != 0 and stopped:
            raise PipelineError(f'[{name}] stopped because another stage '
                                f'failed; log: {log}. Rerun the same command '
                                'to resume.')
        if rc != 0:
            with open(log) as f:
                tail = f.readlines()[-25:]
            sys.stderr.write(''.join(tail))
            raise PipelineError(f'[{name}] failed (exit {rc}); full log: {log}'
                                '. Rerun the same command to resume.')
        missing = [o for o in outputs if not osp.exists(o)]
        if missing:
            raise PipelineError(f'[{name}] finished but did not write '
                                f'{missing}; see {log}')
        seconds = time.time() - start
        self.timings[name] = seconds
        with atomic_write(stamp_path) as f:
            json.dump(dict(key=key, seconds=seconds, cmd=cmd), f)
        print(f'[{name}] done in {seconds:.0f} s', flush=True)
        return True


# --smoke: a generated RSNA-layout dataset at RSNA's 1024 px, small
SMOKE_DATA = dict(generate=True, num_patients=24, num_test=2, size=1024,
                  holdout=4, test_size=4, data_root='data/rsna-smoke/',
                  work_root='work_dirs/pipeline_rsna-smoke/')
# ... and a few iterations of every training stage, with weight files of
# the right format (random values) where the RSNA configs require them
SMOKE_OPTIONS = dict(
    aligner=('model.perceptual.vgg_weights={art}pretrained/vgg16.pth', ),
    baseline=('model.backbone.init_cfg.checkpoint='
              '{art}pretrained/seresnext101_32x4d.pth', ),
    granet=('model.detector.backbone.init_cfg.checkpoint='
            '{art}pretrained/seresnext101_32x4d.pth', ))


def write_smoke_weights(art: str) -> None:
    """Random weights in the formats the RSNA configs load strictly: a
    torchvision VGG16 state dict and a converted SE-ResNeXt101-32x4d."""
    import torch
    from torchvision.models import vgg16

    from mmgranet.models.backbones import SEResNeXt
    os.makedirs(osp.join(art, 'pretrained'), exist_ok=True)
    path = osp.join(art, 'pretrained', 'vgg16.pth')
    if not osp.exists(path):
        with atomic_write(path, 'wb') as f:
            torch.save(vgg16(weights=None).state_dict(), f)
    path = osp.join(art, 'pretrained', 'seresnext101_32x4d.pth')
    if not osp.exists(path):
        backbone = SEResNeXt(depth=101, groups=32, width_per_group=4,
                             out_indices=(0, 1, 2, 3))
        with atomic_write(path, 'wb') as f:
            torch.save(dict(state_dict=backbone.state_dict()), f)


class PipelineRun:
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
        self.smoke = smoke
        self.seed = seed
        fast = fast or smoke
        self.preset = dict(PRESETS[preset], **(SMOKE_DATA if smoke else {}))
        self.preset.update({k: v for k, v in overrides.items()
                            if v is not None})
        self.name = preset
        self.data = (data_root or self.preset['data_root']).rstrip('/') + '/'
        self.work_root = (work_root or
                          self.preset['work_root']).rstrip('/') + '/'
        self.setting = setting
        self.where = Setting(self.data, self.work_root, setting)
        self.art = self.where.artifacts
        self.fast = fast
        self.env = self.where.env
        self.pipe = Pipeline(self.art, dry_run,
                             jobs or self.preset['jobs'], self.env)
        self._epochs: Dict[str, int] = {}

    def wanted(self, stage: Stage) -> bool:
        if stage.only == 'mini' or stage.name == 'data':
            return bool(self.preset.get('generate'))
        if stage.only == 'truth':
            return self.preset.get('generate') or \
                osp.exists(self.data + 'poses.csv')
        return True

    def epochs(self, stage: str) -> int:
        if stage not in self._epochs:
            self._epochs[stage] = config_epochs(
                self.preset['configs'][stage], self.env, self.fast)
        return self._epochs[stage]

    def fill(self, text: str, stage: Stage) -> List[str]:
        """The placeholders of one command word (some expand to none or
        two words: ``{test_split_args}``)."""
        if text == '{test_split_args}':
            split = self.preset.get('test_split')
            return ['--split-file', self.fill(split, stage)[0]] if split \
                else []
        values = dict(
            {k: str(v) for k, v in self.preset.items()
             if not isinstance(v, dict)},
            py=sys.executable, data=self.data, art=self.art,
            setting=self.setting,
            train_split=self.where.split_file('train'),
            val_split=self.where.split_file('val'),
            config=self.preset['configs'].get(stage.config or '', ''))

        def replace(m):
            key = m.group(1)
            if key.startswith('ckpt:'):
                name = key[5:]
                return f'{self.art}{name}/epoch_{self.epochs(name)}.pth'
            return self.fill(values[key], stage)[0] \
                if '{' in values[key] else values[key]
        return [re.sub(r'\{([\w:-]+)\}', replace, text)]

    def command(self, stage: Stage) -> List[str]:
        cmd = [w for word in stage.command for w in self.fill(word, stage)]
        if stage.train:
            # every training is seeded (mmengine seeds python, numpy, torch
            # and the dataloader workers from it): the same seed, the same
            # numbers; the offline stages draw nothing at random
            cmd += ([] if '--cfg-options' in cmd else ['--cfg-options'])
            cmd += [f'randomness.seed={self.seed}']
        if stage.train and self.fast:
            cfg = load_config(self.preset['configs'][stage.config],
                              self.env)
            loop = 'detector_epochs' if counts_detector_epochs(cfg) \
                else 'max_epochs'
            cmd += [f'train_cfg.{loop}=1',
                    'train_dataloader.num_workers=0',
                    'train_dataloader.persistent_workers=False']
        if self.smoke and stage.train:
            cmd += ['train_dataloader.dataset.indices=4',
                    'train_dataloader.batch_size=2']
        if self.smoke and stage.name in SMOKE_OPTIONS:
            cmd += ([] if '--cfg-options' in cmd else ['--cfg-options'])
            cmd += [self.fill(o, stage)[0] for o in SMOKE_OPTIONS[stage.name]]
        return cmd

    def run_stage(self, stage: Stage) -> None:
        if not self.wanted(stage):
            return
        config = self.preset['configs'].get(stage.config) \
            if stage.config else None
        self.pipe.stage(
            stage.name, self.command(stage),
            [self.fill(o, stage)[0] for o in stage.outputs],
            files=[config] if config else [],
            after=[a for a in stage.after if a in self.pipe.keys],
            clean=[self.fill(c, stage)[0] for c in stage.clean],
            resume_dir=self.fill('{art}' + stage.name, stage)[0]
            if stage.train else None)

    @staticmethod
    def needed_for(name: str, stages=STAGES) -> Tuple[Stage, ...]:
        """``name`` and every stage it depends on, in table order."""
        by_name = {s.name: s for s in stages}
        if name not in by_name:
            raise PipelineError(f'no stage {name!r}; stages: '
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
            raise PipelineError(f'{self.data}: no stage_2_train_labels.csv; '
                                'put the RSNA stage 2 files there '
                                '(docs/pipeline.md)')
        if self.smoke and not self.pipe.dry_run:
            write_smoke_weights(self.art)
        first = [s for s in stages if s.name in ('data', 'splits')]
        branch = [s for s in stages if s.branch]
        chain = [s for s in stages if s not in first and s not in branch]
        for stage in first:
            self.run_stage(stage)
        with self.pipe.beside('baseline', lambda: [
                self.run_stage(s) for s in branch]):
            for stage in chain:
                self.run_stage(stage)
