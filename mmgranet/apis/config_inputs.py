"""What a training config reads from disk, checked before anything is
built: a missing data root, split file, earlier stage's artifact or weight
file becomes one message that names each missing path and how to make it
(instead of a traceback from deep inside a dataset or an init)."""
import os.path as osp
from dataclasses import dataclass, replace
from typing import Iterator, List, Mapping, Optional

from mmgranet.fileio import InputError, check_checkpoint

# the dataset keys that hold files (under the dataset's data_root where
# its class joins them: _root_relative)
_DATASET_FILES = ('ann_file', 'split_file', 'class_info_file')
# transform keys -> the pipeline stage that writes them
_ARTIFACTS = dict(affine_file='align', neighbour_file='pairs',
                  target_root='targets')


@dataclass(frozen=True)
class ConfigInput:
    """One path a config reads.

    Attributes:
        path (str): The path as the config resolves it.
        what (str): What it is, in words.
        stage (str, optional): The pipeline stage that makes it.
        how (str, optional): How to get it where no stage makes it.
        checkpoint (bool): A torch checkpoint (checked for readability).
    """
    path: str
    what: str
    stage: Optional[str] = None
    how: Optional[str] = None
    checkpoint: bool = False


def _datasets(cfg: Mapping) -> Iterator[Mapping]:
    """A dataset config and the datasets it wraps (ConcatDataset,
    RepeatDataset, ...)."""
    if not isinstance(cfg, Mapping):
        return
    yield cfg
    for key in ('dataset', 'datasets'):
        inner = cfg.get(key)
        for d in (inner if isinstance(inner, (list, tuple)) else [inner]):
            yield from _datasets(d)


def _root_relative(dataset_type) -> tuple:
    """The keys of _DATASET_FILES that a dataset reads under its data_root:
    the class's ``DATA_ROOT_FILES`` (RSNADataset: all three), else
    mmengine's BaseDataset rule (``ann_file`` only; the cGAN and unpaired
    datasets read their split file as given)."""
    from mmengine.dataset import BaseDataset

    from mmgranet.registry import DATASETS
    cls = dataset_type
    if isinstance(dataset_type, str):
        try:
            cls = DATASETS.get(dataset_type)
        except Exception:  # an unknown type fails later, where it is built
            return ()
    if not isinstance(cls, type):
        return ()
    return getattr(cls, 'DATA_ROOT_FILES',
                   ('ann_file', ) if issubclass(cls, BaseDataset) else ())


def _model_inputs(node) -> Iterator[ConfigInput]:
    if isinstance(node, (list, tuple)):
        for n in node:
            yield from _model_inputs(n)
        return
    if not isinstance(node, Mapping):
        return
    if str(node.get('type', '')).split('.')[-1] == 'Pretrained' and \
            isinstance(node.get('checkpoint'), str):
        yield ConfigInput(node['checkpoint'], 'pretrained weights',
                          how='docs/rsna.md, "Weights": the download and '
                          'tools/model_converters/seresnext_to_mmpretrain.py',
                          checkpoint=True)
    for k, v in node.items():
        if k == 'generator_checkpoint' and isinstance(v, str):
            yield ConfigInput(v, 'Abn2Nor checkpoint (G)', stage='abn2nor',
                              checkpoint=True)
        elif k == 'vgg_weights' and isinstance(v, str) and v != 'imagenet':
            yield ConfigInput(v, 'VGG16 weights (the STN\'s perceptual '
                              'loss)', how='docs/rsna.md, "Weights"',
                              checkpoint=True)
        elif k == 'reference' and isinstance(v, str):
            yield ConfigInput(v, 'alignment reference image',
                              stage='reference')
        else:
            yield from _model_inputs(v)


def config_inputs(cfg: Mapping,
                  loaders=('train_dataloader', 'val_dataloader'),
                  model: bool = True) -> List[ConfigInput]:
    """Every path a config's datasets and pipelines (of ``loaders``) and,
    with ``model``, its model read."""
    found = []
    for loader in loaders:
        for ds in _datasets((cfg.get(loader) or {}).get('dataset')):
            root = ds.get('data_root')
            if isinstance(root, str) and root:
                found.append(ConfigInput(root, 'data root'))
            joined = _root_relative(ds.get('type'))
            for key in _DATASET_FILES:
                value = ds.get(key)
                if isinstance(value, str) and value:
                    path = osp.join(root, value) if key in joined and \
                        root and not osp.isabs(value) else value
                    found.append(ConfigInput(
                        path, key.replace('_', ' '),
                        stage='splits' if key == 'split_file' else None))
            for step in ds.get('pipeline') or ():
                for key, stage in _ARTIFACTS.items():
                    if isinstance(step, Mapping) and \
                            isinstance(step.get(key), str):
                        found.append(ConfigInput(
                            step[key], f'{step.get("type")} {key}', stage))
                if isinstance(step, Mapping) and \
                        step.get('type') == 'PseudoPair' and \
                        isinstance(step.get('data_root'), str):
                    found.append(ConfigInput(step['data_root'],
                                             'aligned images', 'align'))
    if model:
        found += list(_model_inputs(cfg.get('model') or {}))
    unique = {}
    for item in found:
        path = item.path if '://' in item.path else osp.normpath(item.path)
        unique.setdefault(path, replace(item, path=path))
    return list(unique.values())


def check_config_inputs(cfg: Mapping, config: str = 'the config',
                        loaders=('train_dataloader', 'val_dataloader'),
                        model: bool = True) -> None:
    """Raise one :class:`InputError` listing every missing input of
    ``cfg`` with how to make it; a checkpoint that exists must also be
    readable. When the data root itself is missing, that alone is said
    (everything under it is missing too).

    Args:
        cfg (Mapping): The loaded config.
        config (str): Its file, for the message.
        loaders (tuple): The dataloaders whose datasets are read.
        model (bool): Check the model's weight files too (a training
            initialises the model from them; a test loads a checkpoint).
    """
    inputs = config_inputs(cfg, loaders, model)
    # the preset that makes a config's artifacts: its data says which
    preset = 'mini' if 'mini-rsna' in osp.basename(config) else 'rsna'
    setting = cfg.get('setting', 'fold0')
    roots = [i for i in inputs if i.what == 'data root'
             and not osp.isdir(i.path)]
    if roots:
        root = roots[0].path
        raise InputError(
            f'{root}: no such data folder (the data root of {config}).\n'
            f'  The real data: the RSNA Pneumonia Detection Challenge stage '
            f'2 files in {root} (docs/rsna.md), or point '
            'MMGRANET_DATA_ROOT at your copy.\n'
            '  Without it: `python tools/run_pipeline.py --preset rsna '
            '--smoke` generates an RSNA-layout dataset at 1024 px with '
            'every stage\'s artifacts (docs/pipeline.md); `make demo` does '
            'the same on mini-RSNA with the mini configs.')
    missing = []
    for item in inputs:
        exists = osp.isdir(item.path) or osp.isfile(item.path) or \
            '://' in item.path
        if not exists:
            if item.stage:
                how = (f'made by the pipeline\'s {item.stage!r} stage: '
                       f'python tools/run_pipeline.py --preset {preset} '
                       f'--setting {setting} --until {item.stage}')
            else:
                how = item.how or 'see docs/data.md'
            missing.append(f'  {item.path}: no such {item.what}; {how}')
        elif item.checkpoint:
            check_checkpoint(item.path, item.what)
    if missing:
        raise InputError(f'{config} reads {len(missing)} missing '
                         'input(s):\n' + '\n'.join(missing))
