"""Project life: new, open, save, save as, recent projects, autosave and crash recovery.

Autosave writes the project every minute, when it has unsaved changes, to a side file: beside
the project file (`name.stylecut.json.autosave`) or, for a project never saved, in the app's
data folder. The side files of the running app are listed in the settings; a clean exit
removes them and their entries. Entries still listed on the next start belong to a run that
did not end cleanly: the app offers to recover them (the recovered project opens with unsaved
changes, under its original file name, so nothing is overwritten until the user saves).

Settings (QSettings) hold the recent projects and the autosave list; tests pass their own.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox

from editor.core.project import document
from editor.core.project.document import PROJECT_SUFFIX
from editor.errors import StyleCutError

from .controller import empty_project

AUTOSAVE_MS = 60_000
MAX_RECENT = 8
AUTOSAVE_SUFFIX = ".autosave"
PROJECT_FILTER = f"StyleCut projects (*{PROJECT_SUFFIX} *.json);;All files (*)"


def data_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    path = Path(base or Path.home() / ".local" / "share" / "stylecut")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _write_atomic(path: str, text: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".autosave.", suffix=".part")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class ProjectLife(QObject):
    recentChanged = Signal(list)
    autosaved = Signal(str)

    def __init__(self, window, controller, settings: QSettings | None = None, autosave_ms: int = AUTOSAVE_MS,
                 autosave_dir: str | None = None):
        super().__init__(window)
        self.window, self.controller = window, controller
        self.settings = settings or QSettings()
        self.autosave_dir = autosave_dir
        # The user's answer to "save changes?": "save", "discard" or "cancel". Replaceable so
        # scripted runs can answer without a dialog.
        self.ask_unsaved = self._ask_unsaved_dialog
        self.show_dialogs = True   # False: problems go to the status line only
        self.timer = QTimer(self)
        self.timer.setInterval(autosave_ms)
        self.timer.timeout.connect(self.autosave)
        self.timer.start()
        self._own_autosave: str | None = None

    # ---- recent projects

    def recent(self) -> list[str]:
        value = self.settings.value("recent", [])
        if isinstance(value, str):
            value = [value]
        return [p for p in (value or []) if p]

    def _remember(self, path: str) -> None:
        path = os.path.abspath(path)
        items = [path] + [p for p in self.recent() if p != path]
        self.settings.setValue("recent", items[:MAX_RECENT])
        self.settings.sync()
        self.recentChanged.emit(items[:MAX_RECENT])

    # ---- file actions

    def confirm_discard(self) -> bool:
        """True when it is fine to drop the open project (saved, or the user said so)."""
        if self.controller.is_clean:
            return True
        answer = self.ask_unsaved()
        if answer == "save":
            return self.save()
        return answer == "discard"

    def new(self) -> bool:
        if not self.confirm_discard():
            return False
        self._drop_autosave()
        self.controller.replace_project(empty_project(), None)
        return True

    def open(self, path: str | None = None) -> bool:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.window, "Open project", "", PROJECT_FILTER)
            if not path:
                return False
        if not self.confirm_discard():
            return False
        try:
            self.controller.open(path)
        except StyleCutError as exc:
            self._report("Cannot open the project", str(exc))
            return False
        self._drop_autosave()
        self._remember(path)
        offline = document.offline_clips(self.controller.project)
        if offline:
            self.controller.error.emit(f"{len(offline)} clip(s) offline: " + "; ".join(str(o) for o in offline[:3]))
        return True

    def save(self) -> bool:
        if not self.controller.path:
            return self.save_as()
        return self._save_to(self.controller.path)

    def save_as(self, path: str | None = None) -> bool:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self.window, "Save project as",
                                                  self.controller.project.name + PROJECT_SUFFIX, PROJECT_FILTER)
            if not path:
                return False
            if not path.endswith(".json"):
                path += PROJECT_SUFFIX
        return self._save_to(path)

    def _save_to(self, path: str) -> bool:
        try:
            self.controller.save(path)
        except (StyleCutError, OSError) as exc:
            self._report("Cannot save the project", str(exc))
            return False
        self._drop_autosave()
        self._remember(path)
        self.controller.error.emit(f"saved {path}")
        return True

    # ---- autosave and recovery

    def autosave_path(self) -> str:
        if self.controller.path:
            return self.controller.path + AUTOSAVE_SUFFIX
        folder = Path(self.autosave_dir) if self.autosave_dir else data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder / f"untitled-{os.getpid()}{PROJECT_SUFFIX}{AUTOSAVE_SUFFIX}")

    def _pending(self) -> dict:
        raw = self.settings.value("autosave/pending", "{}")
        try:
            data = json.loads(raw) if isinstance(raw, str) else {}
        except ValueError:
            data = {}
        return data if isinstance(data, dict) else {}

    def _set_pending(self, data: dict) -> None:
        self.settings.setValue("autosave/pending", json.dumps(data))
        self.settings.sync()

    def autosave(self) -> str | None:
        """Write the side file if there are unsaved changes; returns its path."""
        if self.controller.is_clean:
            return None
        path = self.autosave_path()
        if self._own_autosave and self._own_autosave != path:
            self._drop_autosave()
        try:
            _write_atomic(path, document.dumps(self.controller.project))
        except OSError as exc:
            self.controller.error.emit(f"{path}: autosave failed: {exc.strerror or exc}")
            return None
        pending = self._pending()
        pending[path] = self.controller.path or ""
        self._set_pending(pending)
        self._own_autosave = path
        self.autosaved.emit(path)
        return path

    def _drop_autosave(self) -> None:
        path, self._own_autosave = self._own_autosave, None
        if path is None:
            return
        try:
            os.remove(path)
        except OSError:
            pass
        pending = self._pending()
        pending.pop(path, None)
        self._set_pending(pending)

    def recoverable(self) -> list[tuple[str, str]]:
        """(side file, original project file or "") left by runs that did not end cleanly."""
        return [(side, original) for side, original in self._pending().items()
                if side != self._own_autosave and os.path.isfile(side)]

    def recover(self, side: str, original: str = "") -> bool:
        """Open a side file as the current project, with unsaved changes, under its original name."""
        try:
            project = document.load(side)
        except StyleCutError as exc:
            self._report("Cannot recover the project", str(exc))
            return False
        self.controller.replace_project(project, original or None, clean=False)
        pending = self._pending()
        pending.pop(side, None)
        self._set_pending(pending)
        self._own_autosave = None
        try:
            os.remove(side)
        except OSError:
            pass
        # Write it again under this run's name right away, so a second crash loses nothing.
        self.autosave()
        return True

    def offer_recovery(self) -> bool:
        """On start: ask about each side file a crashed run left; returns True if one opened."""
        for side, original in self.recoverable():
            name = original or "an unsaved project"
            answer = QMessageBox.question(self.window, "Recover unsaved changes",
                                          f"StyleCut did not close cleanly. Recover the unsaved changes to {name}?")
            if answer == QMessageBox.StandardButton.Yes:
                return self.recover(side, original)
            self.discard_recovery(side)
        return False

    def discard_recovery(self, side: str) -> None:
        pending = self._pending()
        pending.pop(side, None)
        self._set_pending(pending)
        try:
            os.remove(side)
        except OSError:
            pass

    def clean_exit(self) -> None:
        """The app is closing normally: its side file goes."""
        self.timer.stop()
        self._drop_autosave()

    # ---- dialogs

    def _ask_unsaved_dialog(self) -> str:
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved changes",
                          f"Save the changes to {os.path.basename(self.controller.path or self.controller.project.name)}?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self.window)
        answer = box.exec()
        return {QMessageBox.StandardButton.Save: "save", QMessageBox.StandardButton.Discard: "discard"}.get(
            QMessageBox.StandardButton(answer), "cancel")

    def _report(self, title: str, text: str) -> None:
        self.controller.error.emit(text)
        if self.show_dialogs and self.window.isVisible():
            QMessageBox.warning(self.window, title, text)
