"""The inspector: effect stack and typed parameters, keyframes at the playhead, undo."""

from __future__ import annotations

from fractions import Fraction

import pytest
from PySide6.QtCore import Qt

from editor.core.plugin_api import evaluate_params
from ui_support import make_window

ADJUST = "org.stylecut.color_adjust"


@pytest.fixture
def window(qtbot, tmp_path, carphone):
    w = make_window(qtbot, tmp_path)
    [clip_id] = w.media_bin.add_to_timeline([str(carphone)])
    w.controller.set_selection([clip_id])
    yield w
    w.shutdown()


def _clip(window):
    return next(c for _, c in window.controller.project.clips())


def test_widgets_follow_the_plugins_parameters(window):
    inspector = window.inspector
    assert inspector.add_effect(ADJUST)
    plugin = window.registry.get(ADJUST)
    assert list(inspector.editors) == [p.name for p in plugin.params]
    assert set(inspector.key_buttons) == {p.name for p in plugin.params if p.animates}
    assert type(inspector.editors["output_range"]).__name__ == "ChoiceEditor"
    assert type(inspector.editors["tint"]).__name__ == "ColourEditor"


def test_slider_release_is_one_undoable_step(window, qtbot):
    inspector = window.inspector
    inspector.add_effect(ADJUST)
    editor = inspector.editors["saturation"]
    editor.slider.setSliderDown(True)
    editor.slider.setValue(500)           # 0..4 range: the middle is 2.0
    editor.slider.sliderMoved.emit(500)
    editor.slider.setSliderDown(False)    # the release commits
    effect = _clip(window).effects[0]
    assert effect.params["saturation"] == pytest.approx(2.0)
    assert editor.spin.value() == pytest.approx(2.0)
    assert window.controller.stack.undo_label == "Set parameter"
    window.controller.undo()
    assert "saturation" not in _clip(window).effects[0].params
    assert editor.spin.value() == pytest.approx(1.0)  # the widget shows the model again


def test_choice_and_bool_widgets_set_values(window):
    inspector = window.inspector
    inspector.add_effect(ADJUST)
    combo = inspector.editors["output_range"].combo
    combo.setCurrentIndex(1)
    combo.activated.emit(1)
    inspector.editors["invert"].box.setChecked(True)
    params = _clip(window).effects[0].params
    assert params["output_range"] == "video" and params["invert"] is True


def test_keyframes_at_the_playhead(window):
    inspector, c = window.inspector, window.controller
    inspector.add_effect(ADJUST)
    clip = _clip(window)
    # The project took the clip's 29.97 fps: the playhead sits on its frames.
    two, one = c.project.frame_time(60), c.project.frame_time(30)
    c.set_playhead(Fraction(0))
    inspector.set_value("brightness", -0.5)
    inspector.toggle_keyframe("brightness")            # keyframe at 0 with -0.5
    assert inspector.key_buttons["brightness"].isChecked()
    c.set_playhead(two)
    assert not inspector.key_buttons["brightness"].isChecked()
    inspector.set_value("brightness", 0.5)              # has keyframes: sets one at frame 60
    effect = _clip(window).effects[0]
    assert [(k.time, k.value) for k in effect.keyframes["brightness"]] == [(0, -0.5), (two, 0.5)]
    c.set_playhead(one)
    assert inspector.editors["brightness"].spin.value() == pytest.approx(0.0)  # half way
    plugin = window.registry.get(ADJUST)
    assert evaluate_params(plugin, effect, one)["brightness"] == pytest.approx(0.0)
    c.set_playhead(two)
    inspector.toggle_keyframe("brightness")            # removes the one at frame 60
    assert [k.time for k in _clip(window).effects[0].keyframes["brightness"]] == [0]


def test_stack_add_reorder_toggle_remove(window):
    inspector = window.inspector
    first = inspector.add_effect(ADJUST)
    second = inspector.add_effect(ADJUST)
    assert [e.id for e in _clip(window).effects] == [first, second]
    inspector.move_effect(-1)                           # the selected (second) goes up
    assert [e.id for e in _clip(window).effects] == [second, first]
    item = inspector.stack_list.item(0)
    item.setCheckState(Qt.CheckState.Unchecked)
    assert _clip(window).effects[0].enabled is False
    inspector.remove_effect()
    assert len(_clip(window).effects) == 1
    for _ in range(4):
        window.controller.undo()
    assert [e.id for e in _clip(window).effects] == [first]


def test_inspector_follows_the_playhead_without_a_selection(window, carphone):
    c = window.controller
    second = window.media_bin.add_to_timeline([str(carphone)])[0]
    c.set_selection([])
    c.set_playhead(c.project.find_clip(second)[1].start + Fraction(1))
    assert window.inspector.clip().id == second
