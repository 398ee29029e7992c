"""Runs commands as stages: the one runner of the method's pipeline
(:mod:`.stages`, ``tools/run_pipeline.py``) and of every experiment
(:mod:`.experiment`).

A stage is a command, the files it writes and the stages it depends on.
It skips itself when its stamp (``WORK/stamps/<stage>.json``: a hash of
its command, the environment, the config files it reads and the stamps
of the stages it depends on) is current and its outputs exist; a stage
whose inputs changed starts again from scratch (its ``clean`` paths
removed); an interrupted training resumes from its last checkpoint
(``--resume``), the offline tools from the images they finished. Every
stage logs to ``WORK/logs/<stage>.log``; a failure names the log.
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
from typing import Dict, List, Optional

from mmgranet.fileio import atomic_write
from .config_reading import config_files, repo_root

PROGRESS = re.compile(
    r'Epoch\((train|val|test)\)\s+\[\d+\]\[\s*\d+/\d+\]|Epoch\(test\)|'
    r'rsna/AP|phase \w+ \(schedule|\d+%\|.*\||^\{|Saving checkpoint|'
    r'^\||Error|error:')
LOG_STAMP = re.compile(r'^\d+/\d+ [\d:]+ - mmengine - \w+ - ')


class StageError(RuntimeError):
    """A stage failed, was stopped or did not write its outputs, or a run
    was asked for something it does not have; the message says which,
    with the log to read. The tools print it and exit."""


class StageRunner:
    """Runs commands as stages: stamps, logs, resume, and stages beside
    the main chain (:meth:`beside`)."""

    def __init__(self, work_dir: str, dry_run: bool = False, jobs: int = 1,
                 env: Optional[Dict[str, str]] = None,
                 label: str = '') -> None:
        self.work = work_dir
        self.label = label  # before the stage's name in what it prints
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
                with open(osp.join(repo_root(), c), 'rb') as fh:
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
        tag = self.label + name
        key = self._key(cmd, files, after)
        self.keys[name] = key
        stamp_path = osp.join(self.work, 'stamps', f'{name}.json')
        stamp = None
        if osp.exists(stamp_path):
            with open(stamp_path) as f:
                stamp = json.load(f)
        if stamp and stamp['key'] == key and all(
                osp.exists(o) for o in outputs):
            print(f'[{tag}] current, skipped', flush=True)
            self.timings[name] = stamp.get('seconds', 0.0)
            return False
        changed = bool(stamp) and stamp['key'] != key
        if resume_dir and not changed and osp.exists(
                osp.join(resume_dir, 'last_checkpoint')):
            cmd = cmd + ['--resume']
        print(f'[{tag}] '
              f'{"inputs changed, " if changed else ""}$ {" ".join(cmd)}',
              flush=True)
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
                raise StageError(f'[{tag}] not started: another stage '
                                 'failed')
            proc = subprocess.Popen(cmd, cwd=repo_root(),
                                    stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True,
                                    env=env, bufsize=1)
            self._procs[name] = proc
        with open(log, 'w') as f:
            for line in proc.stdout:
                f.write(line)
                f.flush()
                if PROGRESS.search(line):
                    short = LOG_STAMP.sub('', line.rstrip())
                    print(f'[{tag}] {short[:150]}',
                          flush=True)
            rc = proc.wait()
        with self._lock:
            del self._procs[name]
            stopped = self._stopping
        if rc != 0 and stopped:
            raise StageError(f'[{tag}] stopped because another stage '
                             f'failed; log: {log}. Rerun the same command '
                             'to resume.')
        if rc != 0:
            with open(log) as f:
                tail = f.readlines()[-25:]
            sys.stderr.write(''.join(tail))
            raise StageError(f'[{tag}] failed (exit {rc}); full log: {log}'
                             '. Rerun the same command to resume.')
        missing = [o for o in outputs if not osp.exists(o)]
        if missing:
            raise StageError(f'[{tag}] finished but did not write '
                             f'{missing}; see {log}')
        seconds = time.time() - start
        self.timings[name] = seconds
        with atomic_write(stamp_path) as f:
            json.dump(dict(key=key, seconds=seconds, cmd=cmd), f)
        print(f'[{tag}] done in {seconds:.0f} s', flush=True)
        return True
