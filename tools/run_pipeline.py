"""GRANet's whole pipeline, stage by stage: `make demo` (mini-RSNA) and
the same stages on the real RSNA (``--preset rsna``).

Stages (each a tool of this repository, run in a subprocess):

 1. data       mini-RSNA + patient-level splits (mini preset only)
 2. reference  the alignment reference (tools/propose_reference.py)
 3. aligner    the STN aligner (tools/train.py configs/aligner/...)
 4. align      the aligned copy + affines.csv (tools/align_dataset.py)
 5. pairs      pseudo-normal (I_b) / pseudo-abnormal sets, neighbour
               index, on the aligned copy (tools/make_pseudo_pairs.py)
 6. realistic  G_realistic, eq. 2 (tools/train.py configs/cgan/realistic_*)
 7. targets    G_realistic(I_b), eq. 3's targets
 8. abn2nor    G_abn2nor, eq. 3 (tools/train.py configs/cgan/abn2nor_*)
 9. baseline   the RetinaNet† baseline on fold 0 (no alignment, attention,
               augmentation)
10. granet     GRANet: align + attention + pseudo-abnormal augmentation,
               the alternating loop
11. test-*     each detector on fold 0's validation patients: the RSNA
               metric, a Kaggle submission (original pixels) and pictures
12. report     the results table: detection AP, pseudo-normal quality
               against the true twins, alignment error against the true
               poses (the last two need mini-RSNA's ground truth)

A stage skips itself when its stamp (``WORK/stamps/<stage>.json``: a hash
of its command, the config files it reads and the stamps of the stages it
depends on) is current and its outputs exist; a stage whose inputs changed
starts again from scratch; an interrupted stage resumes (training from its
last checkpoint, the offline tools from the images they finished).
Progress lines of each stage go to the console, everything to
``WORK/logs/<stage>.log``.

With ``--jobs 2`` (the mini preset's default) the baseline (9, and its
test) trains beside the alignment/cGAN chain, which it does not depend
on; while both run, each gets half the cores (``OMP_NUM_THREADS``, unless
you set it). If one stage fails, the other is stopped; both resume on the
next run.
"""
import argparse
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

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)

from mmgranet.fileio import atomic_write  # noqa: E402

PROGRESS = re.compile(
    r'Epoch\((train|val|test)\)\s+\[\d+\]\[\s*\d+/\d+\]|Epoch\(test\)|'
    r'rsna/AP|phase \w+ \(schedule|\d+%\|.*\||^\{|Saving checkpoint|'
    r'^\||Error|error:')

STAMP = re.compile(r'^\d+/\d+ [\d:]+ - mmengine - \w+ - ')

# per preset: data, configs and the epochs each training stage runs
PRESETS = dict(
    mini=dict(
        data_root='data/mini-rsna/',
        make_data=dict(num_patients=300, size=256, holdout=60),
        aligner=('configs/aligner/stn_r18_20e_mini-rsna.py', 5),
        # the STN at 64 px (its VGG loss dominates the demo's time at 128)
        aligner_opts=['model.input_size=64'],
        # G_realistic only makes eq. 3's targets: 8 epochs (Abn2Nor 10)
        realistic=('configs/cgan/realistic_resnet6-32c_20e_mini-rsna.py',
                   8),
        abn2nor=('configs/cgan/abn2nor_resnet6-32c_20e_mini-rsna.py', 10),
        # the detectors 10 epochs (their configs: 12) to keep the demo
        # within 20 min on 2 cores
        baseline=('configs/retinanet/retinanet-dagger_r18_mini-rsna.py',
                  10),
        granet=('configs/granet/retinanet_r18_mini-rsna.py', 10),
        pairs_k=3,
        workers=2,
        jobs=2,
    ),
    rsna=dict(
        data_root='data/rsna/',
        make_data=None,
        aligner=('configs/aligner/stn_r18_20e_rsna.py', None),
        realistic=('configs/cgan/realistic_resnet9_100e_rsna.py', None),
        abn2nor=('configs/cgan/abn2nor_resnet9_100e_rsna.py', None),
        baseline=('configs/retinanet/retinanet-dagger_seresnext101_rsna.py',
                  None),
        granet=('configs/granet/retinanet_seresnext101.py', None),
        pairs_k=3,
        workers=8,
        jobs=1,  # one GPU: the stages run one after the other
    ),
)


