import threading
import time as clock
from fractions import Fraction as F

import numpy as np
import pytest

from editor.core.media.pool import MediaPool
from editor.core.placeholder import offline_card
from editor.core.plugin_api import EffectPlugin, FloatParam
from editor.core.plugins import PluginRegistry
from editor.core.project import Clip, Effect, Keyframe, Project, Settings, Track
from editor.core.render import Renderer, fit_size
from plugins.color_adjust import ColorAdjust


class Boom(EffectPlugin):
    id = "org.test.boom"
    name = "Boom"

    def render(self, frame, time, params, render_scale):
        raise RuntimeError("kaboom")


class WrongShape(EffectPlugin):
    id = "org.test.wrong"
    name = "Wrong"

    def render(self, frame, time, params, render_scale):
        return frame[::2]


class Recorder(EffectPlugin):
    """Remembers what the host told it; identity when amount is 0."""

    id = "org.test.recorder"
    name = "Recorder"
    params = (FloatParam("amount", 1.0, 0.0, 1.0),)
    thread_safe = False

    def __init__(self):
        self.calls = []
        self.prepared = []
        self.inside = 0
        self.overlapped = False
        self.scales = []

    def is_identity(self, params, time):
        return params["amount"] == 0.0

    def prepare(self, context):
        self.prepared.append(context)

    def render(self, frame, time, params, render_scale, context=None):
        self.inside += 1
        if self.inside > 1:
            self.overlapped = True
        clock.sleep(0.002)
        self.calls.append((time, params["amount"], context))
        self.scales.append((render_scale, frame.shape))
        self.inside -= 1
        return frame


@pytest.fixture(scope="module")
def pool():
    with MediaPool() as p:
        yield p


@pytest.fixture
def registry():
    reg = PluginRegistry()
    for plugin in (ColorAdjust, Boom, WrongShape, Recorder):
        reg.add(plugin)
    return reg


def two_tracks(bunny, carphone):
    v1 = Track("v1", "video", [Clip("bun", str(bunny), F(1), F(3), F(0))])
    v2 = Track("v2", "video", [Clip("car", str(carphone), F(0), F(1), F(1))])
    return Project(Settings(1280, 720, F(25)), [v1, v2, Track("a1", "audio")])


def test_fit_size_keeps_aspect():
    assert fit_size(1280, 720, 1280, 720) == (1280, 720)
    assert fit_size(176, 144, 1280, 720) == (880, 720)
    assert fit_size(1920, 1080, 1080, 1920) == (1080, 608)
    assert fit_size(10, 1000, 64, 48) == (1, 48)  # never zero wide


def test_same_size_clip_renders_its_exact_media_frame(bunny, carphone, pool, registry):
    renderer = Renderer(two_tracks(bunny, carphone), pool, registry)
    result = renderer.render(F(1, 2))
    assert result.errors == [] and result.clip_id == "bun"
    expected = pool.source(bunny).frame_at_time(F(3, 2)).rgb
    assert result.frame.shape == (720, 1280, 3) and result.frame.dtype == np.uint8
    assert np.array_equal(result.frame, expected)
    assert not result.frame.flags.writeable
    # Frame index 12 of the project is time 12/25.
    assert np.array_equal(renderer.render_frame(12).frame, pool.source(bunny).frame_at_time(F(12, 25) + 1).rgb)


def test_top_track_wins_and_other_sizes_are_pillarboxed(bunny, carphone, pool, registry):
    project = two_tracks(bunny, carphone)
    renderer = Renderer(project, pool, registry)
    result = renderer.render(F(3, 2))
    assert result.clip_id == "car" and result.errors == []
    frame = result.frame
    assert frame.shape == (720, 1280, 3)
    assert frame[:, :200].max() == 0 and frame[:, 1080:].max() == 0  # 880 wide picture, centred
    picture = frame[:, 200:1080].astype(float)
    source = pool.source(carphone).frame_at_time(F(1, 2)).rgb.astype(float)
    # Sample the scaled picture at the source pixel centres: close to the source pixels.
    ys = ((np.arange(144) + 0.5) * 5).astype(int)
    xs = ((np.arange(176) + 0.5) * 5).astype(int)
    assert np.abs(picture[ys][:, xs] - source).mean() < 6
    project.tracks[1].hidden = True
    assert renderer.render(F(3, 2)).clip_id == "bun"


