"""MediaSource: random access gives exactly what a straight decode gives, frame for frame."""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest

from clipgen import decode_all, make_clip
from editor.core.media.cache import FrameCache
from editor.core.media.source import MediaSource


def assert_random_matches_sequential(path, rotation_k=0, order_seed=1, subset=None):
    ref_pts, ref_rgb = decode_all(path)
    ref_rgb = [np.rot90(a, rotation_k) for a in ref_rgb]
    src = MediaSource(path)
    assert src.frame_count == len(ref_pts)
    seq = list(src.frames())
    assert [f.pts for f in seq] == ref_pts
    for f, ref in zip(seq, ref_rgb):
        assert np.array_equal(f.rgb, ref), f"sequential frame {f.index} differs"
    order = list(range(len(ref_pts))) if subset is None else subset
    order = order[:]
    random.Random(order_seed).shuffle(order)
    for i in order:
        f = src.frame(i)
        assert f.index == i and f.pts == ref_pts[i]
        assert np.array_equal(f.rgb, ref_rgb[i]), f"random access to frame {i} differs"
    src.close()


def test_every_frame_of_carphone_by_random_access(carphone):
    assert_random_matches_sequential(carphone)


def test_bunny_random_frames_match_sequential(bunny):
    # Every frame sequentially; a spread of random seeks (a full random pass takes ~20 s here).
    assert_random_matches_sequential(bunny, subset=[0, 1, 2, 49, 50, 51, 77, 99, 100, 130, 131])


def test_every_frame_with_keyframe_every_5_and_b_frames(tmp_path):
    clip = make_clip(tmp_path / "gop5.mp4", frames=40, gop=5, bframes=2)
    assert_random_matches_sequential(clip)


def test_bundled_demo_random_frames_match_sequential():
    from editor.demo import DEMO_CLIP
    # a keyframe every second and pyramid B-frames: seeks skip the unreferenced pictures
    assert_random_matches_sequential(DEMO_CLIP, subset=[0, 3, 11, 23, 24, 26, 49, 51, 62, 73, 74])


def test_a_seek_does_not_decode_unreferenced_pictures_before_the_frame(tmp_path):
    clip = make_clip(tmp_path / "gop24.mp4", frames=48, gop=24, bframes=3)
    src = MediaSource(clip)
    f = src.frame(47)
    assert f.index == 47
    # from the keyframe at 24: without skipping, 24 pictures; B-frames no picture refers to
    # are left out (x264's pyramid keeps one B of three as a reference)
    assert src.pictures_decoded < 20
    # and the frames after it, reached by carrying on, are all decoded
    ref = decode_all(clip)[1]
    again = MediaSource(clip)
    for i in (30, 31, 32, 33):
        assert np.array_equal(again.frame(i).rgb, ref[i])


@pytest.mark.parametrize("name,options", [
    ("ts.ts", dict(gop=6, bframes=2)),             # MPEG-TS seeks land a GOP late
    ("mjpeg.avi", dict(codec="mjpeg", pix_fmt="yuvj420p")),
    ("b.mov", dict(gop=5, bframes=2)),
    ("vp9.webm", dict(codec="libvpx-vp9", gop=8)),
    ("mpeg4.mkv", dict(codec="mpeg4", gop=5)),
    ("hevc.mp4", dict(codec="libx265", gop=5)),
])
def test_every_frame_across_containers_and_codecs(tmp_path, name, options):
    clip = make_clip(tmp_path / name, frames=24, **options)
    assert_random_matches_sequential(clip)


def test_every_frame_of_variable_rate_clip(tmp_path):
    pts = [0, 40, 80, 100, 180, 200, 260, 300, 340, 360, 400, 440, 500, 520, 600]
    clip = make_clip(tmp_path / "vfr.mp4", frames=len(pts), pts=pts, time_base=Fraction(1, 1000),
                     gop=4)
    assert_random_matches_sequential(clip)


def test_every_frame_of_odd_size_clip(tmp_path):
    clip = make_clip(tmp_path / "odd.mkv", frames=24, size=(175, 143), pix_fmt="yuv444p", gop=6)
    assert_random_matches_sequential(clip)


def test_rotated_clip_is_served_upright(tmp_path):
    clip = make_clip(tmp_path / "rot.mp4", frames=12, size=(64, 32), rotation=90, gop=4)
    src = MediaSource(clip)
    assert (src.width, src.height) == (32, 64)
    assert src.frame(3).rgb.shape == (64, 32, 3)
    assert_random_matches_sequential(clip, rotation_k=1)


def test_time_lookup_uses_real_timestamps(tmp_path):
    pts = [0, 40, 80, 100, 180, 200]
    clip = make_clip(tmp_path / "vfr.mp4", frames=len(pts), pts=pts, time_base=Fraction(1, 1000))
    src = MediaSource(clip)
    assert [src.index_at_time(Fraction(ms, 1000)) for ms in (0, 39, 40, 99, 100, 179, 180, 500)] \
        == [0, 0, 1, 2, 3, 3, 4, 5]
    assert src.frame_at_time(Fraction(1, 10)).index == 3
    assert src.time_of(4) == Fraction(180, 1000)


def test_ntsc_frame_times_land_on_their_frames(carphone):
    src = MediaSource(carphone)
    fps = Fraction(30000, 1001)
    assert all(src.index_at_time(i / fps) == i for i in range(src.frame_count))
    assert src.index_at_time(-1) == 0 and src.index_at_time(100) == 119


def test_cache_serves_repeat_requests_and_frames_are_read_only(carphone):
    cache = FrameCache(10 * 176 * 144 * 3)
    src = MediaSource(carphone, cache=cache)
    first = src.frame(60)
    again = src.frame(60)
    assert again.rgb is first.rgb and cache.hits == 1
    with pytest.raises(ValueError):
        first.rgb[0, 0, 0] = 1
    for i in range(30):
        src.frame(i)
    assert cache.used_bytes <= cache.budget_bytes and len(cache) == 10


def test_truncated_clip_serves_what_decodes_and_says_so(tmp_path):
    clip = make_clip(tmp_path / "full.mp4", frames=50, size=(160, 96), gop=10, faststart=True)
    data = clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    src = MediaSource(cut)
    assert src.warning and "truncated" in src.warning
    assert 0 < src.frame_count < 50
    assert src.info.truncated
    full = MediaSource(clip)
    for i in (0, src.frame_count // 2, src.frame_count - 1):
        assert np.array_equal(src.frame(i).rgb, full.frame(i).rgb)


def test_index_out_of_range_is_an_index_error(carphone):
    with pytest.raises(IndexError):
        MediaSource(carphone).frame(120)


def test_ntsc_frames_in_millisecond_time_base_land_on_their_frames(tmp_path):
    # Matroska stores milliseconds: 29.97 fps timestamps are rounded (33, 67, 100, ...).
    fps = Fraction(30000, 1001)
    clip = make_clip(tmp_path / "ntsc.mkv", frames=40, rate=fps)
    src = MediaSource(clip)
    assert src.video.time_base == Fraction(1, 1000)
    assert all(src.index_at_time(i / fps) == i for i in range(40))
