from .dicom_writer import write_dicom
from .mini_rsna import CLASSES, make_mini_rsna
from .phantom import Anatomy, Opacity, Patient, Pose, render_patient

__all__ = [
    'Anatomy', 'CLASSES', 'Opacity', 'Patient', 'Pose', 'make_mini_rsna',
    'render_patient', 'write_dicom'
]
