from .atomic import atomic_write
from .checkpoint import check_checkpoint, read_checkpoint
from .dicom import read_dicom, read_dicom_header, voi_window, write_dicom
from .errors import InputError, Problems
from .image import IMAGE_SUFFIXES, read_image
from .rsna_class_info import (LUNG_OPACITY, RSNA_IMAGE_CLASSES,
                              read_rsna_class_info)
from .rsna_labels import RSNA_LABELS_HEADER, read_rsna_labels
from .split_file import read_split_file
from .submission import (SUBMISSION_HEADER, as_submitted,
                         format_prediction_string, read_submission,
                         write_submission)

__all__ = [
    'as_submitted', 'atomic_write', 'check_checkpoint',
    'format_prediction_string', 'IMAGE_SUFFIXES', 'InputError',
    'LUNG_OPACITY', 'Problems', 'read_checkpoint', 'read_dicom', 'read_image',
    'read_dicom_header', 'read_rsna_class_info', 'read_rsna_labels',
    'read_split_file', 'read_submission',
    'RSNA_IMAGE_CLASSES', 'RSNA_LABELS_HEADER', 'SUBMISSION_HEADER',
    'voi_window', 'write_dicom', 'write_submission'
]
