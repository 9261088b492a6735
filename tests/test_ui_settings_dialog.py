"""The project settings dialog changes the project through one undoable command."""

from __future__ import annotations

from fractions import Fraction

from editor.core.project.model import Settings
from ui_support import make_window, wait_until


def test_settings_dialog_sets_size_and_rate_and_undo_restores(qtbot, tmp_path, carphone):
    window = make_window(qtbot, tmp_path)
    try:
        c = window.controller
        window.media_bin.add_to_timeline([str(carphone)])
        before = Settings(**vars(c.project.settings))
        dialog = window.open_settings()
        assert dialog.width_box.value() == 176 and dialog.frame_rate() == Fraction(30000, 1001)
        dialog.width_box.setValue(320)
        dialog.height_box.setValue(240)
        dialog.fps.setCurrentIndex(dialog.fps.findText("25 fps"))
        dialog.channels.setCurrentIndex(dialog.channels.findData(1))
        assert dialog.apply()
        s = c.project.settings
        assert (s.width, s.height, s.fps, s.channels) == (320, 240, Fraction(25), 1)
        assert c.stack.undo_label == "Project settings"
        # The viewer renders at the new size.
        wait_until(lambda: window.viewer.shown is not None and window.viewer.shown.generation == c.generation)
        assert (window.viewer.shown.image.width(), window.viewer.shown.image.height()) == (320, 240)
        c.undo()
        assert c.project.settings == before
    finally:
        window.shutdown()


def test_unchanged_settings_make_no_undo_step(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    try:
        dialog = window.open_settings()
        assert dialog.apply()
        assert not window.controller.stack.can_undo
    finally:
        window.shutdown()
