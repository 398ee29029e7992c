from .affine_align import AffineAlign, read_affines
from .augment import GaussianNoiseBlur, RandomAffineBoxes
from .boxes_to_masks import BoxesToMasks
from .generator_target import LoadGeneratorTarget
from .load_dicom_from_file import LoadDicomFromFile
from .pseudo_pair import PseudoPair

__all__ = ['AffineAlign', 'BoxesToMasks', 'GaussianNoiseBlur',
           'LoadDicomFromFile', 'LoadGeneratorTarget', 'PseudoPair',
           'RandomAffineBoxes', 'read_affines']
