#!/usr/bin/env python
"""Build (once) and cache an mmcv wheel with compiled ops for this torch.

mmcv publishes no wheel for torch 2.14, so the wheel is built from the PyPI
sdist. Three things stand between that sdist and a working build, and this
script handles each of them:

* its ``setup.py`` imports ``pkg_resources``, which setuptools >= 81 no longer
  ships: the caller installs ``setuptools<81`` first (requirements/build.txt);
* it compiles against the installed torch, so it must run with
  ``--no-build-isolation``;
* it passes ``-std=c++17`` to g++/nvcc, while torch 2.14's ATen headers stop
  with ``#error C++20 or later compatible compiler is required``; the unpacked
  sdist is patched to ``-std=c++20`` (the only change made to the sources).

The build runs without debug info (``CFLAGS=-g0``): the wheel shrinks from
tens of MB to about 2 MB and the CPU build is several times faster, and
nobody debugs mmcv's kernels from this wheel.

The wheel is cached outside the repository, under ``$MMGRANET_CACHE``
(default ``~/.cache/mmgranet``), keyed by mmcv version, torch version (which
carries its CUDA tag), Python tag and the CPU/CUDA variant, so that a second
install, or a CI run on a machine that already built it, takes seconds.

The last line printed on stdout is the path of the wheel.
"""
import argparse
import fcntl
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time


def cache_root() -> str:
    default = os.path.join(os.path.expanduser('~'), '.cache', 'mmgranet')
    return os.environ.get('MMGRANET_CACHE', default)


def build_variant() -> str:
    """'cpu' or 'cu<version>[-<arch hash>]', the way mmcv's setup.py decides.

    mmcv compiles its CUDA kernels when torch sees a GPU or FORCE_CUDA=1;
    MMGRANET_MMCV_CUDA=0/1 overrides that choice explicitly.
    """
    import torch
    choice = os.environ.get('MMGRANET_MMCV_CUDA')
    if choice is None:
        use_cuda = (torch.cuda.is_available()
                    or os.environ.get('FORCE_CUDA', '0') == '1')
    else:
        use_cuda = choice == '1'
    if not use_cuda:
        return 'cpu'
    if torch.version.cuda is None:
        sys.exit('build_mmcv_wheel: a CUDA build of mmcv was requested but '
                 f'torch {torch.__version__} is a CPU-only build')
    variant = 'cu' + torch.version.cuda.replace('.', '')
    arch = os.environ.get('TORCH_CUDA_ARCH_LIST')
    if arch:
        variant += '-' + hashlib.sha1(arch.encode()).hexdigest()[:8]
    return variant


def check_nvcc() -> str:
    """The CUDA toolkit's version, which must match torch's CUDA, or exit
    with what to do: without a matching nvcc the build fails after
    minutes, deep in a compiler log."""
    import re
    import subprocess

    import torch
    want = torch.version.cuda
    home = os.environ.get('CUDA_HOME') or os.environ.get('CUDA_PATH')
    nvcc = os.path.join(home, 'bin', 'nvcc') if home else shutil.which(
        'nvcc')
    if not nvcc or not os.path.exists(nvcc):
        sys.exit(
            f'build_mmcv_wheel: mmcv\'s CUDA ops need nvcc from a CUDA {want} '
            'toolkit (torch is a CUDA {0} build) and none was found (PATH, '
            'CUDA_HOME). Install the toolkit (e.g. `pip install '
            '"nvidia-cuda-nvcc-cu{1}"` or the system package) and set '
            'CUDA_HOME, or build the CPU ops with MMGRANET_MMCV_CUDA=0.'
            .format(want, want.split('.')[0]))
    out = subprocess.run([nvcc, '--version'], capture_output=True,
                         text=True).stdout
    found = re.search(r'release (\d+\.\d+)', out)
    found = found.group(1) if found else 'unknown'
    if found.split('.')[0] != want.split('.')[0]:
        sys.exit(f'build_mmcv_wheel: {nvcc} is CUDA {found}, torch '
                 f'{torch.__version__} needs CUDA {want}: install the '
                 'matching toolkit and point CUDA_HOME at it (or '
                 'MMGRANET_MMCV_CUDA=0 for the CPU ops)')
    return found


def cache_key(mmcv_version: str) -> str:
    import torch
    py_tag = 'cp{}{}'.format(*sys.version_info[:2])
    return (f'mmcv-{mmcv_version}_torch-{torch.__version__}_{py_tag}_'
            f'{sysconfig.get_platform()}_{build_variant()}')


def run(cmd, log_path, env=None, cwd=None, progress=False):
    """Run a command, keep its full output in a log, show progress lines."""
    start = time.time()
    with open(log_path, 'a') as log:
        log.write(f'\n$ {" ".join(cmd)}\n')
        log.flush()
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            env=env, cwd=cwd, text=True, bufsize=1)
        for line in proc.stdout:
            log.write(line)
            # ninja prints "[k/N] c++ ..." per compiled source
            match = re.match(r'\s*\[(\d+)/(\d+)\]', line) if progress else None
            if match:
                print(f'  [{match[1]}/{match[2]}] compiled, '
                      f'{time.time() - start:.0f} s', file=sys.stderr,
                      flush=True)
        proc.wait()
    if proc.returncode != 0:
        with open(log_path) as log:
            tail = log.readlines()[-40:]
        sys.stderr.write(''.join(tail))
        sys.exit(f'build_mmcv_wheel: `{" ".join(cmd[:4])} ...` failed '
                 f'(exit {proc.returncode}); full log: {log_path}')


