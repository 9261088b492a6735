"""The open project as the UI sees it: the core's project, its undo stack and its file.

Widgets read `project` and change it only through `execute` (a core command) or `undo`/`redo`.
`changed` fires after every edit, undo, redo and save, so views repaint from the model; they
keep no copy of it. The playhead and the selection are view state and live here too, so every
panel agrees on them.
"""

from __future__ import annotations

import copy
import os
from fractions import Fraction

from PySide6.QtCore import QObject, Signal

from editor.core import commands as cmd
from editor.core.project import document
from editor.core.project.model import Project, Settings, Track, new_id
from editor.errors import StyleCutError


def empty_project(name: str = "Untitled") -> Project:
    """A new project with one audio track under one video track (editors draw video on top)."""
    return Project(Settings(), [Track(new_id("track"), "audio"), Track(new_id("track"), "video")], name)


class ProjectController(QObject):
    changed = Signal()                # the model changed (edit, undo, redo, load)
    cleanChanged = Signal(bool)       # saved state reached or left
    playheadChanged = Signal(object)  # Fraction seconds
    selectionChanged = Signal(list)   # clip ids
    pathChanged = Signal(str)
    error = Signal(str)               # a refused edit or failed action, for the status bar

    def __init__(self, project: Project | None = None, path: str | None = None, parent=None):
        super().__init__(parent)
        self.project = project or empty_project()
        self.path = path
        self.stack = cmd.UndoStack(self.project, self._on_stack)
        self.playhead = Fraction(0)
        self.selection: list[str] = []
        self.marks: dict[str, Fraction | None] = {"in": None, "out": None}  # I/O marks, view state
        self._was_clean = True
        self._unsaved_on_open = False
        self._generation = 0

    # ---- model life

    @property
    def generation(self) -> int:
        """Grows by one on every change; workers use it to drop stale results."""
        return self._generation

    def replace_project(self, project: Project, path: str | None, clean: bool = True) -> None:
        """Open another project (new, loaded or recovered) in place of the current one."""
        self.project = project
        self.path = path
        self.stack = cmd.UndoStack(project, self._on_stack)
        # A recovered project is not what is on disk: it stays unsaved until it is saved,
        # whatever is undone.
        self._unsaved_on_open = not clean
        self.selection = []
        self.playhead = Fraction(0)
        self.marks = {"in": None, "out": None}
        self._generation += 1
        self._was_clean = self.is_clean
        self.changed.emit()
        self.cleanChanged.emit(self.is_clean)
        self.selectionChanged.emit([])
        self.playheadChanged.emit(self.playhead)
        self.pathChanged.emit(path or "")

    def open(self, path: str) -> None:
        project = document.load(path)
        self.replace_project(project, os.path.abspath(path))

    def save(self, path: str | None = None) -> str:
        path = path or self.path
        if not path:
            raise StyleCutError(None, "the project has no file yet: use Save As")
        document.save(self.project, path)
        self.path = os.path.abspath(path)
        self._unsaved_on_open = False
        self.stack.mark_clean()
        self.pathChanged.emit(self.path)
        return self.path

    def snapshot(self) -> Project:
        """A deep copy for a worker thread, which must never read the live model."""
        return copy.deepcopy(self.project)

    # ---- edits

    def execute(self, command: cmd.Command) -> bool:
        """Run a core command; a refused edit is reported on `error` and changes nothing."""
        try:
            self.stack.execute(command)
        except StyleCutError as exc:
            self.error.emit(str(exc))
            return False
        return True

    def undo(self) -> None:
        if self.stack.can_undo:
            self.stack.undo()

    def redo(self) -> None:
        if self.stack.can_redo:
            self.stack.redo()

    def undo_to(self, steps_done: int) -> None:
        """Undo or redo until `steps_done` steps of the history are applied."""
        while len(self.stack.labels) > steps_done and self.stack.can_undo:
            self.stack.undo()
        while len(self.stack.labels) < steps_done and self.stack.can_redo:
            self.stack.redo()

    def _on_stack(self, stack) -> None:
        self._generation += 1
        # Drop selected clips that an undo removed.
        live = [c for c in self.selection if self.project.find_clip(c) is not None]
        if live != self.selection:
            self.selection = live
            self.selectionChanged.emit(live)
        self.changed.emit()
        if self.is_clean != self._was_clean:
            self._was_clean = self.is_clean
            self.cleanChanged.emit(self.is_clean)

    # ---- view state

    def set_playhead(self, t) -> None:
        fps = self.project.settings.fps
        t = max(Fraction(0), Fraction(t))
        t = Fraction(round(t * fps)) / fps  # the playhead sits on frame starts
        end = self.project.duration
        if end > 0:
            t = min(t, Fraction(max(self.project.frame_count - 1, 0)) / fps)
        if t != self.playhead:
            self.playhead = t
            self.playheadChanged.emit(t)

    @property
    def frame(self) -> int:
        return round(self.playhead * self.project.settings.fps)

    def set_selection(self, clip_ids: list[str]) -> None:
        clip_ids = [c for c in clip_ids if self.project.find_clip(c) is not None]
        if clip_ids != self.selection:
            self.selection = clip_ids
            self.selectionChanged.emit(list(clip_ids))

    def selected_clip(self):
        """The first selected clip (what the inspector shows), or None."""
        for clip_id in self.selection:
            found = self.project.find_clip(clip_id)
            if found:
                return found[1]
        return None

    def clip_at_playhead(self):
        from editor.core.timeline import top_video_clip

        hit = top_video_clip(self.project, self.playhead)
        return hit.clip if hit else None

    @property
    def is_clean(self) -> bool:
        return self.stack.is_clean and not self._unsaved_on_open

    def title(self) -> str:
        name = os.path.basename(self.path) if self.path else self.project.name
        return f"{name}{'' if self.is_clean else ' *'} - StyleCut"
