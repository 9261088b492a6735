"""The style-transfer effect through the plugin API and the Renderer: backends agree, styles
switch on the next frame, strength 0 skips the network, results are cached, edits undo, and
bad styles or pictures give clear errors while the editor keeps going."""

from __future__ import annotations

import json
import os
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from editor.core.commands import AddEffect, SetParam, UndoStack
from editor.core.media.source import MediaSource
from editor.core.plugins import default_registry
from editor.core.project import Clip, Effect, Project, Settings, Track
from editor.core.project.document import dumps
from editor.core.render import Renderer
from editor.errors import PluginError
from plugins.style_transfer import StyleTransfer, styles
from plugins.style_transfer.backends import get_backend
from plugins.style_transfer.model_cache import native_model
from style_nets import STYLE_IDS, style_environment

# Phone (native fp32) against desktop (onnxruntime fp32), stylized frames in 8-bit levels:
# float summation order differs, nothing else.
PHONE_MEAN_LEVELS, PHONE_MAX_LEVELS = 0.1, 2
# int8 convolutions: a little more.
INT8_MEAN_LEVELS = 5.0


@pytest.fixture(scope="module")
def env(request, tmp_path_factory):
    return style_environment(request, tmp_path_factory)


@pytest.fixture(scope="module")
def frames(env, bunny):
    with MediaSource(bunny) as source:
        return [source.frame(i).rgb for i in (20, 21, 22)]


def params(**kw):
    p = StyleTransfer.defaults()
    p.update(style=STYLE_IDS[0])
    p.update(kw)
    return p


def project_with_style(media: Path, **effect_params) -> Project:
    with MediaSource(media) as source:
        w, h, fps, duration = source.width, source.height, source.fps, source.duration
    effect = Effect(id="style", plugin_id=StyleTransfer.id, params=dict(style=STYLE_IDS[0], **effect_params),
                    keyframes={})
    clip = Clip(id="c1", media=str(media), source_in=Fraction(0), source_out=duration, start=Fraction(0),
                effects=[effect], name="clip", media_duration=duration)
    return Project(settings=Settings(width=w, height=h, fps=fps), tracks=[Track(id="v", kind="video", clips=[clip])],
                   name="p")


def test_plugin_is_discovered():
    assert StyleTransfer.id in default_registry()


def test_backends_agree_within_documented_levels(env, frames):
    effect = StyleTransfer()
    out = {b: effect.stylize(frames[0], params(), backend=b).astype(np.int16)
           for b in ("desktop", "phone", "phone-int8")}
    assert out["desktop"].shape == frames[0].shape
    phone = np.abs(out["phone"] - out["desktop"])
    int8 = np.abs(out["phone-int8"] - out["desktop"])
    assert phone.mean() <= PHONE_MEAN_LEVELS and phone.max() <= PHONE_MAX_LEVELS
    assert int8.mean() <= INT8_MEAN_LEVELS
    # the network really did something: far from the original picture
    assert np.abs(out["desktop"] - frames[0]).mean() > 10


def test_styles_differ_and_mix_is_between(env, frames):
    effect = StyleTransfer()
    a = effect.stylize(frames[0], params(style=STYLE_IDS[0])).astype(np.float32)
    b = effect.stylize(frames[0], params(style=STYLE_IDS[1])).astype(np.float32)
    m = effect.stylize(frames[0], params(mix=f"{STYLE_IDS[0]}:1, {STYLE_IDS[1]}:1")).astype(np.float32)
    assert np.abs(a - b).mean() > 5
    assert np.abs(m - a).mean() > 1 and np.abs(m - b).mean() > 1
    choice = styles.resolve("", f"{STYLE_IDS[0]}:1, {STYLE_IDS[1]}:3")
    assert np.allclose(choice.weights, [0.25, 0.75, 0.0])


def test_output_keeps_odd_sizes_and_refuses_tiny_pictures(env, frames):
    effect = StyleTransfer()
    odd = np.ascontiguousarray(frames[0][:147, :203])
    for backend in ("desktop", "phone"):
        out = effect.render(odd, Fraction(0), params(backend=backend, size=90), 1.0)
        assert out.shape == odd.shape and out.dtype == np.uint8
    tiny = np.ascontiguousarray(frames[0][:12, :40])
    with pytest.raises(PluginError, match="at least 16 pixels"):
        effect.render(tiny, Fraction(0), params(), 1.0)


