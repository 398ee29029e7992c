from .cgan_pair_dataset import CGANPairDataset
from .dicom import read_dicom, read_dicom_header, voi_window
from .rsna_dataset import RSNADataset
from .rsna_splits import make_rsna_splits, read_split_file, write_rsna_splits
from .transforms import (AffineAlign, BoxesToMasks, LoadDicomFromFile,
                         LoadGeneratorTarget, PseudoPair, read_affines)

__all__ = [
    'AffineAlign', 'BoxesToMasks', 'CGANPairDataset', 'LoadDicomFromFile',
    'LoadGeneratorTarget', 'PseudoPair',
    'RSNADataset', 'make_rsna_splits', 'read_affines', 'read_dicom',
    'read_dicom_header', 'read_split_file', 'voi_window', 'write_rsna_splits'
]
