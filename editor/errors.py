"""Errors that reach the user: each names the file and what is wrong with it."""

from __future__ import annotations

import os


class StyleCutError(Exception):
    """A problem the user can act on. The CLI prints it on one line and exits 2.

    `path` is the file (or other named thing) at fault; `problem` says what is wrong.
    """

    def __init__(self, path: str | os.PathLike | None, problem: str):
        self.path = None if path is None else os.fspath(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}" if self.path else problem)


class MediaError(StyleCutError):
    """A media file cannot be opened, probed or decoded."""


class ProjectError(StyleCutError):
    """A project document is missing, corrupt, or from an unknown schema version."""


class PluginError(StyleCutError):
    """A plugin failed to load or to render."""


class Cancelled(Exception):
    """A long job (export, apply, training) was cancelled by its caller."""
