"""`stylecut apply`: every frame stylized at the input's size and rate, sound kept, clear errors."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction as F

import av
import numpy as np
import pytest

from clipgen import make_clip
from editor.core.media import probe
from editor.core.media.source import MediaSource
from plugins.style_transfer import StyleTransfer
from style_nets import STYLE_IDS, style_environment


@pytest.fixture(scope="module")
def env(request, tmp_path_factory):
    return style_environment(request, tmp_path_factory)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "editor", *map(str, args)], capture_output=True, text=True)


def quarter(rgb):
    import cv2

    h, w = rgb.shape[:2]
    return cv2.resize(rgb, (w // 4, h // 4), interpolation=cv2.INTER_AREA).astype(np.float32)


def first_frame(path):
    with MediaSource(path) as source:
        return source.frame(0).rgb


@pytest.mark.parametrize("backend", ["desktop", "phone", "phone-int8"])
def test_carphone_every_backend(env, carphone, tmp_path, backend):
    out = tmp_path / f"carphone-{backend}.mp4"
    r = run_cli("apply", carphone, "-o", out, "--style", STYLE_IDS[0], "--backend", backend)
    assert r.returncode == 0, r.stderr
    assert "176x144, 120 frames" in r.stdout and "audio none" in r.stdout
    src, dst = probe(carphone).video, probe(out).video
    assert (dst.width, dst.height) == (src.width, src.height) == (176, 144)
    assert dst.fps == src.fps == F(30000, 1001)
    assert dst.frame_count == 120 and dst.duration == F(120) / src.fps
    assert probe(out).audio is None
    # the frames are the effect's output (up to the encoder's loss), not the original
    original = first_frame(carphone)
    expected = StyleTransfer().render(original, F(0), {**StyleTransfer.defaults(), "style": STYLE_IDS[0],
                                                       "backend": backend}, 1.0)
    got = first_frame(out)
    # the network's fine, saturated texture is what 4:2:0 H.264 loses first: compare at 1/4 size
    assert np.abs(quarter(got) - quarter(expected)).mean() < 4
    assert np.abs(quarter(got) - quarter(original)).mean() > 15


def _audio_packets(path):
    with av.open(str(path)) as c:
        return [(p.pts, bytes(p)) for p in c.demux(c.streams.audio[0]) if p.size]


def test_bunny_keeps_its_sound_untouched(env, bunny, tmp_path):
    out = tmp_path / "bunny.mp4"
    r = run_cli("apply", bunny, "-o", out, "--style", STYLE_IDS[1], "--backend", "phone-int8",
                "--size", "180", "--strength", "0.8")
    assert r.returncode == 0, r.stderr
    assert "audio passthrough" in r.stdout
    src, dst = probe(bunny), probe(out)
    assert (dst.video.width, dst.video.height, dst.video.fps) == (1280, 720, 25)
    assert dst.video.frame_count == 132 and dst.video.duration == F(132, 25)
    assert dst.audio.codec == "aac" and dst.audio.channels == src.audio.channels
    assert abs(dst.audio.duration - src.audio.duration) <= F(1, 25)
    theirs, ours = _audio_packets(bunny), _audio_packets(out)
    assert len(ours) >= len(theirs) - 2
    assert [p for _, p in ours] == [p for _, p in theirs][:len(ours)]


def test_strength_zero_writes_the_original(env, carphone, tmp_path):
    out = tmp_path / "zero.mp4"
    r = run_cli("apply", carphone, "-o", out, "--style", STYLE_IDS[2], "--strength", "0")
    assert r.returncode == 0, r.stderr
    assert np.abs(first_frame(out).astype(np.int16) - first_frame(carphone)).mean() < 3


def test_unknown_style_lists_the_valid_ids(env, carphone, tmp_path):
    out = tmp_path / "x.mp4"
    r = run_cli("apply", carphone, "-o", out, "--style", "nope")
    assert r.returncode == 2
    assert "nope" in r.stderr and all(s in r.stderr for s in STYLE_IDS)
    assert "Traceback" not in r.stderr and not out.exists()


def test_odd_tiny_and_missing_inputs_fail_cleanly(env, tmp_path):
    odd = make_clip(tmp_path / "odd.mkv", frames=5, size=(63, 47), codec="ffv1", pix_fmt="yuv444p")
    tiny = make_clip(tmp_path / "tiny.mkv", frames=5, size=(24, 12), codec="ffv1", pix_fmt="yuv444p")
    cases = [(odd, "63x47"), (tiny, "at least 16 pixels"), (tmp_path / "missing.mp4", "missing.mp4")]
    for source, words in cases:
        out = tmp_path / "out.mp4"
        r = run_cli("apply", source, "-o", out, "--style", STYLE_IDS[0])
        assert r.returncode == 2, (source, r.stderr)
        assert words in r.stderr and str(source.name) in r.stderr
        assert "Traceback" not in r.stderr and not out.exists()
        assert not list(tmp_path.glob(".out.mp4.*"))
    # an odd height is fine for a preset that subsamples colour only horizontally (4:2:2)
    odd_height = make_clip(tmp_path / "odd_height.mkv", frames=5, size=(64, 47), codec="ffv1",
                           pix_fmt="yuv444p")
    out = tmp_path / "odd.mov"
    r = run_cli("apply", odd_height, "-o", out, "--style", STYLE_IDS[0], "--preset", "prores")
    assert r.returncode == 0, r.stderr
    assert (probe(out).video.width, probe(out).video.height, probe(out).video.frame_count) == (64, 47, 5)


def _decoded(path):
    with av.open(str(path)) as c:
        return [f.to_ndarray() for f in c.decode(video=0)]


def test_workers_side_by_side_keep_the_frame_order(env, carphone, tmp_path):
    """Three workers finish frames out of order; the file must hold them in order, exactly
    as one worker with a two-thread session writes them (the native runtime is bit-exact
    across thread counts, and one x264 thread is deterministic)."""
    from editor.cli.cmd_apply import apply_style, style_params

    params = style_params(STYLE_IDS[0], backend="phone", size=96)
    one = apply_style(carphone, tmp_path / "one.mp4", params, workers=1, inference_threads=2, encode_threads=1,
                      max_frames=30)
    three = apply_style(carphone, tmp_path / "three.mp4", params, workers=3, inference_threads=1,
                        encode_threads=1, max_frames=30)
    assert one.frames == three.frames == 30
    a, b = _decoded(one.path), _decoded(three.path)
    assert len(a) == len(b) == 30
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    # consecutive frames differ, so a swap would show
    assert not np.array_equal(a[10], a[11])
    # every step's CPU time is accounted to the thread that ran it
    for step in ("decode", "scale", "inference", "upsample", "encode"):
        assert three.stage_cpu[step] > 0, step
