from fractions import Fraction as F

import numpy as np
import pytest

from editor.core.plugin_api import (
    BoolParam, ChoiceParam, ColourParam, EffectPlugin, FloatParam, IntParam, Param, ParamError,
    PathParam, RenderContext, StringParam, check_output, evaluate_params, value_at,
)
from editor.core.project import Effect, Keyframe
from editor.errors import PluginError


def kfs(*items):
    return [Keyframe(F(t), v, interp) for t, v, interp in items]


class Gain(EffectPlugin):
    id = "org.test.gain"
    name = "Gain"
    params = (
        FloatParam("gain", 1.0, 0.0, 2.0),
        IntParam("steps", 4, 1, 10),
        ColourParam("colour", (0.0, 0.0, 0.0)),
        ChoiceParam("mode", "a", ("a", "b"), animates=True),
        BoolParam("flag"),
        FloatParam("fixed", 0.5, 0.0, 1.0, animates=False),
        StringParam("tag", "x", pattern=r"[a-z]+"),
        PathParam("file", "", extensions=(".cube",)),
        Param("strict", "float", 0.0, minimum=-1, maximum=1, out_of_range="refuse"),
    )

    def render(self, frame, time, params, render_scale):
        return frame


def test_float_and_int_clamp_or_refuse():
    gain, steps, strict = Gain.param("gain"), Gain.param("steps"), Gain.param("strict")
    assert gain.coerce(3) == 2.0 and gain.coerce(-1.5) == 0.0 and gain.coerce(F(1, 2)) == 0.5
    assert steps.coerce(40) == 10 and steps.coerce(3.0) == 3 and isinstance(steps.coerce(3.0), int)
    with pytest.raises(ParamError, match="not a whole number"):
        steps.coerce(2.5)
    with pytest.raises(ParamError, match="outside -1..1"):
        strict.coerce(1.5)
    with pytest.raises(ParamError, match="expected a number"):
        gain.coerce("1")
    with pytest.raises(ParamError, match="expected a number"):
        gain.coerce(True)
    with pytest.raises(ParamError, match="finite"):
        gain.coerce(float("nan"))


def test_other_types_validate():
    assert Gain.param("colour").coerce([0.5, 2, -1]) == (0.5, 1.0, 0.0)
    assert Gain.param("colour").coerce("#ff0080") == (1.0, 0.0, 128 / 255)
    with pytest.raises(ParamError, match="3 colour components"):
        Gain.param("colour").coerce((1, 1))
    with pytest.raises(ParamError, match="not one of a, b"):
        Gain.param("mode").coerce("c")
    with pytest.raises(ParamError, match="true or false"):
        Gain.param("flag").coerce(1)
    with pytest.raises(ParamError, match="does not match"):
        Gain.param("tag").coerce("ABC")
    with pytest.raises(ParamError, match="not a .cube file"):
        Gain.param("file").coerce("/x/lut.png")
    assert Gain.param("file").coerce("") == "" and Gain.param("file").coerce("/a/B.CUBE") == "/a/B.CUBE"


@pytest.mark.parametrize("make,problem", [
    (lambda: Param("Bad Name", "float", 0.0), "lower case"),
    (lambda: Param("x", "matrix", 0), "unknown type"),
    (lambda: Param("x", "string", "", animates=True), "cannot animate"),
    (lambda: Param("x", "choice", "a"), "needs a list"),
    (lambda: FloatParam("x", 5.0, 0.0, 1.0), "outside"),
    (lambda: FloatParam("x", 0.5, 1.0, 0.0), "above maximum"),
    (lambda: ChoiceParam("x", "z", ("a", "b")), "default is invalid"),
])
def test_bad_declarations_are_refused(make, problem):
    with pytest.raises(PluginError, match=problem):
        make()


def test_linear_and_hold_keyframes():
    gain = Gain.param("gain")
    keys = kfs((0, 0.0, "linear"), (1, 1.0, "hold"), (2, 0.0, "linear"))
    assert value_at(gain, 0.7, keys, F(-1)) == 0.0  # before the first
    assert value_at(gain, 0.7, keys, F(1, 4)) == 0.25
    assert value_at(gain, 0.7, keys, F(1)) == 1.0
    assert value_at(gain, 0.7, keys, F(3, 2)) == 1.0  # hold until the next keyframe
    assert value_at(gain, 0.7, keys, F(2)) == 0.0
    assert value_at(gain, 0.7, keys, F(9)) == 0.0  # after the last
    assert value_at(gain, 0.7, [], F(1, 2)) == 0.7