def test_unknown_style_lists_valid_ids(env):
    with pytest.raises(PluginError) as err:
        styles.resolve("no-such-style")
    for style_id in STYLE_IDS:
        assert style_id in str(err.value)


def test_missing_and_corrupt_networks_are_named(env, frames, tmp_path):
    library = env[0]
    broken = library / "test-broken"
    broken.mkdir()
    garbage = broken / "garbage.onnx"
    garbage.write_bytes(b"this is not a network" * 20)
    entry = {"id": "test-broken", "name": "Broken", "model": "garbage.onnx", "macs_per_pixel": 1,
             "licence": "test"}
    (broken / "style.json").write_text(json.dumps(entry))
    gone = library / "test-gone"
    gone.mkdir()
    (gone / "style.json").write_text(json.dumps({**entry, "id": "test-gone", "model": "deleted.onnx"}))
    styles.refresh()  # an import does this; otherwise new entries show within a second
    try:
        effect = StyleTransfer()
        for backend in ("desktop", "phone"):
            with pytest.raises(PluginError) as err:
                effect.render(frames[0], Fraction(0), params(style="test-broken", backend=backend), 1.0)
            assert str(garbage) in str(err.value)
        with pytest.raises(PluginError, match="deleted.onnx"):
            styles.resolve("test-gone")
    finally:
        for sub in (broken, gone):
            for f in sub.iterdir():
                f.unlink()
            sub.rmdir()
        styles.refresh()


def test_int8_model_is_converted_once_and_cached_by_hash(env):
    net = env[1]
    first = native_model(net, int8=True)
    stamp = first.stat().st_mtime_ns
    again = native_model(net, int8=True)
    assert again == first and again.stat().st_mtime_ns == stamp
    assert first.parent.parent == env[2]
    assert native_model(net, int8=False) != first


def test_a_cached_int8_model_is_found_without_decoding_the_calibration_pictures(env, monkeypatch):
    from plugins.style_transfer import model_cache

    net = env[1]
    first = native_model(net, int8=True)

    def refuse():
        raise AssertionError("calibration pictures decoded although the model is cached")

    # a new process: nothing remembered in memory, only the cache folder
    monkeypatch.setattr(model_cache, "_calibration_cache", None)
    monkeypatch.setattr(model_cache, "calibration_frames", refuse)
    assert native_model(net, int8=True) == first
    # a damaged memo is not trusted: the pictures are decoded again and the same model found
    memos = list(first.parent.glob("calibration-*.digest"))
    assert len(memos) == 1
    memos[0].write_text("not a digest")
    monkeypatch.undo()
    monkeypatch.setattr(model_cache, "_calibration_cache", None)
    assert native_model(net, int8=True) == first
    assert memos[0].read_text().strip() == first.stem.rsplit("-", 1)[1]


def test_strength_zero_is_identity_and_skips_inference(env, bunny):
    project = project_with_style(bunny, strength=0.0)
    plain = project_with_style(bunny)
    plain.tracks[0].clips[0].effects.clear()
    engine = get_backend("desktop", styles.resolve(STYLE_IDS[0]).model)
    runs = engine.runs
    with Renderer(project) as styled, Renderer(plain) as original:
        a, b = styled.render_frame(5), original.render_frame(5)
    assert not a.errors
    assert np.array_equal(a.frame, b.frame)
    assert engine.runs == runs
    assert StyleTransfer().is_identity(params(strength=0.0), Fraction(0))


def test_half_strength_blends_perceptually(env, frames):
    effect = StyleTransfer()
    full = effect.render(frames[0], Fraction(0), params(), 1.0).astype(np.float32)
    half = effect.render(frames[0], Fraction(0), params(strength=0.5), 1.0).astype(np.float32)
    rgb_fade = (frames[0].astype(np.float32) + full) / 2
    assert 1.0 < np.abs(half - rgb_fade).mean() < 20  # near a fade, but not a plain RGB one
    kept = effect.render(frames[0], Fraction(0), params(preserve_colors=True), 1.0)
    from plugins.style_transfer.colour import rgb_to_oklab

    lab_orig, lab_kept = rgb_to_oklab(frames[0]), rgb_to_oklab(kept)
    chroma_err = np.abs(lab_kept[..., 1:] - lab_orig[..., 1:]).mean()
    chroma_full = np.abs(rgb_to_oklab(full.astype(np.uint8))[..., 1:] - lab_orig[..., 1:]).mean()
    assert chroma_err < chroma_full / 3


