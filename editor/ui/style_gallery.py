"""The style gallery: every installed style painted on the current frame, one click to apply.

Thumbnails are computed in a worker from the clip's source picture at the playhead, shrunk to
thumbnail size, through the style plugin itself (its own instance, the effect's backend), so
each shows what that style does to this very frame. They are recomputed a moment after the
playhead settles. Clicking a style sets the effect's `style` parameter: one undo step, and the
viewer shows it on the next frame, also while playing.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from editor.core.plugin_api import evaluate_params
from editor.core.timeline import top_video_clip

from .frames import to_qimage
from .styles_list import installed_styles
from .worker import LatestJob

THUMB_W = 112
COLUMNS = 2


def shrink(rgb: np.ndarray, width: int) -> np.ndarray:
    """A small copy by area averaging over whole blocks (fast, no aliasing)."""
    h, w = rgb.shape[:2]
    step = max(1, w // width)
    h2, w2 = (h // step) * step, (w // step) * step
    return rgb[:h2, :w2].reshape(h2 // step, step, w2 // step, step, 3).mean(axis=(1, 3)).astype(np.uint8)


class StyleGallery(QWidget):
    def __init__(self, controller, registry, pool, inspector, parent=None, held: bool = False):
        super().__init__(parent)
        self.controller, self.registry, self.pool, self.inspector = controller, registry, pool, inspector
        # While held (the app starting), painting waits: the viewer's first frame comes first.
        self.held = held
        self._wanted = False
        self.effect_id: str | None = None
        self.buttons: dict[str, QToolButton] = {}
        self.thumbs: dict[str, np.ndarray] = {}
        self._instance = None
        self._looks = None   # the effect parameters the thumbnails were painted with
        self.worker = LatestJob("gallery", self)
        self.worker.done.connect(self._on_done)
        self.worker.failed.connect(lambda ticket, message: self.status.setText(message))
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.grid = QGridLayout()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Styles (on this frame)"))
        layout.addLayout(self.grid)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.recompute)
        controller.playheadChanged.connect(lambda _: self._debounce.start() if self.isVisible() else None)
        controller.changed.connect(self._on_model)
        self._build_buttons()

    def _build_buttons(self) -> None:
        styles, problems = installed_styles()
        self.styles = styles
        for i, style in enumerate(styles):
            button = QToolButton()
            button.setText(style.name)
            button.setToolTip(f"{style.name} ({style.id})")
            button.setCheckable(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            button.setIconSize(QSize(THUMB_W, THUMB_W * 9 // 16))
            button.clicked.connect(lambda _=False, sid=style.id: self.choose(sid))
            self.grid.addWidget(button, i // COLUMNS, i % COLUMNS)
            self.buttons[style.id] = button
        if not styles:
            self.status.setText("No styles installed" + (f": {problems[0]}" if problems else ""))

    def show_for(self, effect_id: str | None) -> None:
        """Follow the style effect `effect_id` of the inspected clip (None hides the gallery)."""
        self.effect_id = effect_id
        self.setVisible(effect_id is not None)
        if effect_id is not None:
            self._sync_checked()
            self.recompute()

    def effect(self):
        clip = self.inspector.clip()
        return (clip, clip.effect(self.effect_id)) if clip is not None and self.effect_id else (clip, None)

    def current_style(self) -> str | None:
        clip, effect = self.effect()
        if effect is None:
            return None
        return effect.params.get("style") or (self.styles[0].id if self.styles else None)

    def _on_model(self) -> None:
        """Mark the chosen style; paint again if what the thumbnails depend on changed."""
        self._sync_checked()
        clip, effect = self.effect()
        if effect is None or not self.isVisible():
            return
        looks = {k: v for k, v in effect.params.items() if k not in ("style", "mix", "strength")}
        if looks != self._looks:
            self._looks = looks
            self._debounce.start()

    def _sync_checked(self) -> None:
        current = self.current_style()
        for style_id, button in self.buttons.items():
            button.setChecked(style_id == current)

    def choose(self, style_id: str) -> bool:
        self._sync_checked()
        if style_id == self.current_style():
            return True
        return self.inspector.set_value("style", style_id)

    def release(self) -> None:
        """Paint the thumbnails asked for while held."""
        self.held = False
        if self._wanted:
            self._wanted = False
            self.recompute()

    def recompute(self) -> None:
        if self.held:
            self._wanted = True
            return
        clip, effect = self.effect()
        if effect is None or not self.styles:
            return
        plugin = self.registry.find(effect.plugin_id)
        if plugin is None:
            return
        hit = top_video_clip(self.controller.project, self.controller.playhead)
        source_time = hit.source_time if hit is not None and hit.clip.id == clip.id else clip.source_in
        local = source_time - clip.source_in
        try:
            params = evaluate_params(plugin, effect, local)
        except Exception as exc:
            self.status.setText(str(exc))
            return
        media, styles = clip.media, list(self.styles)
        self.status.setText("painting thumbnails...")
        self.worker.submit(lambda: self._paint(plugin, media, source_time, params, styles))

    def _paint(self, plugin, media, source_time, params, styles):
        """Worker thread: each style on the shrunk source picture."""
        if self._instance is None:
            self._instance = plugin()
        picture = shrink(self.pool.source(media).frame_at_time(source_time).rgb, THUMB_W)
        out = {}
        for style in styles:
            p = dict(params, style=style.id, mix="", strength=1.0, size=0)
            out[style.id] = np.array(self._instance.render(picture, Fraction(0), p, 1.0))
        return out

    def _on_done(self, ticket: int, result) -> None:
        if ticket != self.worker.ticket:
            return
        self.thumbs = result
        for style_id, rgb in result.items():
            button = self.buttons.get(style_id)
            if button is not None:
                button.setIcon(QIcon(QPixmap.fromImage(to_qimage(rgb))))
        self.status.setText("")

    def idle(self) -> bool:
        return self.worker.idle() and not self._debounce.isActive() and not self._wanted

    def dispose(self) -> None:
        self.worker.close()
        if self._instance is not None:
            self._instance.close()
