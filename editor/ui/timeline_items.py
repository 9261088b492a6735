"""What the timeline draws: clip rectangles with thumbnails or waveforms, and the ruler."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem

from .media_jobs import WAVE_BINS_PER_SECOND
from .timecode import short_time

RULER_H = 26
TRACK_H = {"video": 66, "audio": 44}
VIDEO_COLOUR = QColor(58, 92, 140)
AUDIO_COLOUR = QColor(48, 112, 82)
SELECTED_PEN = QPen(QColor(255, 196, 60), 2)
EDGE_PEN = QPen(QColor(20, 20, 24), 1)


class ClipItem(QGraphicsRectItem):
    """One clip. Painting only: dragging and trimming are handled by the view."""

    def __init__(self, clip, track, x: float, y: float, w: float, h: float, jobs, pps: float):
        super().__init__(0, 0, max(w, 2.0), h)
        self.setPos(x, y)
        self.clip_id = clip.id
        self.track_id = track.id
        self.kind = track.kind
        self.media = clip.media
        self.name = clip.name or clip.id
        self.source_in = clip.source_in
        self.duration = clip.duration
        self.effects = [e.plugin_id.rsplit(".", 1)[-1] for e in clip.effects if e.enabled]
        self.jobs = jobs
        self.pps = pps
        self.selected = False
        self.offline = False
        self._wave_cache = None   # (band, polygon): built once per drawn size
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.setToolTip(f"{self.name}\n{clip.media}\n{float(clip.start):.2f}s - {float(clip.end):.2f}s")

    def paint(self, p: QPainter, option, widget=None) -> None:
        r = self.rect()
        base = VIDEO_COLOUR if self.kind == "video" else AUDIO_COLOUR
        if self.offline:
            base = QColor(140, 50, 50)
        p.fillRect(r, base)
        exposed = option.exposedRect.intersected(r)
        if self.kind == "video":
            strip = QRectF(r.left(), r.top() + 14, r.width(), r.height() - 14 - 16)
            self._thumbs(p, strip, exposed)
            self._wave(p, QRectF(r.left(), r.bottom() - 16, r.width(), 16), exposed)
        else:
            self._wave(p, QRectF(r.left(), r.top() + 14, r.width(), r.height() - 14), exposed)
        p.setPen(QColor(240, 240, 240))
        label = self.name + (f"  [{', '.join(self.effects)}]" if self.effects else "")
        p.drawText(r.adjusted(4, 0, -4, 0), Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft, label)
        p.setPen(SELECTED_PEN if self.selected else EDGE_PEN)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(r.adjusted(1, 1, -1, -1) if self.selected else r)

    def _thumbs(self, p: QPainter, strip: QRectF, exposed: QRectF) -> None:
        if strip.height() <= 4:
            return
        thumb_w = strip.height() * 16 / 9
        count = max(1, math.ceil(strip.width() / thumb_w))
        p.save()
        p.setClipRect(strip)
        for i in range(count):
            x = strip.left() + i * thumb_w
            if x > exposed.right() or x + thumb_w < exposed.left():
                continue
            t = self.source_in + Fraction(i * thumb_w / self.pps).limit_denominator(1000)
            image = self.jobs.thumbnail(self.media, t) if self.jobs else None
            target = QRectF(x, strip.top(), thumb_w, strip.height())
            if image is not None:
                p.drawImage(target, image)
            else:
                p.fillRect(target.adjusted(1, 1, -1, -1), QColor(0, 0, 0, 50))
        p.restore()

    def _wave(self, p: QPainter, band: QRectF, exposed: QRectF) -> None:
        if band.height() < 4 or band.right() < exposed.left() or band.left() > exposed.right():
            return
        key = (band.left(), band.top(), band.width(), band.height())
        if self._wave_cache is None or self._wave_cache[0] != key:
            peaks = self.jobs.waveform(self.media) if self.jobs else None
            if peaks is None or len(peaks) == 0:
                return
            self._wave_cache = (key, self._wave_polygon(peaks, band))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(QColor(200, 235, 210, 190)))
        p.drawPolygon(self._wave_cache[1])

    def _wave_polygon(self, peaks: np.ndarray, band: QRectF) -> QPolygonF:
        """The waveform outline across the whole band, one point pair per 2 pixels."""
        first = float(self.source_in) * WAVE_BINS_PER_SECOND
        span = float(self.duration) * WAVE_BINS_PER_SECOND
        xs = np.arange(band.left(), band.right() + 1, 2.0)
        idx = np.clip((first + (xs - band.left()) / max(band.width(), 1) * span).astype(np.int64), 0, len(peaks) - 1)
        levels = peaks[idx]
        mid, half = band.center().y(), band.height() / 2 - 1
        top = [QPointF(x, mid - v * half) for x, v in zip(xs, levels)]
        bottom = [QPointF(x, mid + v * half) for x, v in zip(xs[::-1], levels[::-1])]
        return QPolygonF(top + bottom)


def ruler_step(pps: float) -> float:
    """Seconds between labelled ticks so labels sit at least ~70 px apart."""
    for step in (0.04, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600):
        if step * pps >= 70:
            return step
    return 1200


def paint_ruler(p: QPainter, rect: QRectF, pps: float, fps: float, top: float) -> None:
    """The timecode ruler across the visible `rect` (scene coordinates), `top` its upper edge."""
    band = QRectF(rect.left(), top, rect.width(), RULER_H)
    p.fillRect(band, QColor(36, 36, 40))
    step = ruler_step(pps)
    minor = step / 5
    p.setPen(QColor(150, 150, 150))
    first = math.floor(max(rect.left(), 0) / pps / minor)
    last = math.ceil(rect.right() / pps / minor)
    for k in range(first, last + 1):
        t = k * minor
        x = t * pps
        major = abs(t / step - round(t / step)) < 1e-6
        p.drawLine(QPointF(x, top + RULER_H - (10 if major else 4)), QPointF(x, top + RULER_H))
        if major:
            p.drawText(QPointF(x + 3, top + 12), short_time(t))
    p.setPen(QColor(70, 70, 76))
    p.drawLine(QPointF(rect.left(), top + RULER_H), QPointF(rect.right(), top + RULER_H))
