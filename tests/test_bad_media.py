"""Bad media: every kind of unusable file gets a MediaError that names it and says what is wrong."""

from __future__ import annotations

import os
from pathlib import Path

import av
import numpy as np
import pytest

from clipgen import make_audio_only, make_clip
from editor.core.media import probe
from editor.core.media.source import MediaSource
from editor.errors import MediaError, StyleCutError


def expect_error(path, words, opener=probe):
    with pytest.raises(MediaError) as err:
        opener(path)
    message = str(err.value)
    assert str(path) in message
    assert any(w in message for w in words), message
    assert isinstance(err.value, StyleCutError) and err.value.path == os.fspath(path)
    return message


def test_missing_file(tmp_path):
    expect_error(tmp_path / "nowhere.mp4", ["does not exist"])


def test_folder(tmp_path):
    expect_error(tmp_path, ["folder"])


def test_zero_bytes(tmp_path):
    p = tmp_path / "empty.mp4"
    p.write_bytes(b"")
    expect_error(p, ["empty"])


def test_random_bytes(tmp_path):
    p = tmp_path / "noise.mp4"
    p.write_bytes(np.random.default_rng(7).integers(0, 256, 20000, dtype=np.uint8).tobytes())
    expect_error(p, ["not a recognised media file"])


def test_text_renamed_to_mp4(tmp_path):
    p = tmp_path / "notes.mp4"
    p.write_text("These are my shooting notes.\nScene 1, take 3: good.\n" * 20, encoding="utf-8")
    expect_error(p, ["text file"])


def test_mp4_truncated_before_its_index(bunny, tmp_path):
    # bigbuckbunny keeps its 'moov' box at the end: cutting the file loses the index.
    p = tmp_path / "cut.mp4"
    p.write_bytes(bunny.read_bytes()[:400_000])
    expect_error(p, ["truncated"])


def test_truncated_with_index_first_probes_with_a_warning(tmp_path):
    clip = make_clip(tmp_path / "full.mp4", frames=40, size=(96, 64), gop=8, faststart=True)
    p = tmp_path / "cut.mp4"
    data = clip.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    info = probe(p)
    assert info.truncated and "can be shown" in info.warnings[0]
    assert 0 < info.video.frame_count < 40


def test_audio_only_when_video_is_needed(tmp_path):
    p = make_audio_only(tmp_path / "voice.m4a")
    expect_error(p, ["audio only"], opener=MediaSource)
    assert probe(p).audio is not None  # still fine as an audio clip


def test_still_image_is_rejected_clearly(tmp_path):
    p = tmp_path / "photo.png"
    with av.open(str(p), "w", format="image2") as out:
        s = out.add_stream("png", rate=1)
        s.width, s.height, s.pix_fmt = 32, 24, "rgb24"
        f = av.VideoFrame.from_ndarray(np.zeros((24, 32, 3), np.uint8), format="rgb24")
        for pkt in s.encode(f):
            out.mux(pkt)
        for pkt in s.encode():
            out.mux(pkt)
    expect_error(p, ["still image"])


def test_unsupported_video_codec(tmp_path):
    # An AVI whose codec tag no decoder knows: made from a real MJPEG AVI with the tag replaced.
    clip = make_clip(tmp_path / "mj.avi", frames=3, codec="mjpeg", pix_fmt="yuvj420p")
    data = clip.read_bytes()
    assert b"MJPG" in data
    p = tmp_path / "alien.avi"
    p.write_bytes(data.replace(b"MJPG", b"QZQZ"))
    expect_error(p, ["cannot decode", "unsupported"])


def test_unreadable_file(tmp_path):
    if os.geteuid() != 0:
        p = make_clip(tmp_path / "locked.mp4", frames=2)
        p.chmod(0)
        expect_error(p, ["cannot be read"])
        return
    # Root reads any file, so a forked child drops to an unprivileged user and probes a file in
    # a folder that user may enter; it reports the error text back through a pipe.
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="stylecut-locked-")
    try:
        os.chmod(folder, 0o755)
        p = make_clip(Path(folder) / "locked.mp4", frames=2)
        p.chmod(0)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: never returns into pytest
            message = b"no error"
            try:
                os.setgid(65534)
                os.setuid(65534)
                probe(p)
            except StyleCutError as exc:
                message = str(exc).encode()
            except BaseException as exc:  # noqa: BLE001 - reported to the parent
                message = f"unexpected {type(exc).__name__}: {exc}".encode()
            finally:
                os.write(write_end, message)
                os._exit(0)
        os.close(write_end)
        import select
        ready, _, _ = select.select([read_end], [], [], 60)   # a child stuck on a lock held at fork
        if not ready:
            os.kill(pid, 9)
        with os.fdopen(read_end, "rb") as f:
            message = f.read().decode() if ready else "child did not answer within 60 s"
        os.waitpid(pid, 0)
        assert str(p) in message and "cannot be read" in message, message
    finally:
        shutil.rmtree(folder, ignore_errors=True)
