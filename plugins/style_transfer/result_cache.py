"""Stylized frames already computed, so scrubbing back over them is instant.

Keyed by (clip, effect, source frame, the parameters that shape the stylized picture);
bounded in bytes, least recently used out first. Strength and colour preservation are not
in the key: they are applied after the cache, so dragging the strength slider never reruns
the network.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

DEFAULT_BYTES = 256 * 1024 * 1024


class ResultCache:
    def __init__(self, max_bytes: int = DEFAULT_BYTES):
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple) -> np.ndarray | None:
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: tuple, frame: np.ndarray) -> None:
        if frame.nbytes > self.max_bytes:
            return
        frame = frame.view()
        frame.flags.writeable = False  # shared with later readers
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old.nbytes
            self._items[key] = frame
            self._bytes += frame.nbytes
            while self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= dropped.nbytes

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def nbytes(self) -> int:
        return self._bytes
