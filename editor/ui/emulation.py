"""Device emulation: preview at the cadence a chosen phone would reach with the clip's network.

The network is the style network of the clip under the playhead (or a file the user picks),
at the processing size the effect uses. The core's cost model predicts the phone's time per
frame and per layer; the core's playback schedule says which frame the phone would have on
screen at each display tick. With emulation on, the viewer plays that schedule, and its HUD
shows the phone, the predicted milliseconds, the frames per second, the latency and the
verdict against the platforms' budgets. The per-layer chart is the core's chart.
"""

from __future__ import annotations

import io
from fractions import Fraction

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QScrollArea,
                               QSizePolicy, QVBoxLayout, QWidget)

from editor.core.devices.playback import simulate

from .styles_list import installed_styles, style_effect
from .worker import LatestJob


class EmulationSchedule:
    """The phone's playback schedule for one run of the viewer, from a predicted frame time."""

    def __init__(self, inference_ms: float, fps, throttle: dict | None = None):
        self.inference_ms, self.fps, self.throttle = inference_ms, Fraction(fps), throttle
        self.start = 0
        self.playback = None

    def wanted(self, start: int, last: int) -> dict[int, int]:
        """Frames the phone processes from `start`, each with the tick it first shows at."""
        self.start = start
        self.playback = simulate(self.inference_ms, self.fps, last - start + 1, self.throttle)
        first_tick: dict[int, int] = {}
        for tick, source in enumerate(self.playback.ticks):
            if source is not None and source + start not in first_tick:
                first_tick[source + start] = tick + start
        return first_tick

    def on_screen(self, tick: int) -> int | None:
        """The frame the phone shows at display tick `tick` (None: nothing yet)."""
        if self.playback is None:
            return tick
        k = tick - self.start
        if not 0 <= k < len(self.playback.ticks):
            return None
        source = self.playback.ticks[k]
        return None if source is None else source + self.start


def processing_size(project, effect) -> tuple[int, int]:
    """(width, height) the network sees: the short side at the effect's `size`, aspect kept."""
    s = project.settings
    short = int(effect.params.get("size", 360)) if effect is not None else 360
    if short <= 0:
        return s.width, s.height
    if s.width >= s.height:
        return max(1, round(s.width * short / s.height)), short
    return short, max(1, round(s.height * short / s.width))


def size_multiple(path: str) -> int:
    """The side multiple the network needs (the runtime pads to it), 8 when it cannot be read."""
    try:
        from native.convert import to_network

        return max(1, int(to_network(str(path)).size_multiple))
    except Exception:
        return 8


