from .affine_align import AffineAlign, read_affines
from .load_dicom_from_file import LoadDicomFromFile
from .pseudo_pair import PseudoPair

__all__ = ['AffineAlign', 'LoadDicomFromFile', 'PseudoPair', 'read_affines']
