"""Probing, thumbnails and waveforms computed in a worker thread, cached for the views.

Views ask for what they want to paint (`thumbnail(path, t)`, `waveform(path)`, `info(path)`)
and get it at once when it is cached, else None and a `ready` signal later. A job is queued
once however often it is asked for; the queue is bounded, so a view scrolling fast never
buries the worker (the oldest asks are forgotten and asked again if still visible).

At start-up the window holds the worker (`hold`) until the viewer shows its first frame:
thumbnails and waveforms can wait, the picture the user opened the app for cannot.
"""

from __future__ import annotations

import collections
import threading
from fractions import Fraction

import numpy as np
from PySide6.QtCore import QObject, Signal

from editor.errors import StyleCutError

from .frames import to_qimage

THUMB_HEIGHT = 54
WAVE_RATE = 8000          # samples per second decoded for a waveform
WAVE_BINS_PER_SECOND = 50
MAX_PENDING = 64


class MediaJobs(QObject):
    ready = Signal(str, str)     # kind ("info", "thumb", "wave"), path
    failed = Signal(str, str)    # path, problem

    def __init__(self, pool, parent=None):
        super().__init__(parent)
        self.pool = pool
        self._infos: dict[str, object] = {}
        self._errors: dict[str, str] = {}
        self._thumbs: dict[tuple[str, int], object] = {}
        self._waves: dict[str, np.ndarray] = {}
        self._queue: collections.OrderedDict = collections.OrderedDict()
        self._cond = threading.Condition()
        self._stop = False
        self._running = False
        self._held = False
        self._thread = threading.Thread(target=self._run, name="stylecut-media", daemon=True)
        self._thread.start()

    # ---- asks (UI thread)

    def info(self, path: str):
        if path in self._infos:
            return self._infos[path]
        self._ask(("info", path))
        return None

    def error(self, path: str) -> str | None:
        return self._errors.get(path)

    def thumbnail(self, path: str, t: Fraction):
        """A small QImage of the media at `t` (rounded to a tenth of a second)."""
        key = (path, int(Fraction(t) * 10))
        if key in self._thumbs:
            return self._thumbs[key]
        if path not in self._errors:
            self._ask(("thumb",) + key)
        return None

    def waveform(self, path: str):
        """Peak levels, WAVE_BINS_PER_SECOND per second of media, or None while computing."""
        if path in self._waves:
            return self._waves[path]
        if path not in self._errors:
            self._ask(("wave", path))
        return None

    def _ask(self, job: tuple) -> None:
        with self._cond:
            if job in self._queue:
                self._queue.move_to_end(job)
                return
            self._queue[job] = None
            while len(self._queue) > MAX_PENDING:
                self._queue.popitem(last=False)
            self._cond.notify()

    def hold(self) -> None:
        """Keep asks queued without working on them until `release`."""
        with self._cond:
            self._held = True

    def release(self) -> None:
        with self._cond:
            self._held = False
            self._cond.notify()

    @property
    def held(self) -> bool:
        return self._held

    def pending(self) -> int:
        """Jobs waiting or running."""
        with self._cond:
            return len(self._queue) + (1 if self._running else 0)

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._queue.clear()
            self._cond.notify()
        self._thread.join(timeout=5)

    # ---- worker

    def _run(self) -> None:
        while True:
            with self._cond:
                while (self._held or not self._queue) and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                job, _ = self._queue.popitem(last=True)  # newest first: what is on screen now
                self._running = True
            try:
                self._do(job)
            except StyleCutError as exc:
                self._errors[job[1]] = exc.problem
                self.failed.emit(job[1], str(exc))
            except Exception as exc:  # a decoder failure on a damaged file
                self._errors[job[1]] = f"{type(exc).__name__}: {exc}"
                self.failed.emit(job[1], f"{job[1]}: {type(exc).__name__}: {exc}")
            finally:
                with self._cond:
                    self._running = False

    def _do(self, job: tuple) -> None:
        kind, path = job[0], job[1]
        if kind == "info":
            self._infos[path] = self.pool.info(path)
        elif kind == "thumb":
            source = self.pool.source(path)
            frame = source.frame_at_time(Fraction(job[2], 10), use_cache=False)
            rgb = frame.rgb
            step = max(1, rgb.shape[0] // THUMB_HEIGHT)
            self._thumbs[(path, job[2])] = to_qimage(rgb[::step, ::step])
        elif kind == "wave":
            self._waves[path] = self._peaks(path)
        self.ready.emit(kind, path)

    def _peaks(self, path: str) -> np.ndarray:
        from editor.core.media.audio import AudioSource

        info = self.pool.info(path)
        if info.audio is None:
            return np.zeros(0, np.float32)
        source = AudioSource(path, WAVE_RATE, 1, info=info)
        try:
            samples = source.read(0, source.duration_samples)[0]
        finally:
            source.close()
        per_bin = WAVE_RATE // WAVE_BINS_PER_SECOND
        n = len(samples) // per_bin
        if n == 0:
            return np.zeros(0, np.float32)
        return np.abs(samples[:n * per_bin]).reshape(n, per_bin).max(axis=1).astype(np.float32)