def test_style_switch_shows_on_the_next_frame_without_a_new_session(env, bunny):
    project = project_with_style(bunny, backend="phone")
    stack = UndoStack(project)
    model = styles.resolve(STYLE_IDS[0]).model
    with Renderer(project) as renderer:
        renderer.prepare()
        engine = get_backend("phone", model)
        first = renderer.render_frame(10)
        assert not first.errors
        stack.execute(SetParam("c1", "style", "style", STYLE_IDS[1]))
        switched = renderer.render_frame(11)
        assert get_backend("phone", model) is engine  # same session, new weights
        with MediaSource(bunny) as source:
            raw = source.frame(11).rgb
        effect = StyleTransfer()
        expect_new = effect.render(raw, Fraction(0), params(style=STYLE_IDS[1], backend="phone"), 1.0)
        expect_old = effect.render(raw, Fraction(0), params(style=STYLE_IDS[0], backend="phone"), 1.0)
        assert np.array_equal(switched.frame, expect_new)
        assert np.abs(switched.frame.astype(np.int16) - expect_old).mean() > 5


def test_cache_makes_revisits_free_and_edits_undo(env, bunny):
    project = project_with_style(bunny)
    project.tracks[0].clips[0].effects.clear()
    stack = UndoStack(project)
    before = dumps(project)
    engine = get_backend("desktop", styles.resolve(STYLE_IDS[0]).model)
    with Renderer(project) as renderer:
        original = renderer.render_frame(3).frame.copy()
        stack.execute(AddEffect("c1", Effect(id="style", plugin_id=StyleTransfer.id,
                                             params={"style": STYLE_IDS[0]}, keyframes={})))
        styled = renderer.render_frame(3).frame.copy()
        assert np.abs(styled.astype(np.int16) - original).mean() > 10
        runs = engine.runs
        assert np.array_equal(renderer.render_frame(3).frame, styled)
        assert engine.runs == runs                      # served from the result cache
        stack.execute(SetParam("c1", "style", "strength", 0.5))
        half = renderer.render_frame(3).frame
        assert engine.runs == runs                      # strength is applied after the cache
        assert not np.array_equal(half, styled)
        stack.undo()
        assert np.array_equal(renderer.render_frame(3).frame, styled)
        stack.undo()
        assert np.array_equal(renderer.render_frame(3).frame, original)
        assert dumps(project) == before
        stack.redo()
        assert np.array_equal(renderer.render_frame(3).frame, styled)


def test_failing_clip_renders_unstyled_with_an_error(env, bunny):
    project = project_with_style(bunny)
    project.tracks[0].clips[0].effects[0].params["style"] = "no-such-style"
    before = dumps(project)
    plain = project_with_style(bunny)
    plain.tracks[0].clips[0].effects.clear()
    with Renderer(project) as renderer, Renderer(plain) as reference:
        result = renderer.render_frame(4)
        assert np.array_equal(result.frame, reference.render_frame(4).frame)
    assert len(result.errors) == 1
    assert "no-such-style" in str(result.errors[0]) and STYLE_IDS[0] in str(result.errors[0])
    assert dumps(project) == before


def test_prepare_loads_the_session_and_preloads(env):
    effect = StyleTransfer()
    from editor.core.plugin_api import PrepareContext
    from plugins.style_transfer.backends import is_loaded

    model = styles.resolve(STYLE_IDS[2]).model
    effect.prepare(PrepareContext("c", "e", "m.mp4", Fraction(0), Fraction(1), (640, 360), Fraction(25),
                                  1.0, params(style=STYLE_IDS[2], backend="phone-int8")))
    assert is_loaded("phone-int8", model)