def file_digest(path: str) -> str:
    with open(osp.join(REPO, path), 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def config_files(config: str):
    """A config and the repository configs it inherits from."""
    files, todo = [], [osp.normpath(config)]
    while todo:
        path = todo.pop()
        if path in files or not osp.exists(osp.join(REPO, path)):
            continue
        files.append(path)
        with open(osp.join(REPO, path)) as f:
            text = f.read()
        m = re.search(r'^_base_\s*=\s*(\[.*?\]|[\'"].*?[\'"])', text,
                      re.S | re.M)
        if m:
            for base in re.findall(r'[\'"]([^\'"]+)[\'"]', m.group(1)):
                if '::' not in base:
                    todo.append(osp.normpath(osp.join(osp.dirname(path),
                                                      base)))
    return files


class Pipeline:

    def __init__(self, work_dir: str, dry_run: bool = False,
                 jobs: int = 1) -> None:
        self.work = work_dir
        self.dry_run = dry_run
        self.jobs = jobs
        self.keys = {}
        self.timings = {}
        self._lock = threading.Lock()
        self._branches = []  # threads running stages beside the main chain
        self._procs = {}  # stage name -> its running subprocess
        self._errors = []
        self._stopping = False
        os.makedirs(osp.join(work_dir, 'stamps'), exist_ok=True)
        os.makedirs(osp.join(work_dir, 'logs'), exist_ok=True)

    def _key(self, cmd, files, after) -> str:
        h = hashlib.sha256(json.dumps(cmd).encode())
        for f in files:
            for c in config_files(f):
                h.update(c.encode() + file_digest(c).encode())
        for a in after:
            h.update(self.keys[a].encode())
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
        env = dict(os.environ, PYTHONUNBUFFERED='1')
        if self.jobs > 1 and 'OMP_NUM_THREADS' not in os.environ:
            env['OMP_NUM_THREADS'] = self._threads()
        with self._lock:
            if self._stopping:
                raise SystemExit(f'[{name}] not started: another stage '
                                 'failed')
            proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True,
                                    env=env, bufsize=1)
            self._procs[name] = proc
        with open(log, 'w') as f:
            for line in proc.stdout:
                f.write(line)
                f.flush()
                if 'rsna/AP:' in line:
                    m = dict(re.findall(r'rsna/([\w@.]+): (-?[\d.]+)', line))
                    head = re.search(r'Epoch\(\w+\)\s+\[\d+\]', line)
                    print(f'[{name}] {head.group(0) if head else ""} '
                          f'RSNA AP {m.get("AP")}, AP@0.4 {m.get("AP@0.4")}, '
                          f'best cut-off {m.get("best_score_thr")}: AP '
                          f'{m.get("AP@best_score_thr")}', flush=True)
                elif PROGRESS.search(line):
                    short = STAMP.sub('', line.rstrip())
                    print(f'[{name}] {short[:150]}', flush=True)
            rc = proc.wait()
        with self._lock:
            del self._procs[name]
            stopped = self._stopping
        if rc != 0 and stopped:
            raise SystemExit(f'[{name}] stopped because another stage '
                             f'failed; log: {log}. Rerun the same command '
                             'to resume.')
        if rc != 0:
            with open(log) as f:
                tail = f.readlines()[-25:]
            sys.stderr.write(''.join(tail))
            raise SystemExit(f'[{name}] failed (exit {rc}); full log: {log}'
                             '. Rerun the same command to resume.')
        missing = [o for o in outputs if not osp.exists(o)]
        if missing:
            raise SystemExit(f'[{name}] finished but did not write '
                             f'{missing}; see {log}')
        seconds = time.time() - start
        self.timings[name] = seconds
        with atomic_write(stamp_path) as f:
            json.dump(dict(key=key, seconds=seconds, cmd=cmd), f)
        print(f'[{name}] done in {seconds:.0f} s', flush=True)
        return True


