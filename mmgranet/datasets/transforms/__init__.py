from .load_dicom_from_file import LoadDicomFromFile
from .pseudo_pair import PseudoPair

__all__ = ['LoadDicomFromFile', 'PseudoPair']
