"""Pictures for people: an image tile with its boxes, tiles in a grid, a
PNG written atomically (the tools' and the offline stages' figures)."""
from .tiles import box_tile, grid, write_png

__all__ = ['box_tile', 'grid', 'write_png']
