"""The timeline panel: track headers (name, hide/mute toggles), the track view and zoom."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QPushButton, QVBoxLayout, QWidget

from editor.core import commands as cmd

from .timeline_items import RULER_H
from .timeline_view import TimelineView

HEADER_W = 110


class TrackHeaders(QWidget):
    """Names and toggles, one row per track, aligned with the view's rows."""

    def __init__(self, controller, view: TimelineView, parent=None):
        super().__init__(parent)
        self.controller, self.view = controller, view
        self.setFixedWidth(HEADER_W)
        controller.changed.connect(self.update)
        view.verticalScrollBar().valueChanged.connect(lambda _: self.update())

    def _toggle_rect(self, top: float, h: float) -> QRect:
        return QRect(HEADER_W - 30, int(top + h / 2 - 10), 24, 20)

    def _offset(self) -> float:
        return -self.view.verticalScrollBar().value() + self.view.frameWidth()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(40, 40, 44))
        off = self._offset()
        for i, (track_id, kind, top, h) in enumerate(self.view.rows):
            track = self.controller.project.track(track_id)
            if track is None:
                continue
            y = top + off
            p.fillRect(QRect(0, int(y), HEADER_W, int(h) - 1), QColor(48, 48, 54))
            p.setPen(QColor(220, 220, 220))
            same_kind = [r for r in self.view.rows if r[1] == kind]
            number = len(same_kind) - same_kind.index(self.view.rows[i])
            p.drawText(QRect(6, int(y), HEADER_W - 40, int(h)), Qt.AlignmentFlag.AlignVCenter,
                       f"{'V' if kind == 'video' else 'A'}{number}")
            flag_on = track.hidden if kind == "video" else track.muted
            box = self._toggle_rect(y, h)
            p.fillRect(box, QColor(170, 60, 60) if flag_on else QColor(70, 70, 78))
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, ("H" if kind == "video" else "M"))
        p.fillRect(QRect(0, 0, HEADER_W, RULER_H), QColor(36, 36, 40))
        p.end()

    def track_at(self, y: float) -> str | None:
        off = self._offset()
        for track_id, kind, top, h in self.view.rows:
            if top + off <= y < top + off + h:
                return track_id
        return None

    def contextMenuEvent(self, event) -> None:
        track_id = self.track_at(event.pos().y())
        if track_id is None:
            return
        menu = QMenu(self)
        menu.addAction("Remove track", lambda: self.remove_track(track_id))
        menu.exec(event.globalPos())

    def remove_track(self, track_id: str) -> bool:
        """Remove a track with its clips (one undo step)."""
        return self.controller.execute(cmd.RemoveTrack(track_id))

    def mousePressEvent(self, event) -> None:
        off = self._offset()
        for track_id, kind, top, h in self.view.rows:
            if self._toggle_rect(top + off, h).contains(event.position().toPoint()):
                track = self.controller.project.track(track_id)
                if kind == "video":
                    self.controller.execute(cmd.SetTrackFlags(track_id, hidden=not track.hidden, label="Hide track"))
                else:
                    self.controller.execute(cmd.SetTrackFlags(track_id, muted=not track.muted, label="Mute track"))
                return


class TimelinePanel(QWidget):
    def __init__(self, controller, jobs=None, parent=None):
        super().__init__(parent)
        self.view = TimelineView(controller, jobs)
        self.headers = TrackHeaders(controller, self.view)
        zoom_in, zoom_out, fit = QPushButton("+"), QPushButton("-"), QPushButton("Fit")
        for b in (zoom_in, zoom_out, fit):
            b.setFixedWidth(40)
        zoom_in.setToolTip("Zoom in (=)")
        zoom_out.setToolTip("Zoom out (-)")
        zoom_in.clicked.connect(lambda: self.view.zoom_by(1.5))
        zoom_out.clicked.connect(lambda: self.view.zoom_by(1 / 1.5))
        fit.clicked.connect(self.view.zoom_to_fit)
        add_v, add_a = QPushButton("+ Video track"), QPushButton("+ Audio track")
        add_v.clicked.connect(lambda: controller.execute(cmd.AddTrack("video")))
        add_a.clicked.connect(lambda: controller.execute(cmd.AddTrack("audio", index=0)))
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Timeline"))
        bar.addStretch(1)
        for w in (add_v, add_a, zoom_out, zoom_in, fit):
            bar.addWidget(w)
        row = QHBoxLayout()
        row.setSpacing(0)
        row.addWidget(self.headers)
        row.addWidget(self.view, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addLayout(row, 1)
