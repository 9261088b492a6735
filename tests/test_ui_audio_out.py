"""Sound while playing: the chunks queued for the audio device are the timeline's mix."""

from __future__ import annotations

import threading
from fractions import Fraction

import numpy as np

from editor.core.audio_mix import mix
from editor.core.project import Clip, Project, Settings, Track
from editor.ui.audio_out import CHUNK_S, QUEUE_CHUNKS, AudioOut


def test_producer_queues_the_interleaved_mix_from_the_start_time(qtbot, bunny):
    project = Project(Settings(1280, 720), [Track("v", "video", [Clip("c", str(bunny), Fraction(1), Fraction(5), Fraction(0))])])
    out = AudioOut()
    out._stop = False
    first = 48000  # one second in
    worker = threading.Thread(target=out._produce, args=(project, first))
    worker.start()
    qtbot.waitUntil(lambda: len(out._queue) >= QUEUE_CHUNKS, timeout=30000)
    with out._cond:
        out._stop = True
        out._cond.notify_all()
    worker.join(timeout=10)
    assert not worker.is_alive()
    n = round(CHUNK_S * 48000)
    chunks = list(out._queue)
    assert len(chunks) == QUEUE_CHUNKS  # bounded: the producer waits for the device
    got = np.frombuffer(b"".join(chunks[:2]), np.float32).reshape(-1, 2)
    want = mix(project, first, 2 * n).T
    assert got.shape == want.shape
    assert np.allclose(got, want, atol=1e-6)
    assert np.abs(got).max() > 0.001  # there is sound there


def test_without_a_device_playback_is_silent_not_broken(qtbot, bunny):
    out = AudioOut()
    project = Project(Settings(), [Track("v", "video", [Clip("c", str(bunny), Fraction(0), Fraction(2), Fraction(0))])])
    started = out.start(project, Fraction(0))
    assert started == out.available
    out.stop()
    assert out.sink is None and not out._queue
