"""MediaPool: one source per file, failures remembered, forget/close."""

from __future__ import annotations

import pytest

from clipgen import make_audio_only
from editor.core.media.pool import MediaPool
from editor.errors import MediaError


def test_one_source_per_file(carphone, tmp_path):
    pool = MediaPool(cache_bytes=1 << 20)
    a = pool.source(carphone)
    assert pool.source(str(carphone)) is a and pool.get(carphone) is a
    assert pool.info(carphone) is a.info
    a.frame(3)
    assert len(pool.cache) == 1
    pool.forget(carphone)
    assert len(pool.cache) == 0 and pool.source(carphone) is not a
    pool.close()


def test_audio_sources_per_format_and_none_without_audio(bunny, carphone):
    pool = MediaPool()
    assert pool.audio(carphone, 48000, 2) is None
    stereo = pool.audio(bunny, 48000, 2)
    assert pool.audio(bunny, 48000, 2) is stereo
    assert pool.audio(bunny, 44100, 1) is not stereo


def test_failures_are_remembered_with_the_same_error(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_text("nope " * 100)
    pool = MediaPool()
    with pytest.raises(MediaError) as first:
        pool.source(bad)
    with pytest.raises(MediaError) as second:
        pool.info(bad)
    assert second.value is first.value and str(bad) in str(first.value)


def test_audio_only_file_has_info_and_audio_but_no_video(tmp_path):
    voice = make_audio_only(tmp_path / "v.m4a")
    pool = MediaPool()
    assert pool.info(voice).audio is not None
    assert pool.audio(voice, 48000, 2) is not None
    with pytest.raises(MediaError, match="audio only"):
        pool.source(voice)
    # Asking for its video does not make its sound unavailable.
    assert pool.info(voice).audio is not None and pool.audio(voice, 48000, 2) is not None
