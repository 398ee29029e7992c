from .checkpoint_compat import (allow_mmengine_checkpoint_globals,
                                mmengine_checkpoint_globals)
from .dist_utils import init_cpu_dist_if_needed
from .setup_env import register_all_modules

__all__ = [
    'allow_mmengine_checkpoint_globals', 'init_cpu_dist_if_needed',
    'mmengine_checkpoint_globals', 'register_all_modules'
]
