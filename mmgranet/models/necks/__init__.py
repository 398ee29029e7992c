from .residual_attention import (ResidualAttentionNeck, apply_attention,
                                 normalise_attention, resize_attention)

__all__ = ['ResidualAttentionNeck', 'apply_attention', 'normalise_attention',
           'resize_attention']
