"""mmgranet: GRANet (generative residual attention) for chest X-ray
detection, on MMDetection 3.x, MMEngine and MMagic."""
import mmdet
import mmengine
from mmengine.utils import digit_version

from .utils.checkpoint_compat import allow_mmengine_checkpoint_globals
from .version import __version__, version_info

# The stack this release is tested with; mmdet checks mmcv itself.
_MMENGINE_RANGE = ('0.10.0', '0.11.0')
_MMDET_RANGE = ('3.3.0', '3.4.0')


def _check_version(name: str, version: str, lo: str, hi: str) -> None:
    if not digit_version(lo) <= digit_version(version) < digit_version(hi):
        raise ImportError(f'mmgranet {__version__} needs {lo} <= {name} < '
                          f'{hi}, found {version}; run `make setup`')


_check_version('mmengine', mmengine.__version__, *_MMENGINE_RANGE)
_check_version('mmdet', mmdet.__version__, *_MMDET_RANGE)

# Resume and load_from must work under torch >= 2.6 (weights-only loading).
allow_mmengine_checkpoint_globals()

# Nothing else is imported here: the registries import the modules that
# hold registered classes (their ``locations``) when first searched, as in
# MMYOLO; ``register_all_modules()`` imports them all at once.
from .utils import register_all_modules  # noqa: E402

__all__ = ['__version__', 'version_info', 'register_all_modules']
