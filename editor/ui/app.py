"""Starting the app: the Qt application, the project to open, the optional screenshot run."""

from __future__ import annotations

import os
import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from editor.errors import StyleCutError

from . import startup

SCREENSHOT_TIMEOUT_S = 120


def application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        # Worker threads (decode, effects) hand the interpreter back to the UI thread within
        # 1 ms instead of the default 5 ms, which keeps the event loop responsive while busy.
        sys.setswitchinterval(0.001)
        app = QApplication(sys.argv[:1])
        app.setApplicationName("StyleCut")
        app.setOrganizationName("StyleCut")
    return app


def build_window(project_path: str | None = None, demo: bool = False):
    """The main window with `project_path`, or the demo (also when nothing is given).

    The frame worker starts on the frame at the playhead before the panels are imported and
    built, so decoding and loading the effects overlap with building the window."""
    from editor.core.media.pool import MediaPool
    from editor.core.plugins import default_registry

    from .controller import ProjectController
    from .demo import build_demo
    from .frames import FrameServer

    startup.mark("imports")
    registry = default_registry()
    pool = MediaPool()
    controller = ProjectController()
    if project_path:
        controller.open(project_path)
    elif demo:
        controller.replace_project(build_demo(registry, pool), None)
    server = FrameServer(pool, registry)
    server.request(controller.frame, controller.snapshot(), controller.generation)
    # The panels' modules load while the worker decodes and loads the effects.
    from .main_window import MainWindow

    window = MainWindow(controller, registry, pool, server=server)
    return window


def take_screenshot(window, path: str, timeout_s: float = SCREENSHOT_TIMEOUT_S) -> None:
    """Wait for the first rendered frame and the timeline thumbnails, then save the window."""
    app = application()
    deadline = time.monotonic() + timeout_s
    window.timeline.view.zoom_to_fit()
    while window.viewer.frames_shown == 0:
        if time.monotonic() > deadline:
            raise StyleCutError(path, f"no frame was rendered within {timeout_s:.0f} s")
        app.processEvents()
        time.sleep(0.01)
    # Settled: no thumbnail or gallery work and an idle frame worker for a quarter second
    # running (a repaint after the last thumbnail may ask for more).
    window.release_background()
    gallery = window.inspector.gallery
    settle, quiet_since = time.monotonic() + 30, None
    while time.monotonic() < settle:
        app.processEvents()
        busy = (window.jobs.pending() or not window.server.idle()
                or (gallery is not None and gallery.isVisible() and not gallery.idle()))
        now = time.monotonic()
        quiet_since = None if busy else (quiet_since or now)
        if quiet_since is not None and now - quiet_since > 0.25:
            break
        time.sleep(0.01)
    for _ in range(5):
        app.processEvents()
        time.sleep(0.02)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    if not window.grab().save(path):
        raise StyleCutError(path, "could not write the screenshot (is it a .png path in a writable folder?)")


def run(project_path: str | None = None, demo: bool = False, screenshot: str | None = None) -> int:
    app = application()
    window = build_window(project_path, demo or not project_path)
    window.show()
    app.processEvents()
    startup.mark("window-shown")
    window.start()
    if screenshot:
        try:
            take_screenshot(window, screenshot)
        finally:
            window.close()
            dispose(window)
        print(screenshot)
        return 0
    QTimer.singleShot(0, window.timeline.view.zoom_to_fit)
    QTimer.singleShot(0, window.life.offer_recovery)
    code = app.exec()
    dispose(window)
    return code


def dispose(window) -> None:
    """Workers stopped and joined, then the window's Qt objects deleted, while the
    interpreter is whole: nothing of the app is left for its teardown to free."""
    from PySide6.QtCore import QCoreApplication, QEvent

    window.shutdown()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
