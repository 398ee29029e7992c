from .aligners import STNAligner

__all__ = ['STNAligner']
