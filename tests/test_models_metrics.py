"""models.metrics on cases with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from models import metrics


def _texture(h=96, w=128, seed=0):
    rng = np.random.default_rng(seed)
    base = np.linspace(0.2, 0.8, w, dtype=np.float32)[None, :, None] * np.ones((h, 1, 3), np.float32)
    strokes = gaussian_filter(rng.random((h, w, 3)).astype(np.float32), (0.8, 0.8, 0)) - 0.5
    return np.clip(base + 0.6 * strokes, 0, 1)


def test_identical_pictures_have_infinite_psnr_and_unit_cosine():
    x = _texture()
    assert math.isinf(metrics.psnr(x, x))
    assert math.isinf(metrics.lowpass_psnr(x, x))
    assert metrics.cosine([1.0, 2.0, 3.0], [2.0, 4.0, 6.0]) == pytest.approx(1.0)
    assert metrics.embedding_cosine(x, x) == pytest.approx(1.0, abs=1e-6)


def test_psnr_of_a_known_error():
    a = np.zeros((10, 10, 3), np.float32)
    b = a + 0.1
    assert metrics.psnr(a, b) == pytest.approx(20.0, abs=1e-4)
    assert metrics.psnr((a * 255).astype(np.uint8), (b * 255 + 0.5).astype(np.uint8)) == pytest.approx(
        10 * math.log10(1 / (26 / 255) ** 2), abs=1e-3)


def test_shifted_texture_keeps_high_lowpass_psnr():
    wide = _texture(96, 136)
    x, shifted = wide[:, :128], wide[:, 2:130]      # the same scene, moved by 2 pixels
    raw = metrics.psnr(x, shifted)
    low = metrics.lowpass_psnr(x, shifted)
    assert low > raw + 8      # the look is the same, only the stroke phase moved
    assert low > 28


def test_embedding_cosine_separates_different_looks():
    x = _texture()
    red = x.copy()
    red[..., 1:] *= 0.2
    assert metrics.embedding_cosine(x, red) < metrics.embedding_cosine(x, np.roll(x, 3, axis=1))


def test_noise_sensitivity_of_identity_blur_and_amplifier():
    x = _texture()
    assert metrics.noise_sensitivity(lambda v: v, x) == pytest.approx(1.0, abs=1e-6)
    assert metrics.noise_sensitivity(lambda v: gaussian_filter(v, (1.5, 1.5, 0)), x) < 0.5
    assert metrics.noise_sensitivity(lambda v: np.clip(0.5 + 4 * (v - 0.5), -10, 10), x) == pytest.approx(4.0, rel=1e-4)


def test_static_flicker_counts_only_still_pixels():
    a = _texture()
    b = a.copy()
    b[:, :10] = 1 - b[:, :10]          # input moved here: ignored
    outs_steady = [a, b]
    assert metrics.static_flicker(outs_steady, [a, b]) == 0.0
    c = b.copy()
    c[:, 10:] += 4 / 255                # the output shimmered by 4 levels where the input was still
    assert metrics.static_flicker([a, c], [a, b]) == pytest.approx(4.0, abs=1e-3)
    with pytest.raises(ValueError):
        metrics.static_flicker([a], [a])


def test_mismatched_shapes_are_refused():
    with pytest.raises(ValueError, match="shape"):
        metrics.psnr(np.zeros((4, 4, 3)), np.zeros((4, 5, 3)))