def test_gaps_render_black_without_errors(bunny, carphone, pool, registry):
    project = two_tracks(bunny, carphone)
    project.tracks[0].clips[0].start = F(5)
    result = Renderer(project, pool, registry).render(F(1, 2))
    assert result.errors == [] and result.clip_id is None
    assert result.frame.shape == (720, 1280, 3) and result.frame.max() == 0


def test_offline_media_renders_the_card_and_names_the_file(tmp_path, pool, registry):
    missing = tmp_path / "gone.mp4"
    project = Project(Settings(320, 240, F(25)), [Track("v", "video", [Clip("x", str(missing), F(0), F(1), F(0))])])
    result = Renderer(project, pool, registry).render(F(0))
    assert np.array_equal(result.frame, offline_card(320, 240))
    assert len(result.errors) == 1 and result.errors[0].clip_id == "x"
    assert str(missing) in str(result.errors[0]) and "offline" in str(result.errors[0])
    card = offline_card(320, 240)
    assert (card == 255).all(axis=2).sum() > 500  # the lettering is there
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"this is not a video" * 100)
    project.tracks[0].clips[0].media = str(garbage)
    result = Renderer(project, pool, registry).render(F(0))
    assert np.array_equal(result.frame, card) and str(garbage) in str(result.errors[0])


def test_effects_run_through_the_plugin_api(carphone, pool, registry):
    fx = Effect("inv", ColorAdjust.id, {"invert": True})
    project = Project(Settings(176, 144, F(30000, 1001)), [Track("v", "video", [Clip("c", str(carphone), F(0), F(2), F(0), [fx])])])
    result = Renderer(project, pool, registry).render(F(1, 3))
    source = pool.source(carphone).frame_at_time(F(1, 3)).rgb
    assert result.errors == []
    assert np.abs(result.frame.astype(int) - (255 - source.astype(int))).max() <= 1
    fx.enabled = False
    assert np.array_equal(Renderer(project, pool, registry).render(F(1, 3)).frame, source)


def test_keyframed_parameters_are_evaluated_at_clip_local_time(carphone, pool, registry):
    fx = Effect("b", ColorAdjust.id, {}, {"brightness": [Keyframe(F(0), 0.0), Keyframe(F(1), 0.5)]})
    project = Project(Settings(176, 144, F(25)), [Track("v", "video", [Clip("c", str(carphone), F(1), F(3), F(10), [fx])])])
    renderer = Renderer(project, pool, registry)
    at_start = renderer.render(F(10)).frame
    assert np.array_equal(at_start, pool.source(carphone).frame_at_time(F(1)).rgb)  # brightness 0: identity
    later = renderer.render(F(21, 2)).frame.astype(float).mean()
    assert later > pool.source(carphone).frame_at_time(F(3, 2)).rgb.astype(float).mean() + 40


@pytest.mark.parametrize("plugin_id,problem", [
    ("org.test.boom", "Boom failed: RuntimeError: kaboom"),
    ("org.test.wrong", "expected uint8 (144, 176, 3)"),
    ("org.test.missing", "not installed"),
])
def test_a_failing_effect_yields_an_error_and_the_unprocessed_frame(carphone, pool, registry, plugin_id, problem):
    effects = [Effect("bad", plugin_id), Effect("inv", ColorAdjust.id, {"invert": True})]
    project = Project(Settings(176, 144, F(25)), [Track("v", "video", [Clip("c", str(carphone), F(0), F(2), F(0), effects)])])
    result = Renderer(project, pool, registry).render(F(0))
    assert [(e.clip_id, e.effect_id) for e in result.errors] == [("c", "bad")]
    assert problem in result.errors[0].message
    source = pool.source(carphone).frame_at_time(F(0)).rgb
    # The failing effect is skipped; the rest of the stack still runs.
    assert np.abs(result.frame.astype(int) - (255 - source.astype(int))).max() <= 1


def test_a_bad_stored_parameter_is_a_per_clip_error(carphone, pool, registry):
    effects = [Effect("e", ColorAdjust.id, {"output_range": "cinema"})]
    project = Project(Settings(176, 144, F(25)), [Track("v", "video", [Clip("c", str(carphone), F(0), F(2), F(0), effects)])])
    result = Renderer(project, pool, registry).render(F(0))
    assert "cinema" in str(result.errors[0]) and np.array_equal(result.frame, pool.source(carphone).frame_at_time(0).rgb)


