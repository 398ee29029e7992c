"""Registered datasets of mmgranet; filled by the stages that need them."""

__all__: list = []