def padded(size: tuple[int, int], multiple: int) -> tuple[int, int]:
    """`size` rounded up to the multiple, as the runtime pads the picture before inference."""
    return tuple(-(-side // multiple) * multiple for side in size)


def network_of(effect) -> str | None:
    """The network file of the effect's style (the first installed style when unset)."""
    styles, _ = installed_styles()
    if effect is None or not styles:
        return None
    wanted = effect.params.get("style") or styles[0].id
    for style in styles:
        if style.id == wanted:
            return str(style.model)
    return None


def chart_png(prediction) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from editor.core.devices.chart import figure

    fig = figure(prediction)
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    return buf.getvalue()


class EmulationPanel(QWidget):
    def __init__(self, controller, viewer, registry, parent=None):
        super().__init__(parent)
        self.controller, self.viewer, self.registry = controller, viewer, registry
        self.prediction = None
        self.verdicts: list = []
        self.network_path: str | None = None
        self.user_network: str | None = None
        self._predicted_for = None
        self.worker = LatestJob("emulation", self)
        self.worker.done.connect(self._on_done)
        self.worker.failed.connect(lambda ticket, message: self._on_failed(message))
        from editor.core.devices.profiles import load_phone_profiles

        self.profiles, self.phones = load_phone_profiles()
        self.phone = QComboBox()
        for p in sorted((p for p in self.profiles if p.default), key=lambda p: (-p.year, p.name)):
            self.phone.addItem(f"{p.name} ({p.soc.split(' (')[0]}, {p.year})", p.id)
        # Start on a phone of middle age: closer to what most viewers hold than the newest.
        self.phone.setCurrentIndex(self.phone.count() // 2)
        self.phone.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.phone.setMinimumContentsLength(24)
        self.phone.currentIndexChanged.connect(self.update_prediction)
        self.enabled = QCheckBox("Play at this phone's speed")
        self.enabled.toggled.connect(self._toggle)
        pick = QPushButton("Network file...")
        pick.clicked.connect(self._pick_network)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.chart = QLabel("")
        self.chart.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        scroll = QScrollArea()
        self.chart_scroll = scroll
        scroll.setWidget(self.chart)
        scroll.setWidgetResizable(True)
        row = QHBoxLayout()
        row.addWidget(self.enabled, 1)
        row.addWidget(pick)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(QLabel("Phone"))
        layout.addWidget(self.phone)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(QLabel("Predicted time per layer"))
        layout.addWidget(scroll, 1)
        controller.changed.connect(self.update_prediction)
        viewer.playingChanged.connect(lambda _: self._refresh_hud())
        self.update_prediction()

    def _refresh_hud(self) -> None:
        on = self.viewer.emulation is not None
        self.viewer.display.set_overlay(self.hud_lines() if on else [])

    def profile(self):
        wanted = self.phone.currentData()
        return next((p for p in self.profiles if p.id == wanted), None)

    def _pick_network(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Network to emulate", "", "Networks (*.onnx *.param *.scnn);;All files (*)")
        if path:
            self.set_network(path)

    def set_network(self, path: str | None) -> None:
        """Emulate this network file instead of the clip's style network (None: the clip's)."""
        self.user_network = path
        self.update_prediction()

    def update_prediction(self) -> None:
        clip = self.controller.clip_at_playhead() or self.controller.selected_clip()
        effect = style_effect(clip, self.registry)
        path = self.user_network or network_of(effect)
        profile = self.profile()
        if path is None or profile is None:
            self.prediction = None
            self.summary.setText("No style network on the clip under the playhead: add a style effect, "
                                 "or pick a network file.")
            self._sync_viewer()
            return
        size = processing_size(self.controller.project, effect)
        int8 = effect is not None and effect.params.get("backend") == "phone-int8"
        key = (path, size, int8, profile.id)
        if key == self._predicted_for and self.prediction is not None:
            return  # an edit that changes nothing the prediction depends on
        self._predicted_for = key
        self.network_path = path
        self.summary.setText("predicting...")
        profiles, phones = self.profiles, self.phones
        self.worker.submit(lambda: self._predict(path, size, int8, profile, profiles, phones))

    @staticmethod
    def _predict(path, size, int8, profile, profiles, phones):
        """Worker thread: prediction, verdicts and the chart image."""
        from editor.core.devices.budgets import verdicts
        from editor.core.devices.load import load_network
        from editor.core.devices.predict import predict

        net = load_network(path, padded(size, size_multiple(path)), int8)
        prediction = predict(net, profile)
        return prediction, verdicts(net, profiles, phones, profile), chart_png(prediction), profile

    def _on_done(self, ticket: int, result) -> None:
        if ticket != self.worker.ticket:
            return
        self.prediction, self.verdicts, png, profile = result
        image = QImage.fromData(png, "PNG")
        self.chart_image = image
        width = max(640, self.chart_scroll.viewport().width() - 4)  # stays legible; the panel scrolls
        self.chart.setPixmap(QPixmap.fromImage(image.scaledToWidth(
            min(width, image.width()), Qt.TransformationMode.SmoothTransformation)))
        p = self.prediction
        lines = [f"{profile.name}: {p.total_ms:.1f} ms a frame, {p.fps:.1f} fps "
                 f"at {p.input_size[0]}x{p.input_size[1]}{' int8' if p.int8 else ''}"]
        for v in self.verdicts:
            mark = "PASS" if v.ok else "FAIL"
            lines.append(f"{mark} {v.platform} on {v.phone}: {v.fps:.1f} fps (needs {v.min_fps:g})"
                         + (" ~" if v.approximate else ""))
        self.summary.setText("\n".join(lines))
        self._sync_viewer()

    def _on_failed(self, message: str) -> None:
        self.prediction = None
        self._predicted_for = None
        self.summary.setText(f"cannot predict: {message}")
        self._sync_viewer()

    def verdict_text(self) -> str:
        own = [v for v in self.verdicts if v.device == (self.profile().id if self.profile() else None)]
        chosen = own[0] if own else (self.verdicts[0] if self.verdicts else None)
        if chosen is None:
            return "no verdict"
        return f"{'PASS' if chosen.ok else 'FAIL'} {chosen.platform} ({chosen.min_fps:g} fps)"

    def hud_lines(self) -> list[str]:
        if self.prediction is None:
            return []
        p = self.prediction
        schedule = self.viewer.emulation
        lines = [self.profile().name if self.profile() else "?", f"{p.total_ms:.1f} ms / frame",
                 f"{min(p.fps, float(self.controller.project.settings.fps)):.1f} fps shown"]
        if schedule is not None and schedule.playback is not None and schedule.playback.shown:
            lines.append(f"latency {schedule.playback.mean_latency_ms():.0f} ms")
        lines.append(self.verdict_text())
        return lines

    def _toggle(self, on: bool) -> None:
        self._sync_viewer()

    def _sync_viewer(self) -> None:
        on = self.enabled.isChecked() and self.prediction is not None
        was_playing = self.viewer.playing
        if was_playing:
            self.viewer.pause()
        if on:
            profile = self.profile()
            self.viewer.emulation = EmulationSchedule(self.prediction.total_ms, self.controller.project.settings.fps,
                                                      profile.throttle if profile else None)
        else:
            self.viewer.emulation = None
        self.viewer.display.set_overlay(self.hud_lines() if on else [])
        if was_playing:
            self.viewer.play()

    def dispose(self) -> None:
        self.worker.close()
