from .granet_preprocessor import GRANetDataPreprocessor

__all__ = ['GRANetDataPreprocessor']
