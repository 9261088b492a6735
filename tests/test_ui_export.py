"""The export dialog: a marked range exported in a worker, progress, cancel, errors."""

from __future__ import annotations

import os
from fractions import Fraction

import pytest

from editor.core.media.probe import probe
from editor.ui.export_dialog import time_left
from editor.ui.export_range import project_range
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


def test_project_range_cuts_clips_and_keeps_keyframes_on_their_pictures(window):
    from editor.core.project.model import Effect, Keyframe

    project = window.controller.snapshot()
    clip = project.tracks[1].clips[0]
    clip.effects.append(Effect("fx", "org.stylecut.color_adjust", {},
                               {"brightness": [Keyframe(Fraction(2), 0.5)]}))
    cut = project_range(project, Fraction(1), Fraction(3))
    part = cut.tracks[1].clips[0]
    assert (part.start, part.source_in, part.source_out) == (0, 1, 3)
    assert part.effects[0].keyframes["brightness"][0].time == 1
    assert cut.duration == 2
    assert project.tracks[1].clips[0].source_in == 0  # the original is untouched
    with pytest.raises(ValueError):
        project_range(project, Fraction(2), Fraction(2))


def test_time_left_text():
    assert time_left(0, 100, 1.0) == "estimating..."
    assert time_left(25, 100, 10.0) == "0:30 left"
    assert time_left(10, 1000, 6.0) == "9:54 left"