def test_identity_skip_context_prepare_and_instances(carphone, pool, registry):
    effects = [Effect("r", Recorder.id, {"amount": 0.5}, {"amount": [Keyframe(F(0), 0.0, "hold"), Keyframe(F(1), 1.0)]})]
    clip = Clip("c", str(carphone), F(1, 2), F(3), F(2), effects)
    project = Project(Settings(352, 288, F(25)), [Track("v", "video", [clip])])
    renderer = Renderer(project, pool, registry)
    errors = renderer.prepare()
    assert errors == []
    inst = renderer._instances[("c", "r")].instance
    assert [(p.clip_id, p.effect_id, p.frame_size, p.params["amount"]) for p in inst.prepared] == [("c", "r", (352, 288), 0.0)]
    renderer.render(F(5, 2))  # amount 0 (hold): identity, render not called
    assert inst.calls == []
    renderer.render(F(3))
    (time, amount, context), = inst.calls
    assert (time, amount) == (F(1), 1.0)
    assert (context.clip_id, context.effect_id, context.frame_index, context.source_time) == ("c", "r", 75, F(3, 2))
    assert context.source_index == pool.source(carphone).index_at_time(F(3, 2)) == 44
    # The same instance serves later frames; removing the effect drops it on the next prepare.
    renderer.render(F(4))
    assert len(inst.calls) == 2 and renderer._instances[("c", "r")].instance is inst
    clip.effects.clear()
    renderer.prepare()
    assert renderer._instances == {}


def test_non_thread_safe_plugins_are_serialized(carphone, pool, registry):
    effects = [Effect("r", Recorder.id)]
    project = Project(Settings(176, 144, F(25)), [Track("v", "video", [Clip("c", str(carphone), F(0), F(4), F(0), effects)])])
    renderer = Renderer(project, pool, registry)
    renderer.render(F(0))
    threads = [threading.Thread(target=lambda k=k: [renderer.render(F(i, 25)) for i in range(k, 40, 4)]) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    inst = renderer._instances[("c", "r")].instance
    assert len(inst.calls) == 41 and not inst.overlapped


def test_render_scale_makes_smaller_frames_and_reaches_plugins(bunny, carphone, pool, registry):
    project = two_tracks(bunny, carphone)
    project.tracks[0].clips[0].effects.append(Effect("r", Recorder.id))
    renderer = Renderer(project, pool, registry, render_scale=0.5)
    result = renderer.render(F(0))
    assert result.frame.shape == (360, 640, 3)
    assert renderer._instances[("bun", "r")].instance.scales == [(0.5, (360, 640, 3))]
    assert renderer.render(F(3, 2)).frame.shape == (360, 640, 3)  # letterboxed clip too
    assert offline_card(640, 360).shape == (360, 640, 3)
    with pytest.raises(ValueError):
        Renderer(project, pool, registry, render_scale=0)


def test_a_truncated_clip_renders_what_it_has_and_says_so(tmp_path, registry):
    from clipgen import make_clip

    full = make_clip(tmp_path / "full.mp4", frames=40, size=(96, 64), gop=8, faststart=True)
    cut = tmp_path / "cut.mp4"
    data = full.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    project = Project(Settings(96, 64, F(25)), [Track("v", "video", [Clip("t", str(cut), F(0), F(40, 25), F(0))])])
    with MediaPool() as own_pool:
        result = Renderer(project, own_pool, registry).render(F(0))
        assert np.array_equal(result.frame, own_pool.source(cut).frame(0).rgb)
    assert [(e.clip_id, e.severity) for e in result.errors] == [("t", "warning")]
    assert str(cut) in str(result.errors[0])


def test_a_clip_longer_than_its_media_shows_the_last_frame_with_a_warning(carphone, pool, registry):
    duration = pool.source(carphone).duration
    project = Project(Settings(176, 144, F(25)), [Track("v", "video", [Clip("c", str(carphone), F(0), duration + 1, F(0))])])
    renderer = Renderer(project, pool, registry)
    assert renderer.render(duration - F(1, 10)).errors == []
    late = renderer.render(duration + F(1, 2))
    assert np.array_equal(late.frame, pool.source(carphone).frame(pool.source(carphone).frame_count - 1).rgb)
    assert [e.severity for e in late.errors] == ["warning"] and "past the end" in late.errors[0].message
