"""The evaluation setting: the contract between the configs and the tools.

A setting is a data root in the RSNA layout, a work root, and a name
(``fold0``..``fold3``, ``holdout60``, ...). Its training patients are all
that anything learns from; its artifacts live under ``WORK/<name>/``;
the configs reach all of it through three environment variables
(``configs/_base_/datasets/rsna_detection.py``).
"""
import argparse
import os.path as osp
from dataclasses import dataclass
from typing import Dict


@dataclass(frozen=True)
class Setting:
    """Where a setting's data and artifacts are.

    Attributes:
        data_root (str): The RSNA-layout data (ends with '/').
        work_root (str): The pipeline's work root (ends with '/').
        name (str): e.g. 'fold0'.
    """
    data_root: str
    work_root: str
    name: str = 'fold0'

    def __post_init__(self):
        object.__setattr__(self, 'data_root',
                           self.data_root.rstrip('/') + '/')
        object.__setattr__(self, 'work_root',
                           self.work_root.rstrip('/') + '/')

    @property
    def artifacts(self) -> str:
        """``WORK/<name>/``: everything the pipeline made for it."""
        return f'{self.work_root}{self.name}/'

    @property
    def env(self) -> Dict[str, str]:
        """The environment variables the configs read."""
        return dict(MMGRANET_DATA_ROOT=self.data_root,
                    MMGRANET_WORK_ROOT=self.work_root,
                    MMGRANET_SETTING=self.name)

    def split_file(self, split: str) -> str:
        """The patients of 'train' or 'val'
        (tools/stages/make_rsna_splits.py)."""
        return osp.join(self.data_root, 'splits', f'{self.name}_{split}.txt')

    def with_name(self, name: str) -> 'Setting':
        return Setting(self.data_root, self.work_root, name)


def add_setting_args(parser: argparse.ArgumentParser,
                     data_root: str = 'data/mini-rsna/',
                     work_root: str = 'work_dirs/pipeline_mini/',
                     setting: str = 'fold0') -> None:
    """``--data-root``, ``--work-root`` and ``--setting`` (defaults: make
    demo's); :func:`setting_from_args` reads them back."""
    parser.add_argument('--data-root', default=data_root,
                        help=f'the RSNA-layout data (default {data_root})')
    parser.add_argument('--work-root', default=work_root,
                        help='the pipeline\'s work root, artifacts under '
                        f'WORK_ROOT/<setting>/ (default {work_root})')
    parser.add_argument('--setting', default=setting,
                        help=f'fold{{k}} or holdout{{n}} (default {setting})')


def setting_from_args(args: argparse.Namespace) -> Setting:
    return Setting(args.data_root, args.work_root, args.setting)


def add_artifact_args(parser: argparse.ArgumentParser) -> None:
    """The measurement tools' arguments: a mini-RSNA data root (with its
    ground truth), a setting's artifact dir and, optionally, its name;
    :func:`artifacts_from_args` reads them back."""
    parser.add_argument('data_root', help="mini-RSNA's layout: "
                        'normal_twins/{patientId}_twin.png, poses.csv, '
                        'test_labels.csv')
    parser.add_argument('--artifacts', required=True,
                        help="the setting's artifact dir (WORK/<setting>/)")
    parser.add_argument('--setting', help='default: the artifact dir name')


def artifacts_from_args(args: argparse.Namespace):
    """(artifact dir ending with '/', the setting's name)."""
    art = args.artifacts.rstrip('/') + '/'
    return art, args.setting or osp.basename(art.rstrip('/'))
