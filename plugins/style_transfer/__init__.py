"""Neural style transfer: a learned style painted over clips, on desktop or phone runtimes."""

from .effect import StyleTransfer

PLUGINS = [StyleTransfer]

__all__ = ["StyleTransfer", "PLUGINS"]
