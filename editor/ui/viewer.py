"""The viewer: the rendered frame at the playhead, transport controls and paced playback.

Still frames (scrub, step, edit) are asked of the `FrameServer` whenever the playhead or the
project changes. Playback hands the clock to the server; finished frames come back with their
index and are shown when their time comes, so the picture keeps to the project's frame rate and
late frames are dropped, never the UI. With device emulation on, each display tick shows the
frame the chosen phone would have on screen then (its schedule from the core).
"""

from __future__ import annotations

import time
from fractions import Fraction

from PySide6.QtCore import QTimer, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from . import startup
from .display import FrameDisplay
from .frames import PREROLL_FRAMES, FrameServer, RenderedFrame
from .timecode import timecode

# Playhead moves closer together than this are a drag (slider, ruler, held arrow key): the
# viewer asks for drafts, which follow the mouse, and the full frame when the drag rests.
DRAG_GAP_S = 0.15


class Viewer(QWidget):
    firstFrame = Signal()            # the first frame reached the screen
    frameShown = Signal(object)      # RenderedFrame
    playingChanged = Signal(bool)

    def __init__(self, controller, server: FrameServer, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.server = server
        self.display = FrameDisplay(self)
        self.shown: RenderedFrame | None = None      # the last finished frame shown
        self.on_screen: RenderedFrame | None = None  # what the display holds (also drafts, previews)
        self.frames_shown = 0
        self.speed = 1.0
        self.emulation = None           # an EmulationSchedule while device emulation is on
        from .audio_out import AudioOut

        self.audio = AudioOut(self)
        self._buffer: dict[int, RenderedFrame] = {}
        self._play_t0: float | None = None   # when the playback clock started (None: pre-roll)
        self._play_id: int | None = None      # the server's id of the running playback
        self._audio_from = None               # the snapshot whose sound starts with the clock
        self._play_start = 0
        self._reverse = False
        self._last_move = 0.0
        self._play_shown = -1
        self._snap = None
        self.drafts_shown = 0
        self._build()
        self._clock = QTimer(self)
        self._clock.setTimerType(Qt.TimerType.PreciseTimer)
        self._clock.setInterval(5)
        self._clock.timeout.connect(self._tick)
        server.frameReady.connect(self._on_frame)
        server.clockStarted.connect(self._on_clock_started)
        controller.playheadChanged.connect(self._on_playhead)
        controller.changed.connect(self._on_model)

    def _build(self) -> None:
        self.play_button = QPushButton("Play")
        self.play_button.setToolTip("Play / pause (Space)")
        self.play_button.clicked.connect(self.toggle_play)
        back, fwd = QPushButton("<|"), QPushButton("|>")
        back.setToolTip("Previous frame (Left)")
        fwd.setToolTip("Next frame (Right)")
        back.clicked.connect(lambda: self.step(-1))
        fwd.clicked.connect(lambda: self.step(1))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("scrubber")
        self.slider.valueChanged.connect(self._on_slider)
        self.timecode_label = QLabel("00:00:00:00")
        self.timecode_label.setObjectName("timecode")
        self.backend_label = QLabel("")
        self.backend_label.setObjectName("backend")
        self.backend_label.setToolTip("What made the frame on screen")
        self.stats_label = QLabel("")
        self.quality = QComboBox()
        self.quality.setToolTip("Preview resolution (export is always full size)")
        for text, scale in (("Full", 1.0), ("1/2", 0.5), ("1/4", 0.25)):
            self.quality.addItem(text, scale)
        self.quality.currentIndexChanged.connect(self._on_quality)
        bar = QHBoxLayout()
        for w in (back, self.play_button, fwd):
            bar.addWidget(w)
        bar.addWidget(self.slider, 1)
        bar.addWidget(self.timecode_label)
        info = QHBoxLayout()
        info.addWidget(self.backend_label, 1)
        info.addWidget(self.stats_label)
        info.addWidget(QLabel("Preview"))
        info.addWidget(self.quality)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.display, 1)
        layout.addLayout(bar)
        layout.addLayout(info)
        self._sync_slider()

    def _on_quality(self) -> None:
        self.server.set_render_scale(float(self.quality.currentData()))
        self.refresh()

    # ---- still frames

    def refresh(self) -> None:
        """Ask for the frame at the playhead of the current project."""
        c = self.controller
        if self.playing:
            self.server.update_play_project(self._snapshot(), c.generation)
            return
        self.server.request(c.frame, self._snapshot(), c.generation)

    def _on_playhead(self, t) -> None:
        self.timecode_label.setText(timecode(t, self.controller.project.settings.fps))
        self._sync_slider()
        if not self.playing:
            now = time.perf_counter()
            dragging = now - self._last_move < DRAG_GAP_S
            self._last_move = now
            c = self.controller
            self.server.request(c.frame, self._snapshot(), c.generation, draft=dragging)

    def _snapshot(self):
        """The project for the frame worker: one copy per project state (the worker only
        reads it), not one per playhead move."""
        c = self.controller
        if self._snap is None or self._snap[0] != c.generation:
            self._snap = (c.generation, c.snapshot())
        return self._snap[1]

    def _on_model(self) -> None:
        self._sync_slider()
        self.refresh()

    def _sync_slider(self) -> None:
        c = self.controller
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, c.project.frame_count - 1))
        self.slider.setValue(c.frame)
        self.slider.blockSignals(False)

    def _on_slider(self, value: int) -> None:
        self.controller.set_playhead(self.controller.project.frame_time(value))

    def step(self, frames: int) -> None:
        if self.playing:
            self.pause()
        c = self.controller
        c.set_playhead(c.project.frame_time(c.frame + frames))

    # ---- playback

    @property
    def playing(self) -> bool:
        return self._clock.isActive()

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def play(self, speed: float = 1.0, reverse: bool = False) -> None:
        c = self.controller
        last = c.project.frame_count - 1
        if last < 0:
            return
        if self.playing:
            self.pause()
        start = c.frame if (reverse or c.frame < last) else 0
        self.speed, self._reverse = speed, reverse
        self._buffer.clear()
        self._play_shown = -1
        self._play_start, self._play_t0 = start, None
        self._play_id = None
        snapshot = c.snapshot()  # one copy: the workers and the sound only read it
        self._audio_from = snapshot if not reverse and speed == 1.0 and self.emulation is None else None
        if not reverse:
            # the clock (and the sound) start when the server has the first frames ready
            wanted = self.emulation.wanted(start, last) if self.emulation else None
            self._play_id = self.server.play(start, snapshot, c.generation,
                                             c.project.settings.fps * Fraction(speed).limit_denominator(100),
                                             last, wanted, preroll=PREROLL_FRAMES)
        else:
            self._play_t0 = time.perf_counter()
        self._clock.start()
        self.play_button.setText("Pause")
        self.playingChanged.emit(True)

    def pause(self) -> None:
        if not self.playing:
            return
        self._clock.stop()
        self.audio.stop()
        self.server.stop_play()
        self._buffer.clear()
        self.play_button.setText("Play")
        self.playingChanged.emit(False)
        self.refresh()

    def _on_clock_started(self, play_id: int, t0: float) -> None:
        if not self.playing or play_id != self._play_id:
            return  # a playback that has since been stopped or replaced
        self._play_t0 = t0
        if self._audio_from is not None:
            c = self.controller
            self.audio.start(self._audio_from, c.project.frame_time(self._play_start))

    def _due(self) -> int:
        if self._play_t0 is None:  # the pre-roll: the first frame is due
            return self._play_start
        step = int((time.perf_counter() - self._play_t0) * float(self.controller.project.settings.fps) * self.speed)
        return self._play_start - step if self._reverse else self._play_start + step

    def _tick(self) -> None:
        c = self.controller
        due = self._due()
        last = c.project.frame_count - 1
        if due > last or due < 0:
            c.set_playhead(c.project.frame_time(min(max(due, 0), last)))
            self.pause()
            return
        if self._reverse:  # reverse play: still requests, the mailbox drops what is late
            if due != c.frame:
                c.set_playhead(c.project.frame_time(due))
                self.server.request(due, self._snapshot(), c.generation)
            return
        want = due
        if self.emulation is not None:
            want = self.emulation.on_screen(due)
            if want is None:
                return
        ready = [i for i in self._buffer if i <= want]
        if not ready:
            return
        best = max(ready)
        frame = self._buffer[best]
        for i in ready:
            del self._buffer[i]
        self._play_shown = best
        if self.shown is None or self.shown.index != best or not self.shown.playing:
            self._show(frame)
        if due != c.frame:
            c.set_playhead(c.project.frame_time(due))

    def _on_frame(self, frame: RenderedFrame) -> None:
        if frame.preview:
            self._show_preview(frame)
            return
        if frame.draft:
            self._show_draft(frame)
            return
        if frame.playing:
            # Two workers finish frames out of order now and then; one older than the frame
            # on screen would step the picture backwards.
            if self.playing and not self._reverse and frame.index > self._play_shown:
                self._buffer[frame.index] = frame
            return
        if self.playing and not self._reverse:
            return
        if frame.generation != self.controller.generation and frame.index != self.controller.frame:
            return  # an old request for another frame; a newer one is on its way
        self._show(frame)

    def _show_preview(self, frame: RenderedFrame) -> None:
        """The source picture while the effects load; never replaces a finished frame."""
        c = self.controller
        if self.shown is not None or self.playing or (frame.index, frame.generation) != (c.frame, c.generation):
            return
        self.display.set_image(frame.image)
        self.on_screen = frame
        self.backend_label.setText(f"Frame: {frame.backend}")
        startup.mark("frame-shown")

    def _show_draft(self, frame: RenderedFrame) -> None:
        """A small frame while dragging; never replaces the finished frame of the playhead."""
        c = self.controller
        if self.playing or frame.generation != c.generation:
            return
        if self.shown is not None and (self.shown.index, self.shown.generation) == (c.frame, c.generation):
            return
        self.display.set_image(frame.image)
        self.on_screen = frame
        self.drafts_shown += 1
        self.stats_label.setText(f"draft {frame.render_ms:.0f} ms")

    def _show(self, frame: RenderedFrame) -> None:
        self.shown = frame
        self.on_screen = frame
        self.display.set_image(frame.image)
        self.frames_shown += 1
        text = f"Frame by: {frame.backend}"
        if frame.errors:
            text += "  |  " + "; ".join(frame.errors)
        self.backend_label.setText(text)
        self.stats_label.setText(f"{frame.render_ms:.0f} ms" + (f"  dropped {self.server.dropped}" if self.playing else ""))
        if self.frames_shown == 1:
            self.display.repaint()  # on screen now, not at the next paint: that is the milestone
            startup.mark("frame-shown")
            startup.mark("styled-frame")
            self.firstFrame.emit()
        self.frameShown.emit(frame)
