from .mini_rsna import CLASSES, make_mini_rsna, read_poses
from .phantom import Anatomy, Opacity, Patient, Pose, render_patient

__all__ = [
    'Anatomy', 'CLASSES', 'Opacity', 'Patient', 'Pose', 'make_mini_rsna',
    'read_poses', 'render_patient'
]
