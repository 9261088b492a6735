"""Screenshots of the main views for the documentation.

    xvfb-run -a .venv/bin/python -m editor.ui.screenshots docs/screenshots

Opens the demo, waits for each view to finish rendering, and saves main.png, compare.png,
emulation.png, export.png and settings.png into the folder.
"""

from __future__ import annotations

import os
import sys
import time

from PySide6.QtWidgets import QApplication


def _pump(predicate, timeout: float = 180.0) -> None:
    app = QApplication.instance()
    end = time.monotonic() + timeout
    while not predicate() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)
    for _ in range(20):
        app.processEvents()
        time.sleep(0.01)


def main(folder: str) -> int:
    from .app import application, build_window, dispose, take_screenshot

    os.makedirs(folder, exist_ok=True)
    application()
    window = build_window(None, demo=True)
    window.life.show_dialogs = False
    window.show()
    window.start()
    window.timeline.view.set_zoom(300.0)
    c = window.controller
    c.set_playhead(c.project.frame_time(min(30, c.project.frame_count - 1)))
    gallery = window.inspector.gallery
    _pump(lambda: window.viewer.frames_shown > 0 and window.server.idle()
          and (gallery is None or not gallery.isVisible() or (gallery.thumbs and gallery.idle())))
    take_screenshot(window, os.path.join(folder, "main.png"))
    compare = window.open_compare()
    compare.resize(1280, 330)
    _pump(lambda: bool(compare.frames) and compare.worker.idle())
    compare.grab().save(os.path.join(folder, "compare.png"))
    compare.hide()
    panel = window.open_emulation()
    _pump(lambda: panel.worker.idle())
    panel.enabled.setChecked(True)
    _pump(lambda: window.server.idle())
    window.grab().save(os.path.join(folder, "emulation.png"))
    panel.enabled.setChecked(False)
    dialog = window.open_export()
    dialog.path.setText(os.path.join(os.path.expanduser("~"), "demo.mp4"))
    _pump(lambda: True, 1)
    dialog.grab().save(os.path.join(folder, "export.png"))
    dialog.close()
    settings = window.open_settings()
    _pump(lambda: True, 1)
    settings.grab().save(os.path.join(folder, "settings.png"))
    settings.close()
    window.close()
    dispose(window)
    names = ("main.png", "compare.png", "emulation.png", "export.png", "settings.png")
    print("\n".join(os.path.join(folder, n) for n in names))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
