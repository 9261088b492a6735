"""The one error type of style packs: a `StyleCutError` naming the pack and what is wrong."""

from __future__ import annotations

from editor.errors import StyleCutError


class PackError(StyleCutError):
    """A style pack cannot be written, read, verified or imported."""