def last_json(log_path: str) -> dict:
    with open(log_path) as f:
        lines = [ln for ln in f if ln.startswith('{')]
    return json.loads(lines[-1]) if lines else {}


def metric_line(log_path: str) -> dict:
    """rsna/... values of the last test run logged."""
    with open(log_path) as f:
        text = f.read()
    found = dict(re.findall(r'rsna/([\w@.]+): (-?[\d.]+)', text))
    return {k: float(v) for k, v in found.items()}


def markdown_table(log_path: str) -> str:
    with open(log_path) as f:
        return ''.join(ln for ln in f if ln.startswith('|'))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--preset', choices=sorted(PRESETS), default='mini')
    parser.add_argument('--data-root', help='default: the preset\'s')
    parser.add_argument('--work-dir', default=None,
                        help='default work_dirs/pipeline_<preset>')
    parser.add_argument('--num-patients', type=int,
                        help='mini-RSNA size (mini preset)')
    parser.add_argument('--size', type=int, help='mini-RSNA image size')
    parser.add_argument('--det-epochs', type=int,
                        help='epochs of both detectors (default: config)')
    parser.add_argument('--gan-epochs', type=int,
                        help='epochs of each cGAN (default: preset)')
    parser.add_argument('--stn-epochs', type=int)
    parser.add_argument('--schedule', help="GRANet's n:m or 'joint'")
    parser.add_argument('--jobs', type=int,
                        help='stages run side by side (default: preset; '
                        'mini 2, rsna 1)')
    parser.add_argument('--fast', action='store_true',
                        help='tiny settings for tests: 1 epoch everywhere')
    parser.add_argument('--dry-run', action='store_true',
                        help='print the stages and commands only')
    args = parser.parse_args()
    preset = PRESETS[args.preset]
    py = sys.executable
    data = (args.data_root or preset['data_root']).rstrip('/') + '/'
    work = args.work_dir or f'work_dirs/pipeline_{args.preset}'
    jobs = args.jobs or preset['jobs']
    pipe = Pipeline(work, args.dry_run, jobs)
    aligned = data + 'aligned/'
    pairs = aligned + 'pairs/'
    fast = args.fast

    def epochs(stage, override):
        if fast:
            return 1
        return override or preset[stage][1]

    def train(stage, extra_opts=(), after=(), epochs_=None):
        config = preset[stage][0]
        wd = osp.join(work, stage)
        opts = list(extra_opts)
        if epochs_:
            opts.append(f'train_cfg.max_epochs={epochs_}')
        if fast:
            opts += ['train_dataloader.num_workers=0',
                     'train_dataloader.persistent_workers=False']
        cmd = [py, 'tools/train.py', config, '--work-dir', wd]
        if opts:
            cmd += ['--cfg-options', *opts]
        # the last epoch's checkpoint: max_epochs from the options or config
        n = epochs_ or config_epochs(config)
        ckpt = osp.join(wd, f'epoch_{n}.pth')
        pipe.stage(stage, cmd, [ckpt], files=[config], after=after,
                   clean=[wd], resume_dir=wd)
        return ckpt

    # 1. data
    after_data = []
    if preset['make_data'] is not None:
        md = dict(preset['make_data'])
        if args.num_patients:
            md['num_patients'] = args.num_patients
            md['holdout'] = max(1, args.num_patients // 5)
        if args.size:
            md['size'] = args.size
        pipe.stage('data', [
            py, 'tools/make_mini_rsna.py', '--out', data, '--num-patients',
            str(md['num_patients']), '--size', str(md['size'])
        ], [data + 'stage_2_detailed_class_info.csv'], clean=[data])
        pipe.stage('splits', [
            py, 'tools/make_rsna_splits.py', data, '--holdout',
            str(md['holdout'])
        ], [data + 'splits/splits.json'], after=['data'],
            clean=[data + 'splits'])
        after_data = ['splits']
    elif not osp.exists(data + 'stage_2_train_labels.csv'):
        raise SystemExit(f'{data}: no stage_2_train_labels.csv; put the '
                         'RSNA stage 2 files there (README: "The pipeline '
                         'on RSNA")')
    else:
        pipe.stage('splits', [py, 'tools/make_rsna_splits.py', data],
                   [data + 'splits/splits.json'])
        after_data = ['splits']

    data_opts = [f'{s}_dataloader.dataset.data_root={data}'
                 for s in ('train', 'val', 'test')]

    # 11. test: the RSNA metric, a submission in original pixels, pictures
    results = {}

    def test(name, ckpt, opts):
        config = preset[name][0]
        sub = osp.join(work, f'submission_{name}_fold0_val.csv')
        test_opts = [o for o in opts if not o.startswith('train_')]
        pipe.stage(f'test-{name}', [
            py, 'tools/test.py', config, ckpt, '--work-dir',
            osp.join(work, name), '--out', sub, '--show-dir',
            f'pictures_{name}', '--cfg-options', *test_opts
        ], [sub], files=[config], after=[name])
        if not args.dry_run:
            results[name] = metric_line(
                osp.join(work, 'logs', f'test-{name}.log'))

    # 9. the baseline depends on none of stages 2-8: it trains beside them
    def baseline_branch():
        ckpt = train('baseline', data_opts, after=after_data,
                     epochs_=epochs('baseline', args.det_epochs))
        test('baseline', ckpt, data_opts)

    with pipe.beside('baseline', baseline_branch):
        # 2-4. alignment
        pipe.stage('reference', [py, 'tools/propose_reference.py', data],
                   [data + 'reference.png'], after=after_data)
        stn = train('aligner', [
            f'model.reference={data}reference.png',
            f'train_dataloader.dataset.data_root={data}'
        ] + preset.get('aligner_opts', []), after=['reference'],
            epochs_=epochs('aligner', args.stn_epochs))
        pipe.stage('align', [
            py, 'tools/align_dataset.py', preset['aligner'][0], stn,
            '--data-root', data, '--out', aligned, '--cfg-options',
            f'model.reference={data}reference.png',
            *preset.get('aligner_opts', [])
        ], [aligned + 'affines.csv'], files=[preset['aligner'][0]],
            after=['aligner'], clean=[aligned])

        # 5. pseudo pairs on the aligned copy
        pipe.stage('pairs', [
            py, 'tools/make_pseudo_pairs.py', aligned, '--out', pairs, '--k',
            str(preset['pairs_k']), '--workers', str(preset['workers'])
        ], [pairs + 'neighbours.csv'], after=['align'], clean=[pairs])

        # 6-8. the cGANs
        gan_roots = [
            f'train_dataloader.dataset.normal_root={aligned}',
        ]
        realistic = train('realistic', gan_roots + [
            f'train_dataloader.dataset.input_root={pairs}pseudo_normal/',
            f'train_dataloader.dataset.target_root={pairs}pseudo_normal/'
        ], after=['pairs'], epochs_=epochs('realistic', args.gan_epochs))
        targets = pairs + 'realistic_targets/'
        pipe.stage('targets', [
            py, 'tools/make_realistic_targets.py', preset['realistic'][0],
            realistic, '--input-root', pairs + 'pseudo_normal', '--out',
            targets
        ], [targets + 'stage_2_train_images'],
            files=[preset['realistic'][0]], after=['realistic'],
            clean=[targets])
        abn2nor = train('abn2nor', gan_roots + [
            f'train_dataloader.dataset.input_root={aligned}',
            f'train_dataloader.dataset.target_root={targets}'
        ], after=['targets'], epochs_=epochs('abn2nor', args.gan_epochs))

        # 10. GRANet
        granet_opts = data_opts + [
            f'model.generator_checkpoint={abn2nor}',
            f'train_dataloader.dataset.pipeline.2.affine_file='
            f'{aligned}affines.csv',
            f'train_dataloader.dataset.pipeline.3.neighbour_file='
            f'{pairs}neighbours.csv',
            f'train_dataloader.dataset.pipeline.3.data_root={aligned}',
            f'train_dataloader.dataset.pipeline.4.target_root={targets}',
            f'val_dataloader.dataset.pipeline.2.affine_file={aligned}'
            'affines.csv',
            f'test_dataloader.dataset.pipeline.2.affine_file={aligned}'
            'affines.csv',
        ]
        if args.schedule:
            granet_opts.append(f'train_cfg.schedule={args.schedule}')
        granet = train('granet', granet_opts, after=['abn2nor', 'pairs'],
                       epochs_=epochs('granet', args.det_epochs))
        test('granet', granet, granet_opts)

        # 12. report
        has_truth = osp.exists(data + 'poses.csv')
        if has_truth:
            pipe.stage('alignment-error', [
                py, 'tools/analysis/alignment_error.py', data,
                aligned + 'affines.csv'
            ], [], after=['align'])
            pipe.stage('pseudo-normal-quality', [
                py, 'tools/analysis/pseudo_normal_quality.py', aligned,
                '--pairs', pairs, '--twins-root', data, '--affines',
                aligned + 'affines.csv', '--abn2nor', preset['abn2nor'][0],
                abn2nor, '--pictures', osp.join(work, 'pseudo_normal_cases')
            ], [], files=[preset['abn2nor'][0]], after=['abn2nor'])
    if args.dry_run:
        return 0

    print('\n=== results (fold 0 validation patients of '
          f'{data}; AP: the Kaggle RSNA metric at all predictions above the '
          "config's score_thr; 'best' at the validation-tuned cut-off)")
    print('| model | RSNA AP | AP@0.4 | AP@0.75 | best cut-off | AP there |')
    print('| --- | --- | --- | --- | --- | --- |')
    names = dict(baseline='RetinaNet† baseline',
                 granet='GRANet (align + attn + syn, alternating)')
    for name in names:
        r = results[name]
        print(f'| {names[name]} | {r.get("AP", float("nan")):.3f} | '
              f'{r.get("AP@0.4", float("nan")):.3f} | '
              f'{r.get("AP@0.75", float("nan")):.3f} | '
              f'{r.get("best_score_thr", float("nan")):.2f} | '
              f'{r.get("AP@best_score_thr", float("nan")):.3f} |')
    if has_truth:
        err = last_json(osp.join(work, 'logs', 'alignment-error.log'))
        print('\nalignment (mean corner error against the true poses, px): '
              f'{err.get("before_px", float("nan")):.2f} unaligned -> '
              f'{err.get("after_px", float("nan")):.2f} aligned')
        print('\npseudo-normal quality against the true normal twins '
              '(aligned frame):')
        print(markdown_table(osp.join(work, 'logs',
                                      'pseudo-normal-quality.log')))
    print('stage times (s): ' + ', '.join(
        f'{k} {v:.0f}' for k, v in pipe.timings.items()))
    print(f'submissions: {work}/submission_*_fold0_val.csv')
    print(f'pictures: {work}/<model>/<timestamp>/pictures_<model>/, '
          f'{work}/pseudo_normal_cases/')
    with atomic_write(osp.join(work, 'results.json')) as f:
        json.dump(dict(detection=results, timings=pipe.timings), f,
                  indent=1)
    return 0


def config_epochs(config: str) -> int:
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # mmengine's pkg_resources notice
        from mmengine import Config
        cfg = Config.fromfile(osp.join(REPO, config))
    return int(cfg.train_cfg.max_epochs)


if __name__ == '__main__':
    sys.exit(main())
