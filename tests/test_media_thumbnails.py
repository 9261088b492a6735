"""Thumbnailer: small, aspect-kept, the right frame, remembered."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np

from clipgen import make_clip
from editor.core.media.pool import MediaPool
from editor.core.media.thumbnails import Thumbnailer, fit_within


def test_fit_within_keeps_aspect_and_never_enlarges():
    assert fit_within(1280, 720, 160, 90) == (160, 90)
    assert fit_within(176, 144, 160, 90) == (110, 90)
    assert fit_within(1080, 1920, 160, 90) == (51, 90)
    assert fit_within(40, 30, 160, 90) == (40, 30)


def test_bunny_thumbnail_is_a_shrunk_copy_of_the_frame(bunny):
    pool = MediaPool()
    thumbs = Thumbnailer(pool)
    small = thumbs.at(bunny, F(2))
    assert small.shape == (90, 160, 3) and small.dtype == np.uint8
    full = pool.source(bunny).frame(50).rgb.astype(np.float32)
    # Average 8x8 blocks of the full frame: the area-filtered thumbnail matches them closely.
    blocks = full.reshape(90, 8, 160, 8, 3).mean(axis=(1, 3))
    assert np.abs(blocks - small).mean() < 3
    assert thumbs.at(bunny, F(2)) is small  # remembered


def test_thumbnails_follow_time(tmp_path):
    clip = make_clip(tmp_path / "c.mp4", frames=25, size=(64, 48), gop=5)
    thumbs = Thumbnailer(max_size=(64, 48))
    strip = thumbs.strip(clip, 5)
    # The generated pictures' blue channel encodes the frame number (i * 37 % 256).
    blues = [int(round(float(np.median(t[20:, :, 2])))) for t in strip]
    assert [min(range(25), key=lambda i: abs(i * 37 % 256 - b)) for b in blues] == [0, 5, 10, 15, 20]


def test_rotated_clip_thumbnail_is_upright(tmp_path):
    clip = make_clip(tmp_path / "r.mp4", frames=3, size=(64, 32), rotation=90)
    assert Thumbnailer(max_size=(160, 90)).at(clip, 0).shape == (64, 32, 3)
