from .cgan_pair_dataset import CGANPairDataset
from .rsna_dataset import RSNADataset
from .rsna_splits import make_rsna_splits, write_rsna_splits
from .transforms import (AffineAlign, BoxesToMasks, GaussianNoiseBlur,
                         LoadDicomFromFile, LoadGeneratorTarget, PseudoPair,
                         RandomAffineBoxes, read_affines)
from .unpaired_cxr_dataset import UnpairedCXRDataset

__all__ = [
    'AffineAlign', 'BoxesToMasks', 'CGANPairDataset', 'GaussianNoiseBlur',
    'LoadDicomFromFile', 'RandomAffineBoxes',
    'LoadGeneratorTarget', 'PseudoPair',
    'RSNADataset', 'UnpairedCXRDataset', 'make_rsna_splits', 'read_affines',
    'write_rsna_splits'
]
