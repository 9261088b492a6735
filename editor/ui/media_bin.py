"""The media bin: imported files with thumbnails, durations and per-file errors.

Files come in by the Import dialog or by dropping them from a file manager. Probing runs in the
media worker; a file that cannot be used stays in the list with its error. Items drag onto the
timeline, or go to the end of their track with "Add to timeline" (double-click).

The list of imported files is view state: the project itself only knows the clips placed on
the timeline. Files used by the project's clips are listed when a project opens.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton,
                               QVBoxLayout, QWidget)

from .clips import append_media
from .timeline_view import MEDIA_MIME

MEDIA_FILTER = "Media (*.mp4 *.mov *.mkv *.webm *.avi *.m4v *.mp3 *.wav *.m4a *.aac *.flac *.ogg);;All files (*)"
ROLE_PATH = Qt.ItemDataRole.UserRole


class _MediaList(QListWidget):
    def mimeData(self, items):
        data = QMimeData()
        data.setData(MEDIA_MIME, "\n".join(i.data(ROLE_PATH) for i in items).encode("utf-8"))
        return data

    def mimeTypes(self):
        return [MEDIA_MIME]


class MediaBin(QWidget):
    imported = Signal(str)

    def __init__(self, controller, jobs, parent=None):
        super().__init__(parent)
        self.controller, self.jobs = controller, jobs
        self.list = _MediaList()
        self.list.setIconSize(QSize(96, 54))
        self.list.setWordWrap(True)
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.list.setDragEnabled(True)
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.itemDoubleClicked.connect(lambda item: self.add_to_timeline([item.data(ROLE_PATH)]))
        import_button = QPushButton("Import...")
        import_button.clicked.connect(self.import_dialog)
        add_button = QPushButton("Add to timeline")
        add_button.clicked.connect(lambda: self.add_to_timeline([i.data(ROLE_PATH) for i in self.list.selectedItems()]))
        bar = QHBoxLayout()
        bar.addWidget(import_button)
        bar.addWidget(add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(QLabel("Media"))
        layout.addWidget(self.list, 1)
        layout.addLayout(bar)
        self.setAcceptDrops(True)
        jobs.ready.connect(self._on_ready)
        jobs.failed.connect(self._on_failed)
        controller.pathChanged.connect(lambda _: self.list_project_media())

    # ---- importing

    def import_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Import media", "", MEDIA_FILTER)
        self.import_files(paths)

    def import_files(self, paths) -> None:
        for path in paths:
            path = os.path.abspath(path)
            if self._item(path) is not None:
                continue
            item = QListWidgetItem(os.path.basename(path) + "\nprobing...")
            item.setData(ROLE_PATH, path)
            item.setToolTip(path)
            self.list.addItem(item)
            self.imported.emit(path)
            if os.path.isfile(path):
                self.jobs.info(path)
            else:
                self._mark_error(item, "file not found")
            self._on_ready("info", path)

    def list_project_media(self) -> None:
        self.import_files(sorted({clip.media for _, clip in self.controller.project.clips()}))

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        self.import_files([u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()])
        event.acceptProposedAction()

    # ---- placing

    def add_to_timeline(self, paths) -> list[str]:
        added = []
        for path in paths:
            try:
                info = self.jobs.pool.info(path)
            except Exception as exc:
                self.controller.error.emit(str(exc))
                continue
            clip_id = append_media(self.controller, path, info)
            if clip_id:
                added.append(clip_id)
        return added

    # ---- worker results

    def _item(self, path: str) -> QListWidgetItem | None:
        for i in range(self.list.count()):
            if self.list.item(i).data(ROLE_PATH) == path:
                return self.list.item(i)
        return None

    def item_text(self, path: str) -> str | None:
        item = self._item(path)
        return item.text() if item else None

    def _on_ready(self, kind: str, path: str) -> None:
        item = self._item(path)
        if item is None:
            return
        info = self.jobs.info(path) if kind == "info" else self.jobs._infos.get(path)
        if info is None:
            return
        seconds = float(info.video.duration if info.video else info.duration)
        parts = [f"{int(seconds // 60)}:{seconds % 60:05.2f}"]
        if info.video:
            parts.append(f"{info.video.display_width}x{info.video.display_height} {float(info.video.fps):.3g} fps")
            thumb = self.jobs.thumbnail(path, 0)
            if thumb is not None:
                item.setIcon(QIcon(QPixmap.fromImage(thumb)))
        if info.audio:
            parts.append(f"{info.audio.sample_rate // 1000} kHz audio")
        warning = "; ".join(info.warnings)
        item.setText(os.path.basename(path) + "\n" + ", ".join(parts) + (f"\n! {warning}" if warning else ""))

    def _on_failed(self, path: str, message: str) -> None:
        item = self._item(path)
        if item is not None:
            self._mark_error(item, self.jobs.error(path) or message)

    def _mark_error(self, item: QListWidgetItem, problem: str) -> None:
        item.setText(os.path.basename(item.data(ROLE_PATH)) + "\n! " + problem)
        item.setForeground(QColor(230, 90, 90))
        item.setToolTip(f"{item.data(ROLE_PATH)}: {problem}")
