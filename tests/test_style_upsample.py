"""Processing size, reflect padding and the guided-filter upsampling of the style effect."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.media.source import MediaSource
from plugins.style_transfer.upsample import (crop, gray, guided_upsample, guided_upsample_reference, pad_to_multiple,
                                             processing_shape, resize)


def test_processing_shape_short_side_and_never_enlarges():
    assert processing_shape(720, 1280, 360) == (360, 640)
    assert processing_shape(1920, 1080, 360) == (640, 360)
    assert processing_shape(144, 176, 360) == (144, 176)
    assert processing_shape(720, 1280, 0) == (720, 1280)


@pytest.mark.parametrize("h, w", [(47, 63), (48, 64), (17, 30)])
def test_reflect_pad_and_crop_back(h, w):
    picture = np.random.default_rng(h).integers(0, 256, (h, w, 3), dtype=np.uint8)
    padded, size = pad_to_multiple(picture, 8)
    assert padded.shape[0] % 8 == 0 and padded.shape[1] % 8 == 0 and size == (h, w)
    assert np.array_equal(padded[:h, :w], picture)
    if padded.shape[1] > w:  # mirrored about the last column, which is not repeated
        assert np.array_equal(padded[:h, w], picture[:, w - 2])
    if padded.shape[0] > h:
        assert np.array_equal(padded[h, :w], picture[h - 2])
    assert np.array_equal(crop(padded, size), picture)


def _tone_map(rgb):
    """A stand-in for a style: a colour ramp driven by luma (so the guide explains it)."""
    y = rgb.astype(np.float32).mean(axis=2, keepdims=True) / 255
    return np.clip(np.concatenate([y ** 0.5, 1 - y, y * y], axis=2) * 255 + 0.5, 0, 255).astype(np.uint8)


def test_guided_upsampling_keeps_edges_sharper_than_bilinear(bunny):
    with MediaSource(bunny) as source:
        full = source.frame(40).rgb
    h, w = full.shape[:2]
    small = resize(full, h // 2, w // 2)
    truth = _tone_map(full).astype(np.float32)
    styled_small = _tone_map(small)
    guided = guided_upsample(styled_small, small, full)
    plain = resize(styled_small, h, w)
    assert guided.shape == full.shape and guided.dtype == np.uint8
    # judge near edges, where the two differ: gradient magnitude of the original's luma
    y = full.astype(np.float32).mean(axis=2)
    grad = np.hypot(*np.gradient(y))
    edges = grad > np.percentile(grad, 90)
    err_guided = np.abs(guided.astype(np.float32) - truth)[edges].mean()
    err_plain = np.abs(plain.astype(np.float32) - truth)[edges].mean()
    assert err_guided < 0.8 * err_plain


def test_guided_upsampling_same_size_is_a_no_op():
    picture = np.random.default_rng(0).integers(0, 256, (32, 40, 3), dtype=np.uint8)
    assert guided_upsample(picture, picture, picture) is picture


@pytest.mark.parametrize("channels,low,high,radius", [
    (3, (90, 160), (180, 320), 2),     # the usual 2x
    (1, (90, 160), (180, 320), 2),     # one plane (the encoder's luma)
    (3, (45, 81), (127, 203), 1),      # odd sizes, a non-integer ratio
    (4, (36, 64), (144, 256), 3),      # 4x, four channels, a wider window
    (3, (20, 30), (21, 33), 7),        # barely larger, a window wider than the picture's side
])
def test_native_guided_upsample_matches_the_opencv_reference(bunny, channels, low, high, radius):
    """The native single-pass filter is held to the OpenCV one: within one level everywhere
    (the two round in a different order) and almost always equal."""
    from native import runtime

    if not runtime.available():
        pytest.skip("the native runtime is not built (make -C native lib; native/build_ffi.py)")
    with MediaSource(bunny) as source:
        full = resize(source.frame(40).rgb, *high)
    small = resize(full, *low)
    styled = _tone_map(small)
    styled = np.concatenate([styled, styled[..., :1]], axis=2)[..., :channels]
    src = styled[..., 0] if channels == 1 else np.ascontiguousarray(styled)
    native = runtime.guided_upsample(src, gray(small), gray(full), radius, 2e-3)
    reference = guided_upsample_reference(src, gray(small), gray(full), radius, 2e-3)
    assert native.shape == reference.shape == high + (() if channels == 1 else (channels,))
    diff = np.abs(native.astype(np.int16) - reference)
    assert diff.max() <= 1 and (diff > 0).mean() < 0.01


def test_native_guided_upsample_refuses_bad_arguments():
    from native import runtime

    if not runtime.available():
        pytest.skip("the native runtime is not built (make -C native lib; native/build_ffi.py)")
    p, g, G = np.zeros((8, 8, 3), np.uint8), np.zeros((8, 8), np.uint8), np.zeros((16, 16), np.uint8)
    with pytest.raises(ValueError, match="radius"):
        runtime.guided_upsample(p, g, G, 65)
    with pytest.raises(ValueError, match="eps"):
        runtime.guided_upsample(p, g, G, 2, 0.0)
    with pytest.raises(ValueError, match="channels"):
        runtime.guided_upsample(np.zeros((8, 8, 5), np.uint8), g, G)
    with pytest.raises(ValueError, match="guides"):
        runtime.guided_upsample(p, np.zeros((8, 9), np.uint8), G)
