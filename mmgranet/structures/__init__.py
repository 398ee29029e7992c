"""Geometry on the ground floor: affine matrices and the boxes they move
(used from the transforms, the aligner, the metric and the tools), and
the fusion of several predictions' boxes of one image."""
from .affine import (BOX_SHAPE_Q, check_affine, compose, invert_affine,
                     pixel_to_theta, scale_affine, theta_to_pixel,
                     transform_boxes, transform_boxes_minmax, transform_points,
                     untransform_boxes)
from .box_fusion import FUSIONS, fuse

__all__ = [
    'BOX_SHAPE_Q', 'FUSIONS', 'check_affine', 'compose', 'fuse',
    'invert_affine', 'pixel_to_theta', 'scale_affine', 'theta_to_pixel',
    'transform_boxes', 'transform_boxes_minmax', 'transform_points',
    'untransform_boxes'
]
