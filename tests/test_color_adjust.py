from fractions import Fraction as F

import numpy as np
import pytest

from editor.core.media.pool import MediaPool
from editor.core.plugin_api import PrepareContext, check_output, evaluate_params
from editor.core.project import Effect, Keyframe
from editor.errors import PluginError
from plugins.color_adjust import ColorAdjust
from plugins.color_adjust.cube_lut import read_cube


@pytest.fixture(scope="module")
def frame(carphone):
    with MediaPool() as pool:
        rgb = pool.source(carphone).frame(30).rgb
    assert rgb.shape == (144, 176, 3)
    view = rgb.view()
    view.flags.writeable = False  # the host hands plugins read-only frames
    return view


def run(frame, **params):
    effect = Effect("e", ColorAdjust.id, params)
    values = evaluate_params(ColorAdjust, effect, F(0))
    plugin = ColorAdjust()
    return check_output(ColorAdjust, frame, plugin.render(frame, F(0), values, 1.0)), plugin.is_identity(values, F(0))


def test_defaults_are_identity_and_render_unchanged(frame):
    out, identity = run(frame)
    assert identity
    assert np.array_equal(out, frame)


def test_brightness_contrast_saturation(frame):
    brighter, identity = run(frame, brightness=0.2)
    assert not identity
    assert brighter.astype(int).mean() > frame.astype(int).mean() + 40
    flat, _ = run(frame, contrast=0.0)
    assert np.all(flat == 128)
    grey, _ = run(frame, saturation=0.0)
    assert np.array_equal(grey[..., 0], grey[..., 1]) and np.array_equal(grey[..., 1], grey[..., 2])
    vivid, _ = run(frame, saturation=2.0)
    spread = lambda a: (a.max(axis=2).astype(int) - a.min(axis=2)).mean()  # noqa: E731
    assert spread(vivid) > spread(frame) * 1.5


def test_tint_posterize_invert_range_channels(frame):
    red, _ = run(frame, tint=(1.0, 0.0, 0.0))
    assert red[..., 1:].max() == 0 and np.abs(red[..., 0].astype(int) - frame[..., 0]).max() <= 1
    two, _ = run(frame, posterize=2)
    assert set(np.unique(two)) <= {0, 255}
    inverted, _ = run(frame, invert=True)
    assert np.abs(inverted.astype(int) - (255 - frame.astype(int))).max() <= 1
    video, _ = run(frame, output_range="video")
    assert video.min() >= 16 and video.max() <= 235
    only_red, _ = run(frame, invert=True, channels="r")
    assert np.array_equal(only_red[..., 1:], frame[..., 1:])
    assert not np.array_equal(only_red[..., 0], frame[..., 0])


def test_channels_string_is_validated():
    with pytest.raises(PluginError, match="does not match"):
        ColorAdjust.param("channels").coerce("rr")
    with pytest.raises(PluginError, match="does not match"):
        ColorAdjust.param("channels").coerce("x")
    assert ColorAdjust.param("channels").coerce("gb") == "gb"


def test_brightness_animates_with_keyframes(frame):
    effect = Effect("e", ColorAdjust.id, {}, {"brightness": [Keyframe(F(0), 0.0), Keyframe(F(2), -0.4)]})
    means = []
    for t in (F(0), F(1), F(2)):
        values = evaluate_params(ColorAdjust, effect, t)
        means.append(ColorAdjust().render(frame, t, values, 1.0).astype(float).mean())
    assert means[0] > means[1] > means[2]
    assert evaluate_params(ColorAdjust, effect, F(1))["brightness"] == pytest.approx(-0.2)


def write_cube_3d(path, size, fn):
    grid = np.linspace(0, 1, size)
    lines = [f"TITLE \"test\"", f"LUT_3D_SIZE {size}"]
    for b in grid:
        for g in grid:
            for r in grid:
                lines.append("%.6f %.6f %.6f" % fn(r, g, b))
    path.write_text("\n".join(lines) + "\n")


def test_identity_3d_lut_and_inverting_1d_lut(frame, tmp_path):
    ident = tmp_path / "identity.cube"
    write_cube_3d(ident, 17, lambda r, g, b: (r, g, b))
    out, identity = run(frame, lut=str(ident))
    assert not identity and np.abs(out.astype(int) - frame).max() <= 1
    swap = tmp_path / "swap.cube"
    write_cube_3d(swap, 9, lambda r, g, b: (b, g, r))  # exchanges red and blue: linear, so exact
    out, _ = run(frame, lut=str(swap))
    assert np.abs(out[..., 0].astype(int) - frame[..., 2]).max() <= 1
    inv = tmp_path / "invert.cube"
    inv.write_text("# comment\nLUT_1D_SIZE 2\n1 1 1\n0 0 0\n")
    out, _ = run(frame, lut=str(inv))
    assert np.abs(out.astype(int) - (255 - frame.astype(int))).max() <= 1


