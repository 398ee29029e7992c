from .seresnext import SEResNeXt, convert_seresnext, detect_seresnext_source

__all__ = ['SEResNeXt', 'convert_seresnext', 'detect_seresnext_source']
