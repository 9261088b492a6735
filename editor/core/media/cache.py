"""FrameCache: decoded RGB frames kept in memory, least recently used dropped first.

Bounded in bytes, not in frames, because one 4K frame weighs as much as a hundred thumbnails.
Thread-safe: the preview, the exporter and thumbnail workers may share one cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Hashable

import numpy as np

DEFAULT_BUDGET = 512 * 1024 * 1024


class FrameCache:
    def __init__(self, budget_bytes: int = DEFAULT_BUDGET):
        if budget_bytes < 0:
            raise ValueError("a cache budget cannot be negative")
        self.budget_bytes = int(budget_bytes)
        self._items: OrderedDict[Hashable, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.peak_bytes = 0

    @property
    def used_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key) -> bool:
        return key in self._items

    def get(self, key: Hashable) -> np.ndarray | None:
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: Hashable, frame: np.ndarray) -> None:
        """Keep `frame` (made read-only, since every reader shares it) unless it alone is too big."""
        size = frame.nbytes
        frame.flags.writeable = False
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old.nbytes
            if size > self.budget_bytes:
                return
            while self._items and self._bytes + size > self.budget_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= dropped.nbytes
            self._items[key] = frame
            self._bytes += size
            self.peak_bytes = max(self.peak_bytes, self._bytes)

    def discard(self, predicate) -> None:
        """Drop every entry whose key satisfies `predicate` (e.g. all frames of one file)."""
        with self._lock:
            for key in [k for k in self._items if predicate(k)]:
                self._bytes -= self._items.pop(key).nbytes

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0
