"""`stylecut app`: the demo screenshot run and bad input, as a user starts them."""

from __future__ import annotations

import os
import subprocess
import sys

from PySide6.QtGui import QImage

from editor.ui.app import build_window
from editor.ui.demo import build_demo


def _run(args, tmp_path, timeout=300):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"), HOME=str(tmp_path))
    return subprocess.run([sys.executable, "-m", "editor", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=tmp_path)


def test_demo_screenshot_shows_the_rendered_frame(tmp_path):
    shot = tmp_path / "shots" / "main.png"
    result = _run(["app", "--demo", "--screenshot", str(shot)], tmp_path)
    assert result.returncode == 0, result.stderr
    image = QImage(str(shot))
    assert image.width() >= 1200 and image.height() >= 700
    # The viewer area holds a picture, not the empty dark background.
    centre = image.copy(image.width() // 3, image.height() // 6, image.width() // 3, image.height() // 3)
    colours = {centre.pixel(x, y) for x in range(0, centre.width(), 7) for y in range(0, centre.height(), 7)}
    assert len(colours) > 200


def test_missing_project_is_one_line_and_exit_2(tmp_path):
    result = _run(["app", str(tmp_path / "nope.stylecut.json"), "--screenshot", str(tmp_path / "x.png")], tmp_path)
    assert result.returncode == 2
    assert "nope.stylecut.json" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_demo_project_has_a_clip_with_an_effect(qtbot):
    from editor.core.media.pool import MediaPool
    from editor.core.plugins import default_registry

    registry = default_registry()
    with MediaPool() as pool:
        project = build_demo(registry, pool)
    clips = [c for _, c in project.clips()]
    assert clips and all(os.path.isfile(c.media) for c in clips)
    assert all(c.effects and registry.find(c.effects[0].plugin_id) for c in clips)
    assert project.duration > 0


def test_opening_a_saved_project_shows_it(qtbot, tmp_path, carphone):
    from editor.core.project import Clip, Project, Settings, Track, save

    path = tmp_path / "p.stylecut.json"
    save(Project(Settings(176, 144), [Track("v", "video", [Clip("c", str(carphone), 0, 2, 1, name="car")])]), path)
    window = build_window(str(path))
    qtbot.addWidget(window)
    window.life.show_dialogs = False
    try:
        assert window.controller.path == str(path)
        assert window.controller.project.find_clip("c") is not None
        assert "p.stylecut.json" in window.windowTitle()
        assert "c" in window.timeline.view.items_by_id
    finally:
        window.shutdown()


def test_project_with_missing_media_opens_and_says_which(qtbot, tmp_path, carphone):
    import shutil

    from editor.core.project import Clip, Project, Settings, Track, save
    from ui_support import wait_until

    media = tmp_path / "gone.mp4"
    shutil.copy(carphone, media)
    path = tmp_path / "p.stylecut.json"
    save(Project(Settings(176, 144), [Track("v", "video", [Clip("c", str(media), 0, 2, 0, name="gone")])]), path)
    media.unlink()
    window = build_window(str(path))
    qtbot.addWidget(window)
    window.life.show_dialogs = False
    window.show()
    window.start()
    try:
        assert "gone.mp4" in window.status.text() and "offline" in window.status.text()
        wait_until(lambda: window.viewer.shown is not None)
        assert "missing" in window.viewer.backend_label.text()
        wait_until(lambda: window.timeline.view.items_by_id["c"].offline)
    finally:
        window.shutdown()
