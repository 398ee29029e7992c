"""Checkpoints as input: a missing, truncated or foreign file is an
:class:`InputError` that names it, never a pickle or zip traceback."""
import os.path as osp
import zipfile
from typing import Any

from .errors import InputError


def check_checkpoint(path: str, what: str = 'checkpoint',
                     made_by: str = '') -> None:
    """Cheaply check that ``path`` is a readable torch checkpoint.

    ``torch.save`` writes a zip archive; its directory sits at the end of
    the file, so a truncated or overwritten file fails here without
    loading any tensor. Files in torch's legacy (non-zip) format are
    loaded once instead.

    Args:
        path (str): The file (a URL is left to the loader).
        what (str): What it should be, for the message.
        made_by (str): How to make it, for the message.

    Raises:
        InputError: Naming the file and the problem.
    """
    if '://' in path:
        return
    how = f' ({made_by})' if made_by else ''
    if not osp.isfile(path):
        raise InputError(f'{path}: no such {what}{how}')
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as z:
                names = z.namelist()
        except (zipfile.BadZipFile, OSError) as e:
            raise InputError(f'{path}: not a readable {what} '
                             f'({type(e).__name__}: {e}){how}') from None
        if not any(n.endswith('data.pkl') for n in names):
            raise InputError(f'{path}: a zip file but not a torch {what} '
                             f'(no data.pkl){how}')
        return
    read_checkpoint(path, what, made_by)


def read_checkpoint(path: str, what: str = 'checkpoint',
                    made_by: str = '', map_location: str = 'cpu') -> Any:
    """Load a checkpoint with mmengine (local file or URL, weights-only
    where mmgranet allows it); any failure is an :class:`InputError`
    naming the file."""
    from mmengine.runner.checkpoint import _load_checkpoint
    how = f' ({made_by})' if made_by else ''
    if '://' not in path and not osp.isfile(path):
        raise InputError(f'{path}: no such {what}{how}')
    try:
        return _load_checkpoint(path, map_location=map_location,
                                logger='silent')
    except Exception as e:  # torch, pickle, zip, EOF and URL errors
        raise InputError(f'{path}: not a readable {what} '
                         f'({type(e).__name__}: {e}){how}') from None
