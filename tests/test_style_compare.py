"""Original | desktop | phone for the viewer, side by side or split."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.media.source import MediaSource
from plugins.style_transfer import StyleTransfer
from plugins.style_transfer.compare import compare
from style_nets import STYLE_IDS, style_environment


@pytest.fixture(scope="module")
def env(request, tmp_path_factory):
    return style_environment(request, tmp_path_factory)


@pytest.fixture(scope="module")
def frame(env, carphone):
    with MediaSource(carphone) as source:
        return source.frame(30).rgb


def _params(**kw):
    return {**StyleTransfer.defaults(), "style": STYLE_IDS[1], **kw}


def test_split_shows_each_version_in_its_band(frame):
    effect = StyleTransfer()
    result = compare(effect, frame, _params(backend="phone-int8"), layout="split", labels=False)
    h, w = frame.shape[:2]
    assert result.frame.shape == frame.shape
    assert set(result.panels) == {"original", "desktop", "phone-int8"}
    third = w // 3
    assert np.array_equal(result.frame[:, 2:third - 2], frame[:, 2:third - 2])
    assert np.array_equal(result.frame[:, third + 2:2 * third - 2],
                          result.panels["desktop"][:, third + 2:2 * third - 2])
    assert np.array_equal(result.frame[:, 2 * third + 2:], result.panels["phone-int8"][:, 2 * third + 2:])
    assert np.all(result.frame[:, round(w / 3)] == 255)          # the seam
    assert 0 < result.mean_abs_diff < 8 and result.max_abs_diff > 0


def test_side_by_side_fits_three_panels_in_the_frame(frame):
    effect = StyleTransfer()
    result = compare(effect, frame, _params(), layout="side-by-side", labels=True)
    assert result.frame.shape == frame.shape
    h, w = frame.shape[:2]
    pw = w // 3
    ph = round(h * pw / w)
    top = (h - ph) // 2
    assert not result.frame[:top].any() and not result.frame[top + ph:].any()  # letterbox
    # the right panel is the (shrunk) phone rendering: compare away from its label
    panel = result.frame[top + ph // 2:top + ph, 2 * pw:3 * pw].astype(np.int16)
    import cv2

    small = cv2.resize(result.panels["phone"], (pw, ph), interpolation=cv2.INTER_AREA)[ph // 2:]
    assert np.abs(panel - small).mean() < 1.0
    assert result.mean_abs_diff < 0.1         # desktop and phone fp32 nearly agree


def test_unknown_layout_is_refused(frame):
    with pytest.raises(ValueError, match="layout"):
        compare(StyleTransfer(), frame, _params(), layout="diagonal")
