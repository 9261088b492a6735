"""The timeline: tracks of clips on a QGraphicsView, with ruler, playhead, zoom and editing.

The scene is rebuilt from the project on every change (a project has tens of clips, not
thousands). Drags move only the drawn rectangles; on release the view issues one core command
(`MoveClip`, `TrimClip`, or a group for a multi-selection), which snaps and validates, and the
rebuilt scene shows the result. A refused edit leaves the project as it was.
"""

from __future__ import annotations

from fractions import Fraction

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView

from editor.core import commands as cmd

from .clips import append_media
from .timeline_items import RULER_H, TRACK_H, ClipItem, paint_ruler

EDGE_GRAB = 6          # pixels from a clip edge that grab the edge for trimming
SNAP_PIXELS = 8        # snapping reach on screen
MEDIA_MIME = "application/x-stylecut-media"


class TimelineView(QGraphicsView):
    zoomChanged = Signal(float)

    def __init__(self, controller, jobs=None, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.jobs = jobs
        self.pps = 80.0                    # pixels per second
        self.items_by_id: dict[str, ClipItem] = {}
        self.rows: list[tuple[str, str, float, float]] = []   # (track id, kind, top, height), top first
        self._drag = None
        self.setScene(QGraphicsScene(self))
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self._playhead_x = 0.0
        self.setBackgroundBrush(QColor(28, 28, 31))
        self.setAcceptDrops(True)
        self.setMouseTracking(True)
        self.setMinimumHeight(160)
        controller.changed.connect(self.rebuild)
        controller.selectionChanged.connect(self._on_selection)
        controller.playheadChanged.connect(self._on_playhead)
        if jobs is not None:
            jobs.ready.connect(lambda kind, path: self.viewport().update() if kind != "info" else None)
        self.rebuild()

    # ---- geometry

    def x_of(self, t) -> float:
        return float(t) * self.pps

    def t_of(self, x: float) -> Fraction:
        return Fraction(max(x, 0.0) / self.pps).limit_denominator(100000)

    def row_at(self, y: float):
        for row in self.rows:
            if row[2] <= y < row[2] + row[3]:
                return row
        return None

    def snap_tolerance(self) -> Fraction:
        return Fraction(SNAP_PIXELS / self.pps).limit_denominator(100000)

    def set_zoom(self, pps: float) -> None:
        pps = min(max(pps, 2.0), 2000.0)
        if pps != self.pps:
            centre = self.t_of(self.mapToScene(self.viewport().rect().center()).x())
            self.pps = pps
            self.rebuild()
            self.centerOn(self.x_of(centre), self.sceneRect().center().y())
            self.zoomChanged.emit(pps)

    def zoom_by(self, factor: float) -> None:
        self.set_zoom(self.pps * factor)

    def zoom_to_fit(self) -> None:
        """The whole timeline across the view, from its start."""
        duration = float(self.controller.project.duration) or 10.0
        self.set_zoom(max(2.0, (self.viewport().width() - 40) / duration))
        self.horizontalScrollBar().setValue(0)

    # ---- building

    def rebuild(self) -> None:
        scene = self.scene()
        scene.clear()
        self.items_by_id.clear()
        self.rows.clear()
        project = self.controller.project
        y = RULER_H
        for track in reversed(project.tracks):  # the top track is drawn first
            h = TRACK_H.get(track.kind, 50)
            self.rows.append((track.id, track.kind, y, h))
            for clip in track.clips:
                item = ClipItem(clip, track, self.x_of(clip.start), y + 2, self.x_of(clip.duration), h - 4,
                                self.jobs, self.pps)
                item.selected = clip.id in self.controller.selection
                item.offline = self.jobs is not None and self.jobs.error(clip.media) is not None
                scene.addItem(item)
                self.items_by_id[clip.id] = item
            y += h
        width = max(self.x_of(project.duration) + 400, self.viewport().width())
        scene.setSceneRect(QRectF(0, 0, width, y + 8))
        self.viewport().update()

    def _on_selection(self, ids) -> None:
        for clip_id, item in self.items_by_id.items():
            item.selected = clip_id in ids
            item.update()

    def _on_playhead(self, t) -> None:
        x = self.x_of(t)
        left = self.mapToScene(0, 0).x()
        right = self.mapToScene(self.viewport().width(), 0).x()
        if not left <= x <= right and self._drag is None:
            self.horizontalScrollBar().setValue(int(max(0.0, x - self.viewport().width() * 0.2)))
            self.viewport().update()
        else:
            # Repaint only the strips under the old and the new playhead line.
            h = self.viewport().height()
            for sx in (self._playhead_x, x):
                vx = self.mapFromScene(QPointF(sx, 0)).x()
                self.viewport().update(int(vx) - 3, 0, 6, h)
        self._playhead_x = x

    # ---- painting

    def drawBackground(self, p: QPainter, rect: QRectF) -> None:
        super().drawBackground(p, rect)
        for i, (_, kind, top, h) in enumerate(self.rows):
            colour = QColor(34, 34, 38) if i % 2 == 0 else QColor(30, 30, 34)
            p.fillRect(QRectF(rect.left(), top, rect.width(), h), colour)

    def drawForeground(self, p: QPainter, rect: QRectF) -> None:
        top = self.mapToScene(0, 0).y()
        paint_ruler(p, rect, self.pps, float(self.controller.project.settings.fps), top)
        marks = getattr(self.controller, "marks", None)
        if marks:
            for t, colour in ((marks.get("in"), QColor(90, 200, 255)), (marks.get("out"), QColor(255, 120, 90))):
                if t is not None:
                    p.setPen(QPen(colour, 2))
                    p.drawLine(QPointF(self.x_of(t), top), QPointF(self.x_of(t), top + RULER_H))
        x = self.x_of(self.controller.playhead)
        p.setPen(QPen(QColor(255, 70, 70), 2))
        p.drawLine(QPointF(x, top), QPointF(x, rect.bottom()))
        if self._drag and self._drag.get("mode") == "band":
            p.setPen(QPen(QColor(255, 196, 60), 1, Qt.PenStyle.DashLine))
            p.setBrush(QColor(255, 196, 60, 40))
            p.drawRect(self._drag["rect"])
        if self._drag and self._drag.get("snap_x") is not None:
            p.setPen(QPen(QColor(255, 220, 0), 1, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(self._drag["snap_x"], top), QPointF(self._drag["snap_x"], rect.bottom()))

    # ---- mouse

    def _clip_item_at(self, scene_pos: QPointF) -> ClipItem | None:
        for item in self.scene().items(scene_pos):
            if isinstance(item, ClipItem):
                return item
        return None

    def mousePressEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        pos = self.mapToScene(event.position().toPoint())
        if event.position().y() < RULER_H:
            self._drag = {"mode": "scrub"}
            self.controller.set_playhead(self.t_of(pos.x()))
            return
        item = self._clip_item_at(pos)
        mods = event.modifiers()
        additive = bool(mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier))
        if item is None:
            if mods & Qt.KeyboardModifier.ShiftModifier:  # Shift+drag on empty space: a selection band
                self._drag = {"mode": "band", "x0": pos.x(), "y0": pos.y(), "rect": QRectF(pos, pos),
                              "moved": False, "keep": list(self.controller.selection)}
                return
            if not additive:
                self.controller.set_selection([])
            self.controller.set_playhead(self.t_of(pos.x()))
            self._drag = {"mode": "scrub"}
            return
        selection = list(self.controller.selection)
        if additive:
            selection = [c for c in selection if c != item.clip_id] if item.clip_id in selection else selection + [item.clip_id]
        elif item.clip_id not in selection:
            selection = [item.clip_id]
        self.controller.set_selection(selection)
        local = pos.x() - item.pos().x()
        mode = "move"
        if local <= EDGE_GRAB:
            mode = "trim-start"
        elif local >= item.rect().width() - EDGE_GRAB:
            mode = "trim-end"
        moving = [self.items_by_id[c] for c in self.controller.selection if c in self.items_by_id] if mode == "move" else [item]
        self._drag = {"mode": mode, "item": item, "x0": pos.x(), "y0": pos.y(), "moved": False,
                      "start": {i.clip_id: (i.pos().x(), i.pos().y(), i.rect().width()) for i in moving}}

    def mouseMoveEvent(self, event) -> None:
        pos = self.mapToScene(event.position().toPoint())
        drag = self._drag
        if drag is None:
            item = self._clip_item_at(pos)
            cursor = Qt.CursorShape.ArrowCursor
            if item is not None:
                local = pos.x() - item.pos().x()
                if local <= EDGE_GRAB or local >= item.rect().width() - EDGE_GRAB:
                    cursor = Qt.CursorShape.SizeHorCursor
            self.viewport().setCursor(cursor)
            return super().mouseMoveEvent(event)
        if drag["mode"] == "scrub":
            self.controller.set_playhead(self.t_of(pos.x()))
            return
        if drag["mode"] == "band":
            drag["rect"] = QRectF(QPointF(drag["x0"], drag["y0"]), pos).normalized()
            inside = [i.clip_id for i in self.items_by_id.values() if i.sceneBoundingRect().intersects(drag["rect"])]
            self.controller.set_selection(drag["keep"] + [c for c in inside if c not in drag["keep"]])
            self.viewport().update()
            return
        dx = pos.x() - drag["x0"]
        if abs(dx) < 2 and not drag["moved"]:
            return
        drag["moved"] = True
        for clip_id, (x, y, w) in drag["start"].items():
            item = self.items_by_id.get(clip_id)
            if item is None:
                continue
            if drag["mode"] == "move":
                item.setPos(max(0.0, x + dx), y)
            elif drag["mode"] == "trim-start":
                item.setPos(x + min(dx, w - 2), y)
                item.setRect(0, 0, max(2.0, w - dx), item.rect().height())
            else:
                item.setRect(0, 0, max(2.0, w + dx), item.rect().height())
        self.viewport().update()

    def mouseReleaseEvent(self, event) -> None:
        drag, self._drag = self._drag, None
        if drag is not None and drag["mode"] == "band":
            self.viewport().update()
            return
        if drag is None or drag["mode"] == "scrub" or not drag["moved"]:
            return super().mouseReleaseEvent(event)
        pos = self.mapToScene(event.position().toPoint())
        dt = self.t_of(abs(pos.x() - drag["x0"])) * (1 if pos.x() >= drag["x0"] else -1)
        row = self.row_at(pos.y())
        self.apply_drag(drag["mode"], list(drag["start"]), dt, row[0] if row else None)

    def apply_drag(self, mode: str, clip_ids: list[str], dt: Fraction, track_id: str | None = None) -> bool:
        """Issue the command a finished drag means; returns False when the edit was refused."""
        c = self.controller
        tol = self.snap_tolerance()
        if mode in ("trim-start", "trim-end"):
            clip = c.project.find_clip(clip_ids[0])[1]
            edge = "start" if mode == "trim-start" else "end"
            t = (clip.start if edge == "start" else clip.end) + dt
            ok = c.execute(cmd.TrimClip(clip.id, edge, t, playhead=c.playhead, tolerance=tol))
        elif len(clip_ids) == 1:
            track, clip = c.project.find_clip(clip_ids[0])
            target = track_id if track_id and c.project.track(track_id).kind == track.kind else None
            ok = c.execute(cmd.MoveClip(clip.id, clip.start + dt, track_id=target, playhead=c.playhead, tolerance=tol))
        else:
            starts = {cid: c.project.find_clip(cid)[1].start for cid in clip_ids}
            order = sorted(clip_ids, key=lambda cid: starts[cid], reverse=dt > 0)  # move the leading clip first
            try:
                with c.stack.group("Move clips"):
                    for cid in order:
                        c.stack.execute(cmd.MoveClip(cid, starts[cid] + dt, snap=False))
                ok = True
            except Exception as exc:
                c.error.emit(str(exc))
                ok = False
        if not ok:
            self.rebuild()  # put the dragged rectangles back
        return ok

    def wheelEvent(self, event) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom_by(1.25 if event.angleDelta().y() > 0 else 0.8)
            return
        super().wheelEvent(event)

    # ---- drops from the media bin or the file manager

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasFormat(MEDIA_MIME) or event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        data = event.mimeData()
        if data.hasFormat(MEDIA_MIME):
            paths = bytes(data.data(MEDIA_MIME)).decode("utf-8").splitlines()
        else:
            paths = [u.toLocalFile() for u in data.urls() if u.isLocalFile()]
        pos = self.mapToScene(event.position().toPoint())
        row = self.row_at(pos.y())
        self.drop_media(paths, self.t_of(pos.x()), row[0] if row else None)
        event.acceptProposedAction()

    def drop_media(self, paths: list[str], t: Fraction, track_id: str | None) -> list[str]:
        added = []
        pool = self.jobs.pool if self.jobs else None
        from editor.errors import StyleCutError

        for path in paths:
            try:
                info = pool.info(path) if pool else None
            except StyleCutError as exc:
                self.controller.error.emit(str(exc))
                continue
            if info is None:
                continue
            start = cmd.snap_time(self.controller.project, t, exclude=None, playhead=self.controller.playhead,
                                  tolerance=self.snap_tolerance())
            clip_id = append_media(self.controller, path, info, track_id, start)
            if clip_id:
                added.append(clip_id)
                t = self.controller.project.find_clip(clip_id)[1].end
        return added
