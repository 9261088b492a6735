"""FrameCache: an LRU bounded in bytes."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from editor.core.media.cache import FrameCache


def frame(nbytes, fill=0):
    return np.full(nbytes, fill, np.uint8)


def test_least_recently_used_goes_first():
    cache = FrameCache(300)
    for k in "abc":
        cache.put(k, frame(100))
    cache.get("a")                    # a becomes the most recent
    cache.put("d", frame(100))
    assert "b" not in cache and all(k in cache for k in "acd")
    assert cache.used_bytes == 300


def test_budget_is_bytes_not_items():
    cache = FrameCache(1000)
    cache.put("big", frame(900))
    cache.put("small", frame(200))
    assert "big" not in cache and cache.used_bytes == 200
    cache.put("huge", frame(5000))   # larger than the whole budget: not kept
    assert "huge" not in cache and cache.used_bytes == 200


def test_replacing_a_key_does_not_double_count():
    cache = FrameCache(1000)
    cache.put("a", frame(400))
    cache.put("a", frame(300))
    assert cache.used_bytes == 300 and len(cache) == 1


def test_hits_misses_discard_and_clear():
    cache = FrameCache(1000)
    cache.put(("x", 1), frame(10))
    cache.put(("y", 1), frame(10))
    assert cache.get(("x", 1)) is not None and cache.get(("x", 2)) is None
    assert (cache.hits, cache.misses) == (1, 1)
    cache.discard(lambda k: k[0] == "x")
    assert ("x", 1) not in cache and cache.used_bytes == 10
    cache.clear()
    assert len(cache) == 0 and cache.used_bytes == 0


def test_negative_budget_is_refused():
    with pytest.raises(ValueError):
        FrameCache(-1)


def test_concurrent_writers_keep_the_byte_count_true():
    cache = FrameCache(50_000)

    def work(t):
        for i in range(500):
            cache.put((t, i % 97), frame(100 + (i % 7) * 50))
            cache.get((t, (i * 3) % 97))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert cache.used_bytes == sum(v.nbytes for v in cache._items.values())
    assert cache.peak_bytes <= cache.budget_bytes
