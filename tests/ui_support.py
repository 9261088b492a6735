"""Helpers for the UI tests: a real main window on the offscreen platform, and waiting."""

from __future__ import annotations

import time

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication


def make_window(qtbot, tmp_path, project=None, path=None):
    from editor.ui.controller import ProjectController
    from editor.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    controller = ProjectController(project, path)
    window = MainWindow(controller, settings=settings)
    window.life.autosave_dir = str(tmp_path / "autosave")
    window.life.show_dialogs = False
    window.life.ask_unsaved = lambda: "discard"
    qtbot.addWidget(window)
    window.show()
    window.start()
    return window


def wait_until(predicate, timeout: float = 30.0, step: float = 0.01) -> None:
    """Run the event loop until `predicate()` is true; AssertionError after `timeout` s."""
    app = QApplication.instance()
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {predicate}")
        app.processEvents()
        time.sleep(step)


def shown_frame_rgb(window):
    """The RGB array of the frame the viewer shows."""
    import numpy as np

    image = window.viewer.display.image
    ptr = image.constBits()
    arr = np.frombuffer(ptr, np.uint8, count=image.sizeInBytes()).reshape(image.height(), image.bytesPerLine())
    return arr[:, :image.width() * 3].reshape(image.height(), image.width(), 3).copy()