def test_bad_lut_files_name_the_file_and_line(tmp_path, frame):
    bad = tmp_path / "bad.cube"
    bad.write_text("LUT_1D_SIZE 2\n0 0 0\n1 1\n")
    with pytest.raises(PluginError) as info:
        read_cube(bad)
    assert info.value.path == str(bad) and "line 3" in info.value.problem
    short = tmp_path / "short.cube"
    short.write_text("LUT_3D_SIZE 2\n0 0 0\n")
    with pytest.raises(PluginError, match="needs 8"):
        read_cube(short)
    with pytest.raises(PluginError, match="LUT file not found"):
        run(frame, lut=str(tmp_path / "none.cube"))
    with pytest.raises(PluginError, match="no LUT_1D_SIZE"):
        (tmp_path / "empty.cube").write_text("# nothing\n")
        read_cube(tmp_path / "empty.cube")


def test_prepare_preloads_and_the_lut_is_cached_per_instance(tmp_path, frame):
    lut = tmp_path / "i.cube"
    lut.write_text("LUT_1D_SIZE 2\n0 0 0\n1 1 1\n")
    plugin = ColorAdjust()
    plugin.prepare(PrepareContext("c", "e", "/m.mp4", F(0), F(1), (176, 144), F(25), params={"lut": str(lut)}))
    first = plugin._lut
    assert first is not None
    values = evaluate_params(ColorAdjust, Effect("e", ColorAdjust.id, {"lut": str(lut)}), F(0))
    plugin.render(frame, F(0), values, 1.0)
    assert plugin._lut is first


def reference(frame, p):
    """The adjustments one step at a time, in float64: what the fast path must reproduce."""
    x = frame.astype(np.float64) / 255
    x = (x - 0.5) * p["contrast"] + 0.5 + p["brightness"]
    luma = (x @ np.array([0.2126, 0.7152, 0.0722]))[..., None]
    x = luma + (x - luma) * p["saturation"]
    x = np.clip(x * np.asarray(p["tint"]), 0, 1)
    if p["posterize"] < 256:
        x = np.floor(x * (p["posterize"] - 1) + 0.5) / (p["posterize"] - 1)
    if p["invert"]:
        x = 1 - x
    if p["output_range"] == "video":
        x = x * 219 / 255 + 16 / 255
    return x * 255


@pytest.mark.parametrize("params", [
    {"brightness": 0.1, "contrast": 1.4},
    {"saturation": 1.7, "tint": (0.9, 1.0, 0.6)},
    {"brightness": -0.2, "contrast": 0.7, "saturation": 0.3, "invert": True, "output_range": "video"},
    {"contrast": 2.0, "saturation": 2.5, "tint": (1.0, 0.5, 0.8), "posterize": 5},
])
def test_fast_path_matches_the_step_by_step_reference(frame, params):
    out, _ = run(frame, **params)
    values = evaluate_params(ColorAdjust, Effect("e", ColorAdjust.id, params), F(0))
    ref = reference(frame, values)
    diff = np.abs(out.astype(float) - ref)
    if values["posterize"] < 256:  # a value on a level boundary may round either way
        assert (diff > 1).mean() < 0.01
    else:
        assert diff.max() <= 1.0


def test_colour_mix_matches_the_affine_map_in_double_precision(frame):
    from plugins.color_adjust.effect import _affine, _mix

    matrix, offset = _affine({"contrast": 1.15, "brightness": -0.2, "saturation": 1.3, "tint": (1.0, 0.9, 0.75)})
    exact = np.clip(frame.astype(np.float64) @ matrix.astype(np.float64).T + offset, 0, 255)
    as_float = _mix(frame, matrix, offset)
    as_bytes = _mix(frame, matrix, offset, quantize=True)
    assert as_float.dtype == np.float32 and np.abs(as_float - exact).max() < 1e-3
    assert as_bytes.dtype == np.uint8 and as_bytes.shape == frame.shape
    # OpenCV works in reduced precision for 8-bit pictures: within one level of the exact value
    assert np.abs(as_bytes.astype(np.float64) - exact).max() < 1.0
