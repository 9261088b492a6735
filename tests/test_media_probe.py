"""probe(): what real and generated files hold, exactly."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from clipgen import make_audio_only, make_clip
from editor.core.media import probe


def test_bunny_streams_rate_and_exact_frame_count(bunny):
    info = probe(bunny)
    v, a = info.video, info.audio
    assert (v.codec, v.width, v.height, v.rotation) == ("h264", 1280, 720, 0)
    assert v.fps == Fraction(25) and v.frame_count == 132
    assert v.duration == Fraction(132, 25) and not v.variable_frame_rate
    assert (a.codec, a.sample_rate, a.channels) == ("aac", 48000, 6)
    assert a.layout == "5.1"
    assert info.container.startswith("mov") and info.warnings == ()
    assert [s.kind for s in info.streams] == ["video", "audio"]


def test_carphone_ntsc_rate_is_an_exact_rational(carphone):
    info = probe(carphone)
    assert info.video.fps == Fraction(30000, 1001)
    assert info.video.frame_count == 120
    assert info.video.duration == Fraction(120 * 1001, 30000)
    assert info.audio is None


def test_json_form_round_trips_rationals_as_strings(carphone):
    data = json.loads(json.dumps(probe(carphone).to_dict()))
    assert data["video"]["fps"] == "30000/1001"
    assert data["video"]["frame_count"] == 120
    assert data["audio"] is None


def test_variable_frame_rate_is_detected_and_counted(tmp_path):
    pts = [0, 40, 80, 100, 180, 200, 260, 300, 340, 360]
    clip = make_clip(tmp_path / "vfr.mp4", frames=len(pts), pts=pts, time_base=Fraction(1, 1000))
    v = probe(clip).video
    assert v.variable_frame_rate
    assert v.frame_count == 10
    assert v.duration == Fraction(400, 1000)  # last frame lasts the median gap, 40 ms
    assert v.fps == Fraction(10) / Fraction(400, 1000)


def test_constant_rate_clip_is_not_flagged_variable(tmp_path):
    clip = make_clip(tmp_path / "cfr.mkv", frames=12, rate=30)
    assert not probe(clip).video.variable_frame_rate


@pytest.mark.parametrize("degrees,expected", [(90, 90), (-90, 270), (180, 180)])
def test_display_rotation_swaps_display_size(tmp_path, degrees, expected):
    clip = make_clip(tmp_path / "rot.mp4", frames=3, size=(64, 32), rotation=degrees)
    v = probe(clip).video
    assert v.rotation == expected
    assert (v.width, v.height) == (64, 32)
    if expected in (90, 270):
        assert (v.display_width, v.display_height) == (32, 64)
    else:
        assert (v.display_width, v.display_height) == (64, 32)


def test_odd_size_and_audio_layout(tmp_path):
    clip = make_clip(tmp_path / "odd.mkv", frames=10, size=(175, 143), pix_fmt="yuv444p",
                     audio=True, sample_rate=22050, audio_layout="stereo")
    info = probe(clip)
    assert (info.video.width, info.video.height) == (175, 143)
    assert info.video.pixel_format == "yuv444p"
    assert (info.audio.sample_rate, info.audio.channels, info.audio.layout) == (22050, 2, "stereo")


def test_audio_only_file_probes_without_video(tmp_path):
    info = probe(make_audio_only(tmp_path / "tone.m4a", seconds=1.0))
    assert info.video is None and info.audio.channels == 2
    assert abs(info.duration - 1) < Fraction(1, 20)
