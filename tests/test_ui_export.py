"""The export dialog: a marked range exported in a worker, progress, cancel, errors."""

from __future__ import annotations

import os
from fractions import Fraction

import pytest

from editor.core.media.probe import probe
from editor.ui.export_dialog import time_left
from ui_support import make_window, wait_until


@pytest.fixture
def window(qtbot, tmp_path, bunny):
    w = make_window(qtbot, tmp_path)
    w.media_bin.add_to_timeline([str(bunny)])
    yield w
    w.shutdown()


def test_export_the_marked_range_while_the_app_stays_usable(window, tmp_path):
    c = window.controller
    c.marks = {"in": Fraction(1), "out": Fraction(2)}
    dialog = window.open_export()
    assert dialog.marked.isChecked()
    out = tmp_path / "range.mp4"
    dialog.path.setText(str(out))
    progress = []
    dialog.start()
    dialog.job.progress.connect(lambda done, total: progress.append((done, total)))
    # The UI thread is free during the export: edits go through meanwhile.
    clip = next(cl for _, cl in c.project.clips())
    from editor.core import commands as cmd

    assert c.execute(cmd.MoveClip(clip.id, Fraction(5), snap=False))
    wait_until(lambda: dialog.result is not None or "failed" in dialog.status.text(), timeout=120)
    assert dialog.result is not None, dialog.status.text()
    info = probe(out)
    assert info.video.frame_count == 25          # one second at 25 fps
    assert info.video.duration == 1
    assert info.audio is not None
    assert progress and progress[-1][0] == progress[-1][1] == 25
    assert dialog.bar.value() == 100 and "wrote" in dialog.status.text()


def test_cancel_leaves_no_file(window, tmp_path):
    dialog = window.open_export()
    out = tmp_path / "cancelled.mp4"
    dialog.path.setText(str(out))
    dialog.start()
    dialog.job.progress.connect(lambda done, total: dialog.cancel_or_close() if done == 2 else None)
    wait_until(lambda: not dialog.job.running, timeout=120)
    wait_until(lambda: "cancelled" in dialog.status.text())
    assert not out.exists()
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".cancelled")]
    assert dialog.start_button.isEnabled()


def test_export_to_a_folder_that_does_not_exist_says_so(window, tmp_path):
    dialog = window.open_export()
    dialog.path.setText(str(tmp_path / "missing" / "x.mp4"))
    dialog.start()
    wait_until(lambda: not dialog.job.running, timeout=60)
    wait_until(lambda: dialog.start_button.isEnabled())
    assert "missing" in dialog.status.text()


def test_marked_range_frames_are_the_timelines_frames_there(window, tmp_path):
    """The file's first frame is the timeline's frame at the in mark (the core's range)."""
    import av
    import numpy as np

    from editor.core.render import Renderer

    c = window.controller
    c.marks = {"in": Fraction(2), "out": Fraction(12, 5)}
    dialog = window.open_export()
    assert dialog.export_range() == (Fraction(2), Fraction(12, 5))
    out = tmp_path / "part.mp4"
    dialog.path.setText(str(out))
    dialog.start()
    wait_until(lambda: dialog.start_button.isEnabled(), timeout=120)  # finished or failed
    assert dialog.result is not None, dialog.status.text()
    assert probe(out).video.frame_count == 10
    with av.open(str(out)) as container:
        first = next(container.decode(video=0)).to_ndarray(format="rgb24")
    with Renderer(c.snapshot(), registry=window.registry) as renderer:
        at_in = renderer.render(Fraction(2)).frame
        at_start = renderer.render(Fraction(0)).frame
    # Lossy encoding: near the in mark's frame, far from the timeline's first frame.
    err_in = np.abs(first.astype(int) - at_in).mean()
    assert err_in < 6 and err_in < np.abs(first.astype(int) - at_start).mean() / 2


def test_an_empty_range_is_refused_with_the_reason(window, tmp_path):
    c = window.controller
    c.marks = {"in": Fraction(3), "out": Fraction(3)}
    dialog = window.open_export()
    dialog.path.setText(str(tmp_path / "none.mp4"))
    dialog.start()
    wait_until(lambda: not dialog.job.running, timeout=60)
    wait_until(lambda: dialog.start_button.isEnabled())
    assert "no frame" in dialog.status.text() and not (tmp_path / "none.mp4").exists()


def test_time_left_text():
    assert time_left(0, 100, 1.0) == "estimating..."
    assert time_left(25, 100, 10.0) == "0:30 left"
    assert time_left(10, 1000, 6.0) == "9:54 left"
