"""mmgranet's registries: children of MMEngine's root registries, in the
scope 'mmgranet' (the MMYOLO layout).

Why children of the root and not of mmdet's registries: mmengine resolves a
scope prefix (``mmgranet.X``, ``mmdet.Y``, ``mmagic.Z``) only among the
root's direct children, and some lookups go to the root directly (the
Runner looks up ``model_wrapper_cfg.type`` there). As a child of mmdet,
``mmgranet.X`` would be unreachable from those places and from every other
scope. The price: in an mmgranet-scoped config, mmdet's types carry their
prefix (``mmdet.RetinaHead``, ``mmdet.LoadAnnotations`` - unprefixed,
``LoadAnnotations`` would silently be mmcv's), exactly as in MMYOLO; config
fragments inherited with ``_base_ = 'mmdet::...'`` keep mmdet's scope by
themselves. mmengine imports ``<scope>.registry`` on demand, so
``mmagic.ResnetGenerator`` or ``mmpretrain.SEResNeXt`` work without imports.

``locations`` lists the modules that hold registered classes, so a registry
imports them the first time it is searched.
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import \
    RUNNER_CONSTRUCTORS as MMENGINE_RUNNER_CONSTRUCTORS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import \
    WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

SCOPE = 'mmgranet'

RUNNERS = Registry(
    'runner', parent=MMENGINE_RUNNERS, scope=SCOPE,
    locations=['mmgranet.engine'])
RUNNER_CONSTRUCTORS = Registry(
    'runner constructor', parent=MMENGINE_RUNNER_CONSTRUCTORS, scope=SCOPE,
    locations=['mmgranet.engine'])
LOOPS = Registry(
    'loop', parent=MMENGINE_LOOPS, scope=SCOPE, locations=['mmgranet.engine'])
HOOKS = Registry(
    'hook', parent=MMENGINE_HOOKS, scope=SCOPE, locations=['mmgranet.engine'])
LOG_PROCESSORS = Registry(
    'log_processor', parent=MMENGINE_LOG_PROCESSORS, scope=SCOPE,
    locations=['mmgranet.engine'])

DATASETS = Registry(
    'dataset', parent=MMENGINE_DATASETS, scope=SCOPE,
    locations=['mmgranet.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMENGINE_DATA_SAMPLERS, scope=SCOPE,
    locations=['mmgranet.datasets'])
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, scope=SCOPE,
    locations=['mmgranet.datasets'])

MODELS = Registry(
    'model', parent=MMENGINE_MODELS, scope=SCOPE,
    locations=['mmgranet.models'])
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMENGINE_MODEL_WRAPPERS, scope=SCOPE,
    locations=['mmgranet.engine'])
WEIGHT_INITIALIZERS = Registry(
    'weight initializer', parent=MMENGINE_WEIGHT_INITIALIZERS, scope=SCOPE,
    locations=['mmgranet.models'])
TASK_UTILS = Registry(
    'task util', parent=MMENGINE_TASK_UTILS, scope=SCOPE,
    locations=['mmgranet.models'])

OPTIMIZERS = Registry(
    'optimizer', parent=MMENGINE_OPTIMIZERS, scope=SCOPE,
    locations=['mmgranet.engine'])
OPTIM_WRAPPERS = Registry(
    'optim_wrapper', parent=MMENGINE_OPTIM_WRAPPERS, scope=SCOPE,
    locations=['mmgranet.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, scope=SCOPE,
    locations=['mmgranet.engine'])
PARAM_SCHEDULERS = Registry(
    'parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS, scope=SCOPE,
    locations=['mmgranet.engine'])

METRICS = Registry(
    'metric', parent=MMENGINE_METRICS, scope=SCOPE,
    locations=['mmgranet.evaluation'])
EVALUATOR = Registry(
    'evaluator', parent=MMENGINE_EVALUATOR, scope=SCOPE,
    locations=['mmgranet.evaluation'])

VISUALIZERS = Registry(
    'visualizer', parent=MMENGINE_VISUALIZERS, scope=SCOPE)
VISBACKENDS = Registry(
    'vis_backend', parent=MMENGINE_VISBACKENDS, scope=SCOPE)
