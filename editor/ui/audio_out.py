"""Sound while playing: the core's timeline mix pushed into a QAudioSink.

A producer thread mixes the next chunks of the timeline (the same `audio_mix.mix` the export
uses) into a short bounded queue; a timer on the UI thread copies what the sink has room for.
Without an audio device (the offscreen platform, a machine without sound) playback simply has
no sound; `available` says which.
"""

from __future__ import annotations

import collections
import threading

import numpy as np
from PySide6.QtCore import QObject, QTimer

CHUNK_S = 0.05
QUEUE_CHUNKS = 8     # about 0.4 s mixed ahead


def audio_device():
    try:
        from PySide6.QtMultimedia import QMediaDevices
    except ImportError:  # QtMultimedia or its system libraries are missing
        return None
    device = QMediaDevices.defaultAudioOutput()
    return None if device.isNull() else device


_UNKNOWN = object()


class AudioOut(QObject):
    def __init__(self, parent=None):
        super().__init__(parent)
        # Looked up after the first frame is on screen (the main window asks once idle), not
        # at start-up: QtMultimedia's import and the device query take a noticeable part of a
        # second that the first frame should not wait for.
        self._device = _UNKNOWN
        self.sink = None
        self.io = None
        self._queue: collections.deque = collections.deque()
        self._cond = threading.Condition()
        self._stop = True
        self._thread = None
        self._pending = b""
        self._timer = QTimer(self)
        self._timer.setInterval(15)
        self._timer.timeout.connect(self._feed)

    @property
    def device(self):
        if self._device is _UNKNOWN:
            self._device = audio_device()
        return self._device

    @property
    def available(self) -> bool:
        return self.device is not None

    def start(self, project, t) -> bool:
        """Play the timeline's sound from time `t` of `project` (a snapshot); False if silent."""
        self.stop()
        if self.device is None:
            return False
        from PySide6.QtMultimedia import QAudioFormat, QAudioSink

        s = project.settings
        fmt = QAudioFormat()
        fmt.setSampleRate(s.sample_rate)
        fmt.setChannelCount(s.channels)
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Float)
        if not self.device.isFormatSupported(fmt):
            return False
        self.sink = QAudioSink(self.device, fmt, self)
        self.io = self.sink.start()
        self._stop = False
        first = round(float(t) * s.sample_rate)
        self._thread = threading.Thread(target=self._produce, args=(project, first), daemon=True,
                                        name="stylecut-audio")
        self._thread.start()
        self._timer.start()
        return True

    def stop(self) -> None:
        self._timer.stop()
        with self._cond:
            self._stop = True
            self._queue.clear()
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        if self.sink is not None:
            self.sink.stop()
            self.sink = None
            self.io = None
        self._pending = b""

    def _produce(self, project, first: int) -> None:
        from editor.core.audio_mix import mix, total_samples
        from editor.core.media.pool import MediaPool

        rate = project.settings.sample_rate
        n = round(CHUNK_S * rate)
        end = total_samples(project)
        position = first
        with MediaPool() as pool:
            while position < end:
                with self._cond:
                    while len(self._queue) >= QUEUE_CHUNKS and not self._stop:
                        self._cond.wait(0.1)
                    if self._stop:
                        return
                try:
                    block = mix(project, position, min(n, end - position), pool)
                except Exception:
                    return  # unreadable audio: the picture plays on without sound
                data = np.ascontiguousarray(block.T, np.float32).tobytes()  # interleaved
                with self._cond:
                    self._queue.append(data)
                position += n

    def _feed(self) -> None:
        if self.sink is None or self.io is None:
            return
        free = self.sink.bytesFree()
        while free > 0:
            if not self._pending:
                with self._cond:
                    if not self._queue:
                        break
                    self._pending = self._queue.popleft()
                    self._cond.notify_all()
            written = self.io.write(self._pending[:free])
            if written <= 0:
                break
            self._pending = self._pending[written:]
            free -= written

    def dispose(self) -> None:
        self.stop()
