"""A one-line progress bar for the terminal; silent when the output is not a terminal."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    """Call with (done, total). Redraws at most ten times a second; `close()` ends the line."""

    def __init__(self, label: str = "", stream=None, width: int = 30, force: bool | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.label = label
        self.width = width
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = force if force is not None else bool(isatty and isatty())
        self._last = 0.0
        self._start = time.monotonic()
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        frac = done / total if total else 1.0
        filled = int(round(frac * self.width))
        elapsed = now - self._start
        eta = (elapsed / frac - elapsed) if 0 < frac < 1 else 0.0
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total} {frac:4.0%} eta {eta:4.0f}s ")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
