"""Reading the repository's configs as a stage will run them, without
running them: which files a config inherits (they enter a stage's stamp),
the config itself under a setting's environment, the epochs it trains.

The configs reach a setting through ``{{$MMGRANET_*:default}}``
placeholders (``configs/_base_/datasets/rsna_detection.py``); a stage
gets them as environment variables. Here they are filled from the
``env`` given, then the process's environment, then the default, without
writing ``os.environ`` (the runner reads configs from several threads).
"""
import functools
import os
import os.path as osp
import re
import threading
from typing import Dict, List, Optional

from mmgranet.fileio import InputError

# mmengine's placeholder ({{$NAME:default}}, optionally quoted inside)
PLACEHOLDER = re.compile(r'\{\{[\'"]?\s*\$(\w+)\s*:\s*(\S*?)\s*[\'"]?\}\}')
# mmengine reads a ``mmdet::`` base through ``is_installed``, which
# reloads ``pkg_resources``: another thread's lookup then meets a
# Distribution of the old module (TypeError 'Expected str, Requirement,
# or Distribution'); ``warnings.catch_warnings`` is not thread-safe either
_FROMFILE = threading.Lock()


@functools.lru_cache(maxsize=None)
def repo_root() -> str:
    """The checkout whose ``tools/`` and ``configs/`` the stages run:
    ``$MMGRANET_REPO``, else the checkout this package was imported from
    (an editable install), else the current directory or the nearest
    parent holding ``tools/train.py`` (a non-editable install run from a
    checkout)."""
    here = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    candidates = [os.environ.get('MMGRANET_REPO'), here]
    cwd = osp.abspath(os.getcwd())
    while True:
        candidates.append(cwd)
        parent = osp.dirname(cwd)
        if parent == cwd:
            break
        cwd = parent
    for path in candidates:
        if path and osp.exists(osp.join(path, 'tools', 'train.py')):
            return path
    raise InputError('no mmgranet checkout (tools/train.py, configs/) '
                     'here or above, nor beside the installed package; '
                     'run from the checkout or set MMGRANET_REPO')


def config_files(config: str) -> List[str]:
    """A config and the repository configs it inherits from."""
    repo = repo_root()
    files, todo = [], [osp.normpath(config)]
    while todo:
        path = todo.pop()
        if path in files or not osp.exists(osp.join(repo, path)):
            continue
        files.append(path)
        with open(osp.join(repo, path)) as f:
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


def _substitute(value, env: Dict[str, str]):
    if isinstance(value, str):
        return PLACEHOLDER.sub(
            lambda m: env.get(m.group(1),
                              os.environ.get(m.group(1), m.group(2))), value)
    if isinstance(value, dict):
        for k in list(value.keys()):
            value[k] = _substitute(value[k], env)
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_substitute(v, env) for v in value)
    return value


def load_config(config: str, env: Optional[Dict[str, str]] = None,
                options: Optional[dict] = None):
    """A repository config as a stage reads it: with the setting's
    environment variables (``env``) and ``options`` (--cfg-options)."""
    import warnings

    from mmengine import Config
    with _FROMFILE, warnings.catch_warnings():
        warnings.simplefilter('ignore')
        cfg = Config.fromfile(osp.join(repo_root(), config),
                              use_environment_variables=False)
    plain = _substitute(cfg.to_dict(), dict(env or {}))
    cfg = Config(plain, filename=cfg.filename)
    cfg.merge_from_dict(options or {})
    return cfg


def counts_detector_epochs(cfg) -> bool:
    """Whether a config's loop counts detector epochs (GRANet's
    alternating loop) rather than epochs."""
    return cfg.train_cfg.get('detector_epochs') is not None


def config_epochs(config: str, env: Optional[Dict[str, str]] = None,
                  fast: bool = False, options: Optional[dict] = None) -> int:
    """The epochs a config trains (its last checkpoint's number), with
    ``options`` (--cfg-options) merged; with ``fast`` as the pipeline's
    --fast runs it (one epoch, or one detector epoch)."""
    from mmgranet.engine.loops.alternating_loop import epochs_for_detector
    cfg = load_config(config, env, options)
    train_cfg = cfg.train_cfg
    if counts_detector_epochs(cfg):
        return epochs_for_detector(1 if fast else train_cfg.detector_epochs,
                                   train_cfg.get('schedule', '2:2'))
    return 1 if fast else int(train_cfg.max_epochs)
