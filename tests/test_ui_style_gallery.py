"""Applying and switching styles from the gallery, also while playing, with undo."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from editor.core.render import Renderer
from style_nets import STYLE_IDS, style_environment
from ui_support import make_window, shown_frame_rgb, wait_until

STYLE = "org.stylecut.style_transfer"


@pytest.fixture(scope="module")
def env(request, tmp_path_factory):
    return style_environment(request, tmp_path_factory)


@pytest.fixture
def window(qtbot, tmp_path, env, carphone):
    w = make_window(qtbot, tmp_path)
    [clip_id] = w.media_bin.add_to_timeline([str(carphone)])
    w.controller.set_selection([clip_id])
    yield w
    w.shutdown()


def _expected(window, index):
    with Renderer(window.controller.snapshot(), registry=window.registry) as renderer:
        return np.array(renderer.render_frame(index).frame)


def _effect(window):
    return next(c for _, c in window.controller.project.clips()).effects[0]


def test_gallery_paints_each_style_on_the_frame_and_applies_one(window):
    inspector = window.inspector
    assert inspector.add_effect(STYLE)
    gallery = inspector.gallery
    assert gallery.isVisible()
    # The gallery lists the shipped catalog and the user's library (here: the test styles).
    listed = list(gallery.buttons)
    assert set(STYLE_IDS) <= set(listed)
    wait_until(lambda: len(gallery.thumbs) == len(listed), timeout=120)
    thumbs = [gallery.thumbs[s] for s in STYLE_IDS]
    assert thumbs[0].shape[1] <= 176 and thumbs[0].shape[2] == 3
    assert not np.array_equal(thumbs[0], thumbs[1]) and not np.array_equal(thumbs[1], thumbs[2])
    assert gallery.buttons[listed[0]].isChecked()     # unset style means the first one
    gallery.buttons[STYLE_IDS[2]].click()
    assert _effect(window).params["style"] == STYLE_IDS[2]
    assert gallery.buttons[STYLE_IDS[2]].isChecked() and not gallery.buttons[listed[0]].isChecked()
    c = window.controller
    wait_until(lambda: window.viewer.shown is not None and window.viewer.shown.generation == c.generation, timeout=120)
    assert np.array_equal(shown_frame_rgb(window), _expected(window, c.frame))
    assert "Style transfer (desktop, onnxruntime)" in window.viewer.backend_label.text()
    c.undo()
    assert "style" not in _effect(window).params
    assert gallery.buttons[listed[0]].isChecked()


def test_switching_styles_while_playing_shows_on_the_next_frames(window):
    inspector, c, viewer = window.inspector, window.controller, window.viewer
    inspector.add_effect(STYLE)
    inspector.set_value("size", 96)  # small processing keeps playback moving on two cores
    gallery = inspector.gallery
    # The style's network is loaded once its still frame is on screen (on a busy machine that
    # can take longer than the clip plays).
    wait_until(lambda: viewer.shown is not None and viewer.shown.generation == c.generation, timeout=120)
    shown = []
    viewer.frameShown.connect(lambda f: shown.append(f) if f.playing else None)
    c.set_playhead(Fraction(0))
    viewer.play()
    wait_until(lambda: len(shown) >= 2, timeout=120)
    gallery.buttons[STYLE_IDS[1]].click()
    switched = c.generation
    assert viewer.playing  # the switch does not stop playback
    wait_until(lambda: any(f.generation == switched for f in shown), timeout=120)
    viewer.pause()
    after = next(f for f in shown if f.generation == switched)
    before = shown[0]
    assert before.generation != switched
    # The frame shown after the switch is exactly the new style's render of that frame.
    image = after.image
    rgb = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes()).reshape(
        image.height(), image.bytesPerLine())[:, :image.width() * 3].reshape(image.height(), image.width(), 3)
    assert np.array_equal(rgb, _expected(window, after.index))


def test_thumbnails_follow_the_effects_look(window):
    inspector = window.inspector
    inspector.add_effect(STYLE)
    gallery = inspector.gallery
    wait_until(lambda: len(gallery.thumbs) == len(gallery.buttons) and gallery.idle(), timeout=120)
    before = dict(gallery.thumbs)
    inspector.set_value("preserve_colors", True)
    wait_until(lambda: gallery.idle() and gallery.thumbs is not before
               and not np.array_equal(gallery.thumbs[STYLE_IDS[0]], before[STYLE_IDS[0]]), timeout=120)
    # Strength does not change what a style looks like at full strength: no repaint.
    painted = gallery.thumbs
    inspector.set_value("strength", 0.5)
    wait_until(lambda: gallery.idle(), timeout=30)
    assert gallery.thumbs is painted


def test_style_parameter_is_a_picker_that_agrees_with_the_gallery(window):
    inspector, c = window.inspector, window.controller
    inspector.add_effect(STYLE)
    picker = inspector.editors["style"]
    gallery = inspector.gallery
    assert type(picker).__name__ == "StylePicker"
    # The installed styles by name, in the gallery's order; unset shows the first one.
    assert picker.ids() == list(gallery.buttons)
    names = [picker.combo.itemText(i) for i in range(picker.combo.count())]
    assert names == [s.name for s in gallery.styles]
    assert picker.combo.currentData() == picker.ids()[0]
    # Picking from the list: one undo step, and the gallery marks the same style.
    picker.combo.activated.emit(picker.ids().index(STYLE_IDS[1]))
    assert _effect(window).params["style"] == STYLE_IDS[1]
    assert c.stack.undo_label == "Set parameter"
    assert gallery.buttons[STYLE_IDS[1]].isChecked()
    # A thumbnail click moves the picker.
    gallery.buttons[STYLE_IDS[2]].click()
    assert picker.combo.currentData() == STYLE_IDS[2]
    c.undo()
    assert picker.combo.currentData() == STYLE_IDS[1]
    # A style that is not installed here stays visible, and is not replaced silently.
    inspector.set_value("style", "gone-style")
    assert picker.combo.currentText() == "gone-style (not installed)"
    assert _effect(window).params["style"] == "gone-style"
    c.undo()
    assert picker.combo.currentData() == STYLE_IDS[1]
    assert "gone-style" not in picker.ids()
