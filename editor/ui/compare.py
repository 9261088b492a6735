"""Compare: the frame at the playhead as the original, the desktop render and the phone render.

Each picture comes from the core's render path on a copy of the project in which the style
effects of the clip are switched: all effects off (original), backend "desktop", backend
"phone" or "phone-int8". The phone picture is therefore exactly what the native runtime makes,
finished the same way as in the export. Renders run in a worker; side by side shows three
pictures, split shows one picture in three vertical bands.
"""

from __future__ import annotations

import copy

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from editor.core.render import Renderer

from .display import FrameDisplay
from .frames import to_qimage
from .styles_list import style_plugin
from .worker import LatestJob

VARIANTS = ("original", "desktop", "phone")


def variant_project(project, registry, variant: str, phone_backend: str = "phone"):
    """A copy of `project` showing `variant`: effects off, or style effects on one backend."""
    out = copy.deepcopy(project)
    plugin = style_plugin(registry)
    for _, clip in out.clips():
        for effect in clip.effects:
            if variant == "original":
                effect.enabled = False
            elif plugin is not None and effect.plugin_id == plugin.id:
                effect.params["backend"] = "desktop" if variant == "desktop" else phone_backend
    return out


def split_bands(frames: list[np.ndarray]) -> np.ndarray:
    """One picture made of vertical bands, one band from each frame, left to right."""
    h, w = frames[0].shape[:2]
    out = np.empty_like(frames[0])
    edges = [round(w * i / len(frames)) for i in range(len(frames) + 1)]
    for frame, x0, x1 in zip(frames, edges, edges[1:]):
        out[:, x0:x1] = frame[:, x0:x1]
    out[:, [e for e in edges[1:-1]]] = 255  # a thin white line between bands
    return out


class CompareWindow(QDialog):
    def __init__(self, controller, pool, registry, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Compare: original | desktop | phone")
        self.controller, self.pool, self.registry = controller, pool, registry
        self.renderers: dict[str, Renderer] = {}
        self.frames: dict[str, np.ndarray] = {}
        self.errors: list[str] = []
        self.worker = LatestJob("compare", self)
        self.worker.done.connect(self._on_done)
        self.worker.failed.connect(lambda ticket, message: self.status.setText(message))
        self.mode = QComboBox()
        self.mode.addItems(["Side by side", "Split"])
        self.mode.currentIndexChanged.connect(self._show)
        self.phone = QComboBox()
        self.phone.addItems(["phone", "phone-int8"])
        self.phone.currentIndexChanged.connect(self.refresh)
        self.status = QLabel("")
        top = QHBoxLayout()
        top.addWidget(QLabel("View"))
        top.addWidget(self.mode)
        top.addWidget(QLabel("Phone runtime"))
        top.addWidget(self.phone)
        top.addStretch(1)
        top.addWidget(self.status)
        self.displays = {v: FrameDisplay() for v in VARIANTS}
        side = QWidget()
        row = QHBoxLayout(side)
        row.setContentsMargins(0, 0, 0, 0)
        for v in VARIANTS:
            self.displays[v].setMinimumSize(240, 135)
            row.addWidget(self.displays[v])
        self.split_display = FrameDisplay()
        self.pages = QStackedWidget()
        self.pages.addWidget(side)
        self.pages.addWidget(self.split_display)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.pages, 1)
        self.resize(1200, 360)
        controller.playheadChanged.connect(lambda _: self.refresh())
        controller.changed.connect(self.refresh)

    def refresh(self) -> None:
        if not self.isVisible():
            return
        snapshot = self.controller.snapshot()
        index = self.controller.frame
        phone = self.phone.currentText()
        self.status.setText("rendering...")
        self.worker.submit(lambda: self._render_all(snapshot, index, phone))

    def _render_all(self, project, index: int, phone: str):
        """Worker thread: the three pictures of frame `index`."""
        out, errors = {}, []
        for variant in VARIANTS:
            key = variant if variant != "phone" else phone
            renderer = self.renderers.get(key)
            if renderer is None:
                renderer = self.renderers[key] = Renderer(project, pool=self.pool, registry=self.registry)
            renderer.project = variant_project(project, self.registry, variant, phone)
            result = renderer.render_frame(index)
            out[variant] = np.array(result.frame)
            errors += [f"{variant}: {e}" for e in result.errors]
        return index, out, errors

    def _on_done(self, ticket: int, result) -> None:
        if ticket != self.worker.ticket:
            return
        index, self.frames, self.errors = result
        self.status.setText("; ".join(self.errors) if self.errors else f"frame {index}")
        self._show()

    def _show(self) -> None:
        self.pages.setCurrentIndex(self.mode.currentIndex())
        if not self.frames:
            return
        names = {"original": "Original", "desktop": "Desktop (onnxruntime)",
                 "phone": f"Phone ({self.phone.currentText()}, native runtime)"}
        for v in VARIANTS:
            self.displays[v].caption = names[v]
            self.displays[v].set_image(to_qimage(self.frames[v]))
        self.split_display.caption = "original | desktop | phone"
        self.split_display.set_image(to_qimage(split_bands([self.frames[v] for v in VARIANTS])))

    def difference(self) -> float:
        """Mean absolute difference between the desktop and phone pictures (0..255)."""
        if not self.frames:
            return float("nan")
        return float(np.mean(np.abs(self.frames["desktop"].astype(np.int16) - self.frames["phone"].astype(np.int16))))

    def dispose(self) -> None:
        """Stop the worker and drop the renderers (the app is closing)."""
        self.worker.close()
        for renderer in self.renderers.values():
            renderer.close()
        self.renderers.clear()
        self.close()
