"""The viewer: frames from the one render path, scrubbing, stepping, paced playback."""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from editor.core.render import Renderer
from ui_support import make_window, shown_frame_rgb, wait_until


@pytest.fixture
def window(qtbot, tmp_path, carphone):
    w = make_window(qtbot, tmp_path)
    w.media_bin.add_to_timeline([str(carphone)])
    clip = w.controller.project.tracks[1].clips[0]
    w.inspector.add_effect("org.stylecut.color_adjust")
    effect = w.controller.project.find_clip(clip.id)[1].effects[0]
    w.inspector.set_value("saturation", 0.0)
    yield w
    w.shutdown()


def pump_for(seconds: float) -> None:
    app = QApplication.instance()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.001)


def _expected(window, index: int) -> np.ndarray:
    with Renderer(window.controller.snapshot(), registry=window.registry) as renderer:
        return np.array(renderer.render_frame(index).frame)


def _showing(window, index: int) -> bool:
    shown = window.viewer.shown
    return shown is not None and shown.index == index and shown.generation == window.controller.generation


def test_still_frame_is_the_render_paths_frame(window):
    c = window.controller
    c.set_playhead(c.project.frame_time(17))
    wait_until(lambda: _showing(window, 17))
    assert np.array_equal(shown_frame_rgb(window), _expected(window, 17))
    assert "Colour adjust" in window.viewer.backend_label.text()
    # Saturation 0 made it grey: the effect really ran.
    rgb = shown_frame_rgb(window).astype(int)
    assert np.abs(rgb[..., 0] - rgb[..., 1]).max() <= 2


def test_scrub_step_and_edit_show_the_new_frame(window, qtbot):
    c = window.controller
    window.viewer.slider.setValue(40)
    assert c.frame == 40
    wait_until(lambda: _showing(window, 40))
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert c.frame == 41
    wait_until(lambda: _showing(window, 41))
    # 41 frames at the project's rate, which the carphone clip set to 30000/1001 (frames
    # within a second counted by time at a rational rate)
    assert c.project.settings.fps == Fraction(30000, 1001)
    assert window.viewer.timecode_label.text() == "00:00:01:11"
    before = shown_frame_rgb(window)
    window.inspector.set_value("saturation", 1.0)
    wait_until(lambda: _showing(window, 41))
    after = shown_frame_rgb(window)
    assert not np.array_equal(before, after)
    assert np.array_equal(after, _expected(window, 41))


def test_playback_is_paced_and_accounts_for_every_frame(window, qtbot):
    c = window.controller
    shown = []
    window.viewer.frameShown.connect(lambda f: shown.append(f.index) if f.playing else None)
    rendered = []
    window.server.frameReady.connect(lambda f: rendered.append(f.index) if f.playing else None)
    c.set_playhead(Fraction(0))
    window.viewer.play()
    assert window.viewer.playing
    assert window.jobs.held  # thumbnails and waveforms wait while frames play
    wait_until(lambda: not window.viewer.playing, timeout=60)
    assert not window.jobs.held
    total = c.project.frame_count
    # Every frame of the run was rendered or dropped as late, never both, never twice; only
    # the few the worker had not reached when the clock passed the end are neither.
    assert len(rendered) == len(set(rendered))
    assert total - 5 <= len(rendered) + window.server.dropped <= total
    # What reached the screen went forwards only, and ended on the last frame.
    assert shown == sorted(shown) and len(shown) > 10
    assert c.frame == total - 1


def test_playback_clock_starts_after_the_first_frames_are_finished(window):
    """The pre-roll: the clock (and the sound) start only once the first frames are ready, so
    the start of a playback never counts them late, however slow the first renders are."""
    c = window.controller
    events = []
    window.server.frameReady.connect(lambda f: events.append(("frame", f.index)) if f.playing else None)
    window.server.clockStarted.connect(lambda play_id, t0: events.append(("clock", play_id)))
    c.set_playhead(c.project.frame_time(10))
    wait_until(lambda: window.server.idle())
    window.viewer.play()
    assert window.viewer._due() == 10           # before the clock runs, the first frame is due
    wait_until(lambda: any(e[0] == "clock" for e in events), timeout=30)
    clock = next(i for i, e in enumerate(events) if e[0] == "clock")
    before = {e[1] for e in events[:clock] if e[0] == "frame"}
    assert {10, 11} <= before                   # PREROLL_FRAMES, counted from the start frame
    wait_until(lambda: window.viewer._play_t0 is not None)
    window.viewer.pause()


