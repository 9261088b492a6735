"""A widget that paints one frame scaled to fit, with an optional text overlay (the HUD)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget


class FrameDisplay(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.image: QImage | None = None
        self.overlay: list[str] = []
        self.caption = ""
        self.setMinimumSize(320, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        self.update()

    def set_overlay(self, lines: list[str]) -> None:
        self.overlay = list(lines)
        self.update()

    def image_rect(self) -> QRectF:
        if self.image is None or self.image.isNull():
            return QRectF(self.rect())
        w, h = self.width(), self.height()
        iw, ih = self.image.width(), self.image.height()
        scale = min(w / iw, h / ih)
        dw, dh = iw * scale, ih * scale
        return QRectF((w - dw) / 2, (h - dh) / 2, dw, dh)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(16, 16, 18))
        if self.image is not None and not self.image.isNull():
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            p.drawImage(self.image_rect(), self.image)
        if self.caption:
            p.setPen(QColor(230, 230, 230))
            p.drawText(self.rect().adjusted(6, 4, -6, -4), Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft,
                       self.caption)
        if self.overlay:
            font = QFont(self.font())
            font.setPointSizeF(max(8.0, font.pointSizeF()))
            font.setBold(True)
            p.setFont(font)
            metrics = p.fontMetrics()
            line_h = metrics.height()
            box_w = max(metrics.horizontalAdvance(line) for line in self.overlay) + 16
            box = QRectF(self.width() - box_w - 10, 10, box_w, line_h * len(self.overlay) + 10)
            p.fillRect(box, QColor(0, 0, 0, 170))
            p.setPen(QColor(255, 255, 255))
            for i, line in enumerate(self.overlay):
                p.drawText(QRectF(box.left() + 8, box.top() + 5 + i * line_h, box_w - 16, line_h),
                           Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, line)
        p.end()
