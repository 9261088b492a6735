"""The editing and transport actions with the shortcuts editors share.

Space play/pause; J reverse, K stop, L forward (again: faster); Left/Right a frame; I/O set
the in and out marks; S split at the playhead; Delete remove, Shift+Delete ripple delete;
Ctrl+Z undo, Ctrl+Shift+Z redo; = and - zoom. Every edit is a core command.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from editor.core import commands as cmd


class EditActions:
    def __init__(self, window, controller, viewer, timeline_view):
        self.window, self.controller, self.viewer, self.view = window, controller, viewer, timeline_view
        self.actions: dict[str, QAction] = {}
        add = self._add
        add("play", "Play / Pause", "Space", viewer.toggle_play)
        add("reverse", "Play backwards", "J", self.reverse)
        add("stop", "Stop", "K", viewer.pause)
        add("forward", "Play forwards (again: faster)", "L", self.forward)
        add("prev", "Previous frame", "Left", lambda: viewer.step(-1))
        add("next", "Next frame", "Right", lambda: viewer.step(1))
        add("mark_in", "Mark in", "I", lambda: self.mark("in"))
        add("mark_out", "Mark out", "O", lambda: self.mark("out"))
        add("split", "Split at playhead", "S", self.split)
        add("delete", "Delete", QKeySequence(Qt.Key.Key_Delete), self.delete)
        add("ripple", "Ripple delete", "Shift+Delete", self.ripple_delete)
        add("undo", "Undo", "Ctrl+Z", controller.undo)
        add("redo", "Redo", "Ctrl+Shift+Z", controller.redo)
        add("select_all", "Select all clips", "Ctrl+A",
            lambda: controller.set_selection([c.id for _, c in controller.project.clips()]))
        add("zoom_in", "Zoom in", "=", lambda: timeline_view.zoom_by(1.5))
        add("zoom_out", "Zoom out", "-", lambda: timeline_view.zoom_by(1 / 1.5))
        controller.changed.connect(self._sync)
        self._sync()

    def _add(self, name, text, keys, slot) -> QAction:
        action = QAction(text, self.window)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda checked=False: slot())
        self.window.addAction(action)
        self.actions[name] = action
        return action

    def _sync(self) -> None:
        stack = self.controller.stack
        self.actions["undo"].setEnabled(stack.can_undo)
        self.actions["redo"].setEnabled(stack.can_redo)
        self.actions["undo"].setText(f"Undo {stack.undo_label}" if stack.can_undo else "Undo")
        self.actions["redo"].setText(f"Redo {stack.redo_label}" if stack.can_redo else "Redo")

    # ---- transport

    def forward(self) -> None:
        v = self.viewer
        speed = min(v.speed * 2, 8.0) if v.playing and not v._reverse else 1.0
        v.play(speed)

    def reverse(self) -> None:
        v = self.viewer
        speed = min(v.speed * 2, 8.0) if v.playing and v._reverse else 1.0
        v.play(speed, reverse=True)

    def mark(self, which: str) -> None:
        c = self.controller
        c.marks[which] = c.playhead
        if c.marks.get("in") is not None and c.marks.get("out") is not None and c.marks["out"] <= c.marks["in"]:
            c.marks["in" if which == "out" else "out"] = None
        self.view.viewport().update()

    # ---- edits

    def _targets(self) -> list:
        c = self.controller
        if c.selection:
            return list(c.selection)
        clip = c.clip_at_playhead()
        return [clip.id] if clip else []

    def split(self) -> None:
        c = self.controller
        t = c.playhead
        ids = [cid for cid in self._targets() if c.project.find_clip(cid)[1].start < t < c.project.find_clip(cid)[1].end]
        if not ids:
            # Nothing selected under the playhead: split every clip there.
            ids = [clip.id for _, clip in c.project.clips() if clip.start < t < clip.end]
        if not ids:
            c.error.emit("nothing to split at the playhead")
            return
        try:
            with c.stack.group("Split clip" if len(ids) == 1 else "Split clips"):
                for cid in ids:
                    c.stack.execute(cmd.SplitClip(cid, t))
        except Exception as exc:
            c.error.emit(str(exc))

    def delete(self) -> None:
        self._remove(cmd.RemoveClip, "Remove clip")

    def ripple_delete(self) -> None:
        self._remove(cmd.RippleDelete, "Ripple delete")

    def _remove(self, command, label) -> None:
        c = self.controller
        ids = list(c.selection)
        if not ids:
            return
        try:
            with c.stack.group(label if len(ids) == 1 else label + f" ({len(ids)} clips)"):
                # Later clips first, so a ripple does not move the clips still to delete.
                for cid in sorted(ids, key=lambda i: c.project.find_clip(i)[1].start, reverse=True):
                    c.stack.execute(command(cid))
        except Exception as exc:
            c.error.emit(str(exc))