def test_effects_prepare_for_playback_while_the_still_frame_is_on_screen(window):
    # Preloading (the style effect's other networks) happens before Play, once per edit.
    c, server = window.controller, window.server
    wait_until(lambda: _showing(window, c.frame) and server._prepared == c.generation, timeout=60)
    first = c.generation
    window.inspector.set_value("saturation", 0.5)
    assert c.generation != first
    wait_until(lambda: _showing(window, c.frame) and server._prepared == c.generation, timeout=60)
    assert not window.viewer.playing


def test_jkl_shortcuts(window, qtbot):
    v = window.viewer
    qtbot.keyClick(window, Qt.Key.Key_L)
    assert v.playing and v.speed == 1.0
    qtbot.keyClick(window, Qt.Key.Key_L)
    assert v.playing and v.speed == 2.0
    qtbot.keyClick(window, Qt.Key.Key_K)
    assert not v.playing
    window.controller.set_playhead(window.controller.project.frame_time(30))
    qtbot.keyClick(window, Qt.Key.Key_J)
    assert v.playing and v._reverse
    wait_until(lambda: window.controller.frame < 30)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert not v.playing


def test_in_and_out_marks(window, qtbot):
    c = window.controller
    c.set_playhead(c.project.frame_time(10))
    qtbot.keyClick(window, Qt.Key.Key_I)
    c.set_playhead(c.project.frame_time(50))
    qtbot.keyClick(window, Qt.Key.Key_O)
    assert c.marks == {"in": c.project.frame_time(10), "out": c.project.frame_time(50)}
    # An out mark before the in mark clears the in mark.
    c.set_playhead(c.project.frame_time(5))
    qtbot.keyClick(window, Qt.Key.Key_O)
    assert c.marks == {"in": None, "out": c.project.frame_time(5)}


def test_half_resolution_preview_renders_smaller_frames(window):
    c = window.controller
    window.viewer.quality.setCurrentIndex(1)
    c.set_playhead(c.project.frame_time(3))
    wait_until(lambda: _showing(window, 3) and window.viewer.shown.image.width() == c.project.settings.width // 2)
    assert window.viewer.shown.image.height() == c.project.settings.height // 2
    with Renderer(c.snapshot(), registry=window.registry, render_scale=0.5) as renderer:
        assert np.array_equal(shown_frame_rgb(window), renderer.render_frame(3).frame)


def test_scrubbing_back_reuses_finished_frames_of_the_same_project_state(window):
    c = window.controller
    server = window.server
    for index in (20, 21, 20):
        c.set_playhead(c.project.frame_time(index))
        wait_until(lambda: _showing(window, index))
    assert server.reused >= 1
    assert np.array_equal(shown_frame_rgb(window), _expected(window, 20))
    # After an edit the kept frames are of another project state: rendered again.
    reused = server.reused
    window.inspector.set_value("saturation", 2.0)
    wait_until(lambda: _showing(window, 20))
    assert server.reused == reused
    assert np.array_equal(shown_frame_rgb(window), _expected(window, 20))


def test_dragging_shows_drafts_then_the_full_frame_where_it_rests(window):
    c, viewer, server = window.controller, window.viewer, window.server
    c.set_playhead(c.project.frame_time(2))
    wait_until(lambda: _showing(window, 2))
    drafts = []
    server.frameReady.connect(lambda f: drafts.append(f) if f.draft else None)
    for index in range(4, 40, 3):  # moves 20 ms apart: a drag
        c.set_playhead(c.project.frame_time(index))
        pump_for(0.02)
    wait_until(lambda: _showing(window, 37))
    assert drafts, "a drag asks for drafts"
    width = c.project.settings.width
    assert all(d.image.width() == round(width * 0.5) for d in drafts)  # half the preview scale
    assert viewer.drafts_shown >= 1
    # Where the drag rests: the full-quality frame of the one render path, not a draft.
    assert not viewer.shown.draft and viewer.on_screen is viewer.shown
    assert np.array_equal(shown_frame_rgb(window), _expected(window, 37))


def test_idle_worker_decodes_the_clip_around_the_playhead(window):
    c, server = window.controller, window.server
    c.set_playhead(c.project.frame_time(60))
    wait_until(lambda: _showing(window, 60))
    wait_until(lambda: not server.prefetching() and server.idle(), timeout=60)
    clip = c.project.tracks[1].clips[0]
    source = window.pool.source(clip.media)
    cached = [i for i in range(source.frame_count) if (source.path, i) in window.pool.cache]
    # The carphone clip is small: every frame of it fits, before and after the playhead.
    assert cached == list(range(source.frame_count))
    assert server.prefetched > 0
    # A jump far back now renders from the decoded frame, without decoding again.
    c.set_playhead(c.project.frame_time(3))
    wait_until(lambda: _showing(window, 3))
    assert window.viewer.shown.decode_ms < 20
    assert np.array_equal(shown_frame_rgb(window), _expected(window, 3))


def test_first_frame_shows_the_source_picture_while_effects_load(qtbot, tmp_path, carphone):
    from editor.core.project import Clip, Effect, Project, Settings, Track
    from editor.ui.controller import ProjectController
    from editor.ui.main_window import MainWindow

    clip = Clip("c", str(carphone), Fraction(0), Fraction(2), Fraction(0), name="car",
                effects=[Effect("fx", "org.stylecut.color_adjust", {"saturation": 0.0})])
    project = Project(Settings(176, 144), [Track("v", "video", [clip])])
    controller = ProjectController(project, None)
    window = MainWindow(controller)
    qtbot.addWidget(window)
    window.life.show_dialogs = False
    frames = []
    window.server.frameReady.connect(frames.append)
    window.show()
    window.start()
    try:
        wait_until(lambda: window.viewer.shown is not None)
        assert frames[0].preview and not frames[-1].preview
        # The preview is the frame without effects; the finished one has them (grey).
        plain = Project(Settings(176, 144), [Track("v", "video", [Clip("c", str(carphone), Fraction(0), Fraction(2),
                                                                        Fraction(0))])])
        with Renderer(plain, registry=window.registry) as renderer:
            expected_plain = renderer.render_frame(0).frame
        image = frames[0].image
        arr = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes()).reshape(image.height(), -1)
        assert np.array_equal(arr[:, :176 * 3].reshape(144, 176, 3), expected_plain)
        assert np.array_equal(shown_frame_rgb(window), _expected(window, 0))
        # Later frames find the effects loaded: no more source pictures first.
        count = len(frames)
        controller.set_playhead(project.frame_time(10))
        wait_until(lambda: _showing(window, 10))
        assert not any(f.preview for f in frames[count:])
    finally:
        window.shutdown()


