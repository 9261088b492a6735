"""Compare (original | desktop | phone) and device emulation (phone cadence, HUD, chart)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from editor.core.devices.playback import simulate
from editor.core.render import Renderer
from editor.ui.compare import split_bands, variant_project
from editor.ui.emulation import EmulationSchedule, processing_size
from style_nets import style_environment
from ui_support import make_window, wait_until

STYLE = "org.stylecut.style_transfer"


@pytest.fixture(scope="module")
def env(request, tmp_path_factory):
    return style_environment(request, tmp_path_factory)


@pytest.fixture
def window(qtbot, tmp_path, env, carphone):
    w = make_window(qtbot, tmp_path)
    [clip_id] = w.media_bin.add_to_timeline([str(carphone)])
    w.controller.set_selection([clip_id])
    w.inspector.add_effect(STYLE)
    w.inspector.set_value("size", 96)
    yield w
    w.shutdown()


def test_compare_shows_original_desktop_and_exact_phone_output(window):
    c = window.controller
    c.set_playhead(c.project.frame_time(12))
    compare = window.open_compare()
    wait_until(lambda: bool(compare.frames) and compare.worker.idle(), timeout=180)
    frames = compare.frames
    snapshot = c.snapshot()
    with Renderer(variant_project(snapshot, window.registry, "original"), registry=window.registry) as r:
        assert np.array_equal(frames["original"], r.render_frame(12).frame)
    with Renderer(variant_project(snapshot, window.registry, "phone"), registry=window.registry) as r:
        assert np.array_equal(frames["phone"], r.render_frame(12).frame)
    assert not np.array_equal(frames["original"], frames["desktop"])
    # Phone fp32 and desktop agree closely but are separate runtimes.
    assert compare.difference() < 8.0
    compare.mode.setCurrentIndex(1)
    assert compare.pages.currentIndex() == 1
    assert compare.split_display.image.width() == c.project.settings.width
    compare.phone.setCurrentText("phone-int8")
    wait_until(lambda: compare.worker.idle() and compare.status.text().startswith("frame"), timeout=180)
    assert compare.difference() < 20.0


def test_split_bands():
    frames = [np.full((4, 9, 3), v, np.uint8) for v in (10, 20, 30)]
    out = split_bands(frames)
    assert out[0, 1, 0] == 10 and out[0, 4, 0] == 20 and out[0, 7, 0] == 30
    assert (out[:, 3] == 255).all() and (out[:, 6] == 255).all()


def test_emulation_predicts_and_plays_at_the_phones_cadence(window):
    c, viewer = window.controller, window.viewer
    panel = window.open_emulation()
    wait_until(lambda: panel.prediction is not None, timeout=120)
    assert panel.chart.pixmap() is not None and not panel.chart.pixmap().isNull()
    width, height = processing_size(c.project, panel_effect(window))
    assert height == 96  # the effect's processing size, padded by the runtime's multiple below
    assert panel.prediction.input_size[1] == 96 and 0 <= panel.prediction.input_size[0] - width < 16
    slow = next(i for i in range(panel.phone.count())
                if "2014" in panel.phone.itemText(i) or "2015" in panel.phone.itemText(i))
    panel.phone.setCurrentIndex(slow)
    wait_until(lambda: panel.worker.idle() and panel.prediction is not None
               and panel.prediction.device == panel.phone.currentData(), timeout=120)
    panel.enabled.setChecked(True)
    hud = viewer.display.overlay
    assert any("ms / frame" in line for line in hud)
    assert any(line.startswith(("PASS", "FAIL")) for line in hud)
    shown = []
    viewer.frameShown.connect(lambda f: shown.append(f.index) if f.playing else None)
    c.set_playhead(Fraction(0))
    viewer.play()
    schedule = viewer.emulation
    wait_until(lambda: not viewer.playing, timeout=120)
    wanted = set(schedule.wanted(0, c.project.frame_count - 1))
    assert shown and set(shown) <= wanted   # only frames the phone would show reach the screen
    assert len(wanted) < c.project.frame_count  # a slow phone skips frames
    panel.enabled.setChecked(False)
    assert viewer.emulation is None and viewer.display.overlay == []


def panel_effect(window):
    return next(c for _, c in window.controller.project.clips()).effects[0]


def test_emulation_schedule_follows_the_core_simulation():
    schedule = EmulationSchedule(100.0, Fraction(25))
    wanted = schedule.wanted(10, 59)
    pb = simulate(100.0, Fraction(25), 50)
    assert sorted(wanted) == [s.source_frame + 10 for s in pb.shown if s.done <= Fraction(50, 25)][:len(wanted)]
    for tick in range(10, 60):
        source = pb.ticks[tick - 10]
        assert schedule.on_screen(tick) == (None if source is None else source + 10)
    # Each wanted frame is due at the first tick that shows it.
    for frame, tick in wanted.items():
        assert schedule.on_screen(tick) == frame and (tick == 10 or schedule.on_screen(tick - 1) != frame)


def test_emulation_follows_the_effects_backend_and_ignores_other_edits(window):
    panel = window.open_emulation()
    wait_until(lambda: panel.prediction is not None and panel.worker.idle(), timeout=120)
    fp32 = panel.prediction
    assert not fp32.int8
    window.inspector.set_value("strength", 0.5)       # nothing the phone's time depends on
    assert panel.prediction is fp32 and panel.worker.idle()
    window.inspector.set_value("backend", "phone-int8")
    wait_until(lambda: panel.worker.idle() and panel.prediction is not None and panel.prediction.int8, timeout=120)
    assert panel.prediction.total_ms != fp32.total_ms
