"""The viewer: frames from the one render path, scrubbing, stepping, paced playback."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from PySide6.QtCore import Qt

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
    assert window.viewer.timecode_label.text() == "00:00:01:16"  # 41 frames at the project's 25 fps
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
    wait_until(lambda: not window.viewer.playing, timeout=60)
    total = c.project.frame_count
    # Every frame of the run was rendered or dropped as late, never both, never twice; only
    # the few the worker had not reached when the clock passed the end are neither.
    assert len(rendered) == len(set(rendered))
    assert total - 5 <= len(rendered) + window.server.dropped <= total
    # What reached the screen went forwards only, and ended on the last frame.
    assert shown == sorted(shown) and len(shown) > 10
    assert c.frame == total - 1


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
