from .stn_aligner import STNAligner

__all__ = ['STNAligner']
