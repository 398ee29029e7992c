"""Pseudo pairs: nearest-neighbour lesion swap and exact Poisson blending
(paper sections 2.2 and 2.3)."""
from .inpaint import inpaint_boxes, remove_opacity
from .neighbours import nearest_neighbours, tiny_image
from .poisson import poisson_blend, poisson_residual
from .swap import paste_boxes, pixel_boxes, pseudo_abnormal, pseudo_normal

__all__ = [
    'inpaint_boxes', 'nearest_neighbours', 'paste_boxes', 'pixel_boxes',
    'poisson_blend', 'poisson_residual', 'pseudo_abnormal', 'pseudo_normal',
    'remove_opacity', 'tiny_image'
]