@pytest.mark.parametrize("kind", ["desktop", "phone", "phone-int8"])
def test_a_fork_gives_the_shared_session_s_picture_in_a_session_of_its_own(env, frames, kind):
    choice = styles.resolve(STYLE_IDS[1])
    shared = get_backend(kind, choice.model)
    fork = shared.fork(1)
    assert fork.session is not shared.session and fork.kind == shared.kind
    assert (fork.multiple, fork.min_size, fork.style_count) == (shared.multiple, shared.min_size, shared.style_count)
    small = np.ascontiguousarray(frames[0][:64, :96])
    ours, theirs = fork.run(small, choice.weights), shared.run(small, choice.weights)
    if kind == "desktop":   # onnxruntime may sum in another order with another thread count
        assert np.abs(ours.astype(np.int16) - theirs).max() <= 1
    else:                   # the native runtime is bit-exact across thread counts
        assert np.array_equal(ours, theirs)
    # the fork keeps its own style selection: another style there leaves the shared one alone
    other = styles.resolve(STYLE_IDS[0])
    assert not np.array_equal(fork.run(small, other.weights), ours)
    assert np.array_equal(shared.run(small, choice.weights), theirs)


def _context(dedicated: bool, index: int = 0):
    from editor.core.plugin_api import RenderContext

    return RenderContext("c", "e", "m.mp4", Fraction(index, 25), index, (1280, 720), Fraction(25),
                         index, dedicated_thread=dedicated)


@pytest.mark.parametrize("kind", ["phone", "phone-int8"])
def test_a_dedicated_thread_renders_in_a_fork_with_the_shared_session_s_pixels(env, frames, kind):
    p = params(style=STYLE_IDS[1], backend=kind, size=96, strength=0.8)
    shared_effect, forked_effect = StyleTransfer(), StyleTransfer()
    reference = shared_effect.render(frames[0], Fraction(0), p, 1.0, _context(False))
    ours = forked_effect.render(frames[0], Fraction(0), p, 1.0, _context(True))
    assert np.array_equal(ours, reference)
    shared = get_backend(kind, styles.resolve(STYLE_IDS[1]).model)
    [fork] = forked_effect.forks()
    assert not shared_effect.forks()
    assert fork.session is not shared.session and fork.session.threads == 1 and fork.runs == 1
    assert fork.model is shared.model   # the loaded model is shared, not loaded again
    # Another style of the same network shows on the next frame, through the same fork.
    p2 = dict(p, style=STYLE_IDS[0])
    ours = forked_effect.render(frames[1], Fraction(1, 25), p2, 1.0, _context(True, 1))
    assert np.array_equal(ours, shared_effect.render(frames[1], Fraction(1, 25), p2, 1.0, _context(False, 1)))
    assert forked_effect.forks() == [fork] and fork.runs == 2
    forked_effect.close()
    assert not forked_effect.forks()


def test_desktop_keeps_the_shared_session_on_a_dedicated_thread(env, frames):
    effect = StyleTransfer()
    p = params(backend="desktop", size=96)
    effect.render(frames[0], Fraction(0), p, 1.0, _context(True))
    assert not effect.forks()   # onnxruntime already runs concurrent calls side by side


def test_two_instances_on_dedicated_threads_run_side_by_side_in_sessions_of_their_own(env, frames):
    import threading

    from editor.core.plugin_api import dedicated_render_thread

    p = params(style=STYLE_IDS[2], backend="phone-int8", size=96)
    reference = [StyleTransfer().render(f, Fraction(0), p, 1.0, None) for f in frames[:2]]
    effects, results, failures = [StyleTransfer(), StyleTransfer()], {}, []
    start = threading.Barrier(2)

    def _context_here(i):
        from editor.core.plugin_api import RenderContext
        # made on the render thread: the hint comes from dedicated_render_thread()
        return RenderContext("c", "e", "m.mp4", Fraction(i), 1000 + i, (1280, 720), Fraction(25))

    def work(k):
        try:
            start.wait()
            with dedicated_render_thread():
                for i in range(3):   # the second and third runs reuse the fork
                    results[k, i] = effects[k].render(frames[k], Fraction(i), p, 1.0, _context_here(i))
        except Exception as exc:   # reported below, with the thread's picture
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    shared = get_backend("phone-int8", styles.resolve(STYLE_IDS[2]).model)
    [fork0], [fork1] = effects[0].forks(), effects[1].forks()
    assert len({id(shared.session), id(fork0.session), id(fork1.session)}) == 3
    assert fork0.runs == fork1.runs == 3
    for k in (0, 1):
        for i in range(3):
            assert np.array_equal(results[k, i], reference[k])
