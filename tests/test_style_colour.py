"""Oklab conversion, strength blending and colour preservation of the style effect."""

from __future__ import annotations

import numpy as np

from plugins.style_transfer.colour import blend, luma, oklab_to_rgb, rgb_to_oklab


def _rng_picture(h=48, w=64, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_round_trip_is_within_one_level():
    every_grey = np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2)
    for picture in (every_grey, _rng_picture()):
        back = oklab_to_rgb(rgb_to_oklab(picture))
        assert np.abs(back.astype(np.int16) - picture).max() <= 1


def test_reference_colours():
    lab = rgb_to_oklab(np.array([[[255, 255, 255], [0, 0, 0], [255, 0, 0]]], np.uint8))[0]
    assert np.allclose(lab[0], [1.0, 0.0, 0.0], atol=2e-3)
    assert np.allclose(lab[1], [0.0, 0.0, 0.0], atol=2e-3)
    # sRGB red in Oklab, as published: L 0.628, a 0.225, b 0.126
    assert np.allclose(lab[2], [0.6279, 0.2249, 0.1258], atol=2e-3)


def test_strength_ends_and_a_perceptual_middle():
    red = np.full((4, 4, 3), (255, 0, 0), np.uint8)
    blue = np.full((4, 4, 3), (0, 0, 255), np.uint8)
    assert blend(red, blue, 0.0, False) is red
    assert blend(red, blue, 1.0, False) is blue
    mid = blend(red, blue, 0.5, False)
    lab = rgb_to_oklab(mid)[0, 0]
    lr, lb = rgb_to_oklab(red)[0, 0], rgb_to_oklab(blue)[0, 0]
    assert abs(lab[0] - (lr[0] + lb[0]) / 2) < 0.01
    # a plain RGB fade gives (128, 0, 128); the Oklab midpoint is a brighter, bluer violet
    assert mid[0, 0, 2] > 150 and not np.array_equal(mid[0, 0], [128, 0, 128])


def test_strength_moves_monotonically():
    a, b = _rng_picture(seed=1), _rng_picture(seed=2)
    lab_a, lab_b = rgb_to_oklab(a), rgb_to_oklab(b)
    last = 0.0
    for s in (0.25, 0.5, 0.75):
        d = np.abs(rgb_to_oklab(blend(a, b, s, False)) - lab_a).mean()
        assert d > last
        last = d
    assert np.abs(rgb_to_oklab(blend(a, b, 0.75, False)) - lab_b).mean() < last


def test_preserve_colours_keeps_chroma_and_takes_lightness():
    original = _rng_picture(seed=3)
    styled = _rng_picture(seed=4)
    kept = blend(original, styled, 1.0, True)
    lab_o, lab_s, lab_k = rgb_to_oklab(original), rgb_to_oklab(styled), rgb_to_oklab(kept)
    assert np.abs(lab_k[..., 0] - lab_s[..., 0]).mean() < 0.03
    # chroma follows the original wherever the colour fits in sRGB at the new lightness
    assert np.abs(lab_k[..., 1:] - lab_o[..., 1:]).mean() < np.abs(lab_s[..., 1:] - lab_o[..., 1:]).mean() / 3


def test_luma_weights():
    px = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]], np.uint8)
    assert np.allclose(luma(px)[0], [0.2126, 0.7152, 0.0722, 1.0], atol=1e-5)