def test_types_interpolate_in_their_own_way():
    assert value_at(Gain.param("steps"), 1, kfs((0, 1, "linear"), (1, 4, "linear")), F(1, 2)) == 3  # 2.5 rounds up
    assert value_at(Gain.param("colour"), None, kfs((0, (0.0, 0.0, 0.0), "linear"), (2, (1.0, 0.5, 0.0), "linear")),
                    F(1, 2)) == (0.25, 0.125, 0.0)
    assert value_at(Gain.param("mode"), "a", kfs((0, "a", "linear"), (1, "b", "linear")), F(9, 10)) == "a"


def test_evaluate_params_uses_defaults_values_and_keyframes():
    effect = Effect("e", Gain.id, {"gain": 0.3, "fixed": 0.9, "unknown": 1},
                    {"gain": kfs((0, 0.0, "linear"), (2, 2.0, "linear")), "fixed": kfs((0, 0.0, "linear"))})
    values = evaluate_params(Gain, effect, F(1, 2))
    assert values["gain"] == 0.5  # keyframes win over the static value
    assert values["fixed"] == 0.9  # a parameter that does not animate ignores keyframes
    assert values["steps"] == 4 and values["mode"] == "a" and "unknown" not in values


def test_evaluate_params_names_the_bad_stored_value():
    effect = Effect("e7", Gain.id, {"mode": "zzz"})
    with pytest.raises(ParamError) as info:
        evaluate_params(Gain, effect, F(0))
    assert "e7" in str(info.value) and "mode" in str(info.value) and "zzz" in str(info.value)


def test_declaration_checks():
    Gain.check_declaration()

    class NoDns(Gain):
        id = "gain"

    class BadVersion(Gain):
        version = "one"

    class NoRender(EffectPlugin):
        id = "org.test.norender"
        name = "x"

    class Twice(Gain):
        params = (FloatParam("a", 0.0), FloatParam("a", 1.0))

    for cls, problem in ((NoDns, "reverse-DNS"), (BadVersion, "version"), (NoRender, "does not implement render"),
                         (Twice, "declared twice")):
        with pytest.raises(PluginError, match=problem):
            cls.check_declaration()


def test_render_context_detection_and_description():
    class WithContext(Gain):
        def render(self, frame, time, params, render_scale, context: RenderContext = None):
            return frame

    assert WithContext.render_takes_context() and not Gain.render_takes_context()
    desc = Gain.describe()
    assert desc["id"] == "org.test.gain" and desc["thread_safe"] is True
    assert [p["type"] for p in desc["params"]][:8] == ["float", "int", "colour", "choice", "bool", "float", "string", "path"]
    assert desc["params"][0]["minimum"] == 0.0 and desc["params"][3]["choices"] == ["a", "b"]


def test_check_output_refuses_wrong_frames():
    frame = np.zeros((4, 6, 3), np.uint8)
    assert check_output(Gain, frame, frame) is frame
    with pytest.raises(PluginError, match="shape"):
        check_output(Gain, frame, np.zeros((4, 6), np.uint8))
    with pytest.raises(PluginError, match="float32"):
        check_output(Gain, frame, np.zeros((4, 6, 3), np.float32))
    with pytest.raises(PluginError, match="not an image"):
        check_output(Gain, frame, None)


def test_dedicated_render_thread_marks_contexts_made_on_that_thread_only():
    import threading

    from editor.core.plugin_api import dedicated_render_thread, on_dedicated_render_thread

    def context():
        return RenderContext("c", "e", "m.mp4", F(0), 0, (64, 48), F(25))

    assert not context().dedicated_thread and not on_dedicated_render_thread()
    seen = {}
    with dedicated_render_thread():
        assert context().dedicated_thread
        with dedicated_render_thread():
            assert on_dedicated_render_thread()
        assert on_dedicated_render_thread()   # the inner block leaves the outer hint alone
        other = threading.Thread(target=lambda: seen.update(other=context().dedicated_thread))
        other.start()
        other.join()
    assert seen == {"other": False}   # the hint belongs to the thread that set it
    assert not context().dedicated_thread
    # a host may also say it directly
    assert RenderContext("c", "e", "m.mp4", F(0), 0, (64, 48), F(25), dedicated_thread=True).dedicated_thread
