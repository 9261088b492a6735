"""Errors of the device emulation: each names the file (or profile) and what is wrong."""

from __future__ import annotations

from editor.errors import StyleCutError


class NetworkFormatError(StyleCutError):
    """A network description (.param, ONNX, native model) cannot be read or costed."""


class ProfileError(StyleCutError):
    """A device profile is unknown, or the profiles file is missing or malformed."""