def patch_cxx_standard(setup_py: str) -> int:
    with open(setup_py) as f:
        text = f.read()
    count = text.count('-std=c++17')
    if count == 0 and '-std=c++20' not in text:
        sys.exit(f'build_mmcv_wheel: no -std=c++17 flag found in {setup_py}; '
                 'the sdist changed, review the patch')
    with open(setup_py, 'w') as f:
        f.write(text.replace('-std=c++17', '-std=c++20'))
    return count


def build(version: str, dest_dir: str, jobs: int, debug_info: bool,
          log_path: str) -> str:
    work = tempfile.mkdtemp(prefix='mmcv-build-', dir=cache_root())
    try:
        print(f'build_mmcv_wheel: downloading the mmcv {version} sdist',
              file=sys.stderr, flush=True)
        run([sys.executable, '-m', 'pip', 'download', '--no-deps',
             '--no-binary', ':all:', '--no-build-isolation',
             f'mmcv=={version}', '-d', work], log_path)
        sdists = glob.glob(os.path.join(work, f'mmcv-{version}.tar.gz'))
        if not sdists:
            sys.exit(f'build_mmcv_wheel: pip left no mmcv-{version}.tar.gz '
                     f'in {work}; see {log_path}')
        with tarfile.open(sdists[0]) as tar:
            tar.extractall(work, filter='data')
        src = os.path.join(work, f'mmcv-{version}')
        patched = patch_cxx_standard(os.path.join(src, 'setup.py'))
        print(f'build_mmcv_wheel: patched {patched} -std=c++17 flags to '
              '-std=c++20 (torch 2.14 headers need C++20)', file=sys.stderr)

        env = dict(os.environ, MAX_JOBS=str(jobs))
        if not debug_info:
            env['CFLAGS'] = (env.get('CFLAGS', '') + ' -g0').strip()
            env['CXXFLAGS'] = (env.get('CXXFLAGS', '') + ' -g0').strip()
        variant = build_variant()
        if variant == 'cpu':
            env['FORCE_CUDA'] = '0'
            # mmcv looks at torch.cuda.is_available(); hide any GPU so an
            # explicit CPU request is honoured.
            env['CUDA_VISIBLE_DEVICES'] = ''
        else:
            env['FORCE_CUDA'] = '1'
            print(f'build_mmcv_wheel: nvcc {check_nvcc()} for torch\'s CUDA',
                  file=sys.stderr)
        print(f'build_mmcv_wheel: compiling mmcv {version} ops ({variant}, '
              f'MAX_JOBS={jobs}); this takes minutes on a small machine, '
              f'log: {log_path}', file=sys.stderr, flush=True)
        out = os.path.join(work, 'dist')
        run([sys.executable, '-m', 'pip', 'wheel', '-v', '--no-deps',
             '--no-build-isolation', '-w', out, src], log_path, env=env,
            cwd=src, progress=True)
        wheels = glob.glob(os.path.join(out, 'mmcv-*.whl'))
        if len(wheels) != 1:
            sys.exit(f'build_mmcv_wheel: expected one wheel in {out}, '
                     f'found {wheels}')
        # Publish atomically: a half-copied wheel must never look cached.
        staging = dest_dir + '.tmp'
        shutil.rmtree(staging, ignore_errors=True)
        os.makedirs(staging)
        shutil.move(wheels[0], staging)
        os.replace(staging, dest_dir)
        return glob.glob(os.path.join(dest_dir, '*.whl'))[0]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--version', default='2.1.0')
    parser.add_argument('--jobs', type=int, default=os.cpu_count() or 2)
    parser.add_argument('--debug-info', action='store_true',
                        help='keep -g (a much slower build, a larger wheel)')
    parser.add_argument('--rebuild', action='store_true',
                        help='ignore a cached wheel')
    args = parser.parse_args()

    root = cache_root()
    os.makedirs(os.path.join(root, 'wheels'), exist_ok=True)
    dest = os.path.join(root, 'wheels', cache_key(args.version))
    # One build at a time per cache; a second caller waits, then reuses it.
    with open(os.path.join(root, 'wheels', '.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        cached = glob.glob(os.path.join(dest, '*.whl'))
        if cached and not args.rebuild:
            print(f'build_mmcv_wheel: reusing cached {cached[0]}',
                  file=sys.stderr)
            print(cached[0])
            return
        shutil.rmtree(dest, ignore_errors=True)
        log_path = os.path.join(root, 'wheels',
                                os.path.basename(dest) + '.log')
        if os.path.exists(log_path):
            os.remove(log_path)
        start = time.time()
        wheel = build(args.version, dest, args.jobs, args.debug_info,
                      log_path)
        print(f'build_mmcv_wheel: built {wheel} in '
              f'{(time.time() - start) / 60:.1f} min', file=sys.stderr)
        print(wheel)


if __name__ == '__main__':
    main()
