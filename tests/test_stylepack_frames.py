"""Pack pictures: PPM bytes match the editor's writer, thumbnails are checked before decoding."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

from editor.core.stylepack import frames
from editor.core.stylepack.errors import PackError
from native import imageio


def test_ppm_bytes_equal_the_editor_writer(tmp_path):
    rgb = np.random.default_rng(3).integers(0, 256, (17, 23, 3), dtype=np.uint8)
    imageio.write_ppm(tmp_path / "a.ppm", rgb)
    data = frames.ppm_bytes(rgb)
    assert data == (tmp_path / "a.ppm").read_bytes()
    assert np.array_equal(frames.parse_ppm("p", "a.ppm", data), rgb)


@pytest.mark.parametrize("data, words", [
    (b"P5\n2 2\n255\n" + b"\0" * 4, "not a binary PPM"),
    (b"P6\n2 2\n65535\n" + b"\0" * 24, "not a binary PPM"),
    (b"P6\n2 2\n255\n" + b"\0" * 11, "disagrees"),
    (b"P6\n0 2\n255\n", "disagrees"),
    (b"P6\n99999 2\n255\n", "disagrees"),
])
def test_bad_ppm(data, words):
    with pytest.raises(PackError, match=words):
        frames.parse_ppm("p", "x.ppm", data)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a huge image (a decompression bomb's header), with one tiny IDAT."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


def test_thumbnail_checks():
    rgb = np.full((90, 160, 3), 128, np.uint8)
    assert frames.check_png("p", "t.png", frames.png_bytes(rgb)) == (160, 90)
    with pytest.raises(PackError, match="larger than 1024"):
        frames.check_png("p", "t.png", _png_header_only(5000, 5000))
    with pytest.raises(PackError, match="not a readable PNG"):
        frames.check_png("p", "t.png", b"\x89PNG\r\n\x1a\nbroken")


def test_thumbnail_and_fit_shapes():
    rgb = np.random.default_rng(1).integers(0, 256, (300, 200, 3), dtype=np.uint8)
    thumb = frames.thumbnail(rgb)
    assert frames.check_png("p", "t.png", thumb) == frames.THUMB_SIZE
    assert frames.fit(rgb, 192, 104).shape == (104, 192, 3)


def test_default_sample_is_a_real_photograph():
    pytest.importorskip("skimage")
    sample = frames.default_sample(192, 104)
    assert sample.shape == (104, 192, 3) and sample.dtype == np.uint8
    assert sample.std() > 30     # a photograph, not a flat card
