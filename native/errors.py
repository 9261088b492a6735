"""Errors raised by the native runtime binding and the ONNX converter.

Both are `StyleCutError`s, so the CLI prints them on one line naming the file at fault.
"""

from __future__ import annotations

from editor.errors import StyleCutError


class NativeModelError(StyleCutError):
    """A native model file is missing, truncated, corrupt, or from another format version."""


class NativeRunError(StyleCutError):
    """The runtime refused an input (wrong shape, dtype, size too small) or failed while running."""


class ConvertError(StyleCutError):
    """An ONNX model cannot be turned into a native model (unsupported op, bad graph)."""
