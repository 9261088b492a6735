"""Colour adjustment: brightness, contrast, saturation, tint, posterize, invert, 3D/1D LUT."""

from .effect import ColorAdjust

PLUGINS = [ColorAdjust]

__all__ = ["ColorAdjust", "PLUGINS"]
