"""Thumbnails: small RGB pictures of a clip at a time, for the media bin and timeline strips.

Frames come through the clip's MediaSource (frame-accurate, cached), then are shrunk with an
area filter by one reformatter per output size. Results are remembered, since a timeline
redraw asks for the same thumbnails again and again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from fractions import Fraction

import av
import numpy as np
from av.video.reformatter import Interpolation, VideoReformatter

from editor.core.media.pool import MediaPool


def fit_within(width: int, height: int, max_width: int, max_height: int) -> tuple[int, int]:
    """The largest size with the picture's aspect that fits in max_width x max_height."""
    scale = min(max_width / width, max_height / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


class Thumbnailer:
    def __init__(self, pool: MediaPool | None = None, max_size: tuple[int, int] = (160, 90),
                 keep: int = 512):
        self.pool = pool or MediaPool()
        self.max_size = max_size
        self._keep = keep
        self._done: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._scalers: dict[tuple[int, int, int, int], VideoReformatter] = {}
        self._lock = threading.Lock()

    def at(self, path, t: Fraction | float) -> np.ndarray:
        """An HxWx3 uint8 picture of `path` at `t` seconds, within `max_size`, aspect kept."""
        source = self.pool.source(path)
        index = source.index_at_time(t)
        key = (source.path, index, self.max_size)
        with self._lock:
            hit = self._done.get(key)
            if hit is not None:
                self._done.move_to_end(key)
                return hit
        rgb = source.frame(index).rgb
        small = self._shrink(rgb)
        small.flags.writeable = False
        with self._lock:
            self._done[key] = small
            while len(self._done) > self._keep:
                self._done.popitem(last=False)
        return small

    def strip(self, path, count: int, start: Fraction = Fraction(0),
              end: Fraction | None = None) -> list[np.ndarray]:
        """`count` thumbnails evenly spread over [start, end) of the clip (its whole length)."""
        source = self.pool.source(path)
        end = source.duration if end is None else Fraction(end)
        step = (end - Fraction(start)) / max(count, 1)
        return [self.at(path, Fraction(start) + step * k) for k in range(count)]

    def _shrink(self, rgb: np.ndarray) -> np.ndarray:
        h, w = rgb.shape[:2]
        tw, th = fit_within(w, h, *self.max_size)
        if (tw, th) == (w, h):
            return rgb.copy()
        key = (w, h, tw, th)
        with self._lock:
            scaler = self._scalers.get(key)
            if scaler is None:
                scaler = self._scalers[key] = VideoReformatter()
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        small = scaler.reformat(frame, width=tw, height=th, format="rgb24",
                                interpolation=Interpolation.AREA)
        return np.ascontiguousarray(small.to_ndarray())
