import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_write(path: str, mode: str = 'w', **kwargs):
    """Open a temporary file beside ``path``; move it into place on success.

    A crash or an exception leaves any previous ``path`` untouched and no
    half-written file under its name.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=directory, prefix=f'.{os.path.basename(path)}.', suffix='.tmp')
    try:
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise
