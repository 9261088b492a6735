"""The plane path (for 4:2:0 encoders) gives the picture the RGB path gives."""

from __future__ import annotations

import av
import numpy as np
import pytest
from av.video.reformatter import Interpolation, VideoReformatter

from editor.core.export import rgb_frame
from plugins.style_transfer import StyleTransfer, styles
from plugins.style_transfer.backends import get_backend
from plugins.style_transfer.upsample import guided_upsample
from plugins.style_transfer.planes import chroma_shape, rgb_to_ycbcr
from style_nets import STYLE_IDS, style_environment


@pytest.fixture(scope="module")
def env(request, tmp_path_factory):
    return style_environment(request, tmp_path_factory)


def test_ycbcr_matches_swscale():
    rgb = np.random.default_rng(5).integers(0, 256, (32, 48, 3), dtype=np.uint8)
    ours = rgb_to_ycbcr(rgb).astype(np.int16)
    theirs = rgb_frame(rgb).reformat(format="yuv444p")
    planes = [np.frombuffer(p, np.uint8).reshape(-1, p.line_size)[:32, :48] for p in theirs.planes]
    assert np.abs(ours - np.stack(planes, axis=2)).max() <= 1


def test_plane_path_equals_rgb_path(env, bunny):
    with av.open(str(bunny)) as c:
        frame = next(c.decode(video=0))
    effect = StyleTransfer()
    params = {**StyleTransfer.defaults(), "style": STYLE_IDS[0], "backend": "phone"}
    assert effect.plane_path_applies(params)
    assert not effect.plane_path_applies({**params, "strength": 0.5})
    assert not effect.plane_path_applies({**params, "preserve_colors": True})
    ph, pw = effect.processing_size(frame.height, frame.width, params)
    assert (ph, pw) == (360, 640)
    small = VideoReformatter().reformat(frame, width=pw, height=ph, format="rgb24",
                                        interpolation=Interpolation.AREA).to_ndarray()
    y = np.frombuffer(frame.planes[0], np.uint8).reshape(-1, frame.planes[0].line_size)[:720, :1280]
    Y, U, V = effect.stylize_planes(small, np.ascontiguousarray(y), params)
    assert Y.shape == (720, 1280) and U.shape == V.shape == (360, 640)
    full = frame.reformat(format="rgb24").to_ndarray()
    engine = get_backend("phone", styles.resolve(STYLE_IDS[0]).model)
    low = engine.run(small, styles.resolve(STYLE_IDS[0]).weights)
    # luma: the RGB path's guided result, from the same small picture (the network is
    # sensitive to the scaler's rounding, so both start from one input)
    via_rgb = rgb_to_ycbcr(guided_upsample(low, small, full))
    assert np.abs(Y.astype(np.int16) - via_rgb[..., 0]).mean() < 1.0
    assert np.abs(Y.astype(np.int16) - rgb_to_ycbcr(full)[..., 0]).mean() > 15
    # chroma: 4:2:0 keeps it at 640x360, the processing size, so it is the network's own
    ycc_low = rgb_to_ycbcr(low)
    assert np.array_equal(U, ycc_low[..., 1]) and np.array_equal(V, ycc_low[..., 2])


def test_chroma_shape_rounds_up():
    assert chroma_shape(720, 1280) == (360, 640)
    assert chroma_shape(47, 63) == (24, 32)