def _rgb(image) -> np.ndarray:
    rows = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes()).reshape(image.height(), -1)
    return rows[:, :image.width() * 3].reshape(image.height(), image.width(), 3)


def test_playback_workers_run_the_style_network_in_sessions_of_their_own(qtbot, tmp_path, tmp_path_factory,
                                                                        request, carphone):
    from plugins.style_transfer import styles
    from plugins.style_transfer.backends import get_backend
    from style_nets import STYLE_IDS, style_environment

    style_environment(request, tmp_path_factory)
    w = make_window(qtbot, tmp_path)
    try:
        [clip_id] = w.media_bin.add_to_timeline([str(carphone)])
        c, viewer = w.controller, w.viewer
        c.set_selection([clip_id])
        assert w.inspector.add_effect("org.stylecut.style_transfer")
        w.inspector.set_value("backend", "phone-int8")
        w.inspector.set_value("size", 96)   # small processing keeps playback moving on two cores
        wait_until(lambda: viewer.shown is not None and viewer.shown.generation == c.generation, timeout=120)
        shown = []
        viewer.frameShown.connect(lambda f: shown.append(f) if f.playing else None)
        c.set_playhead(Fraction(0))
        viewer.play()
        wait_until(lambda: not viewer.playing, timeout=120)
        assert len(shown) > 5
        # Each playback worker ran the network in a one-thread session of its own ...
        shared = get_backend("phone-int8", styles.resolve(STYLE_IDS[0]).model)
        sessions = [shared.session]
        for slots in w.server._renderers:
            [inst] = slots["full"]._instances.values()
            [fork] = inst.instance.forks()
            assert fork.session.threads == 1 and fork.runs >= 1
            sessions.append(fork.session)
        assert len(w.server._renderers) == 2 and len({id(s) for s in sessions}) == 3
        # ... and the frames on screen are the shared session's pictures, byte for byte.
        for frame in shown[:2] + shown[-2:]:
            assert np.array_equal(_rgb(frame.image), _expected(w, frame.index))
    finally:
        w.shutdown()
