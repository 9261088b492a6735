"""The video export dialog: preset, range, progress with time left, cancel.

The export runs the core's `export` in a worker thread on a snapshot of the project, so the
editor stays usable (and editable) while it encodes; the progress callback, the cancel flag
and the time range between the in and out marks are the core's own.
"""

from __future__ import annotations

import os
import threading
import time

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QProgressBar, QPushButton, QRadioButton, QVBoxLayout)

from editor.core.export import export
from editor.core.presets import DEFAULT_PRESET, PRESETS
from editor.errors import Cancelled, StyleCutError


def time_left(done: int, total: int, elapsed: float) -> str:
    if done <= 0 or total <= 0:
        return "estimating..."
    seconds = elapsed / done * (total - done)
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}:{secs:02d} left"


class ExportJob(QObject):
    """One export in a worker thread; signals arrive on the UI thread."""

    progress = Signal(int, int)       # frames done, total
    finished = Signal(object)         # ExportResult
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, project, out_path: str, preset: str, pool=None, registry=None, start=None, end=None):
        super().__init__()
        self.project, self.out_path, self.preset = project, out_path, preset
        self.start_time, self.end_time = start, end   # the timeline range; None: its own ends
        self.pool, self.registry = pool, registry
        self._cancel = threading.Event()
        self.started_at = 0.0
        self.done = 0
        self.total = 0
        self.thread = threading.Thread(target=self._run, name="stylecut-export", daemon=True)

    def start(self) -> None:
        self.started_at = time.perf_counter()
        self.thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def running(self) -> bool:
        return self.thread.is_alive()

    def _on_progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        self.progress.emit(done, total)

    def _run(self) -> None:
        try:
            result = export(self.project, self.out_path, self.preset, progress=self._on_progress,
                            cancel=self._cancel.is_set, registry=self.registry,
                            start=self.start_time, end=self.end_time)
        except Cancelled:
            self.cancelled.emit()
        except StyleCutError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # an encoder failure must reach the user, not kill the app
            self.failed.emit(f"{self.out_path}: export failed: {type(exc).__name__}: {exc}")
        else:
            self.finished.emit(result)


class ExportDialog(QDialog):
    def __init__(self, controller, registry=None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Export video")
        self.controller, self.registry = controller, registry
        self.job: ExportJob | None = None
        self.result = None
        self.preset = QComboBox()
        for name, preset in PRESETS.items():
            self.preset.addItem(f"{name}: {preset.description}", name)
        self.preset.setCurrentIndex(list(PRESETS).index(DEFAULT_PRESET))
        self.preset.currentIndexChanged.connect(self._fix_suffix)
        self.path = QLineEdit(self._default_path())
        browse = QPushButton("...")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        marks = controller.marks
        self.whole = QRadioButton("Whole timeline")
        self.marked = QRadioButton("Between the in and out marks")
        has_marks = marks.get("in") is not None or marks.get("out") is not None
        self.marked.setEnabled(has_marks)
        (self.marked if has_marks else self.whole).setChecked(True)
        form = QFormLayout()
        form.addRow("Preset", self.preset)
        form.addRow("File", path_row)
        form.addRow("Range", self.whole)
        form.addRow("", self.marked)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setValue(0)
        self.status = QLabel("")
        self.start_button = QPushButton("Export")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Close")
        self.cancel_button.clicked.connect(self.cancel_or_close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.resize(620, 220)

    def _default_path(self) -> str:
        c = self.controller
        base = os.path.splitext(os.path.splitext(c.path)[0])[0] if c.path else os.path.join(os.path.expanduser("~"), c.project.name)
        return base + PRESETS[DEFAULT_PRESET].extension

    def _fix_suffix(self) -> None:
        preset = PRESETS[self.preset.currentData()]
        root, _ = os.path.splitext(self.path.text())
        self.path.setText(root + preset.extension)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text())
        if path:
            self.path.setText(path)

    def export_range(self):
        """(start, end) of the timeline to export: the marks, or (None, None) for all of it."""
        if not self.marked.isChecked():
            return None, None
        marks = self.controller.marks
        return marks.get("in"), marks.get("out")

    def start(self) -> None:
        start, end = self.export_range()
        self.result = None
        self.job = ExportJob(self.controller.snapshot(), self.path.text(), self.preset.currentData(),
                             registry=self.registry, start=start, end=end)
        self.job.progress.connect(self._on_progress)
        self.job.finished.connect(self._on_finished)
        self.job.failed.connect(self._on_failed)
        self.job.cancelled.connect(self._on_cancelled)
        self.start_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self.status.setText("starting...")
        self.job.start()

    def cancel_or_close(self) -> None:
        if self.job is not None and self.job.running:
            self.job.cancel()
            self.status.setText("cancelling...")
        else:
            self.close()

    def _on_progress(self, done: int, total: int) -> None:
        self.bar.setValue(int(100 * done / max(total, 1)))
        elapsed = time.perf_counter() - self.job.started_at
        self.status.setText(f"frame {done} of {total}, {time_left(done, total, elapsed)}")

    def _idle(self, text: str) -> None:
        self.status.setText(text)
        self.start_button.setEnabled(True)
        self.cancel_button.setText("Close")

    def _on_finished(self, result) -> None:
        self.result = result
        self.bar.setValue(100)
        self._idle(f"wrote {self.path.text()}")

    def _on_failed(self, message: str) -> None:
        self._idle(message)

    def _on_cancelled(self) -> None:
        self.bar.setValue(0)
        self._idle("cancelled; nothing was written")

    def closeEvent(self, event) -> None:
        if self.job is not None and self.job.running:
            self.job.cancel()
            self.job.thread.join(timeout=10)
        super().closeEvent(event)
