from .pretrained_or_warn import PretrainedOrWarnInit

__all__ = ['PretrainedOrWarnInit']
