"""Project life: save, open, recent projects, unsaved-changes prompt, autosave and recovery."""

from __future__ import annotations

import os
from fractions import Fraction

import pytest

from editor.core import commands as cmd
from editor.core.project import document
from ui_support import make_window


@pytest.fixture
def window(qtbot, tmp_path, carphone):
    w = make_window(qtbot, tmp_path)
    w.media_bin.add_to_timeline([str(carphone)])
    yield w
    w.shutdown()


def _clip(window):
    return next(c for _, c in window.controller.project.clips())


def test_save_open_and_recent(window, tmp_path):
    life, c = window.life, window.controller
    target = tmp_path / "edit.stylecut.json"
    assert life.save_as(str(target))
    assert c.is_clean and c.path == str(target)
    assert "edit.stylecut.json" in window.windowTitle() and "*" not in window.windowTitle()
    assert document.load(target) == c.project
    c.execute(cmd.MoveClip(_clip(window).id, Fraction(1), snap=False))
    assert "*" in window.windowTitle()
    # Open the saved file again, discarding the move.
    life.ask_unsaved = lambda: "discard"
    assert life.open(str(target))
    assert _clip(window).start == 0 and c.is_clean
    assert life.recent()[0] == str(target)
    assert window.menuBar().actions()[0].menu().actions()[2].menu().actions()[0].toolTip() == str(target)


def test_unsaved_prompt_cancel_keeps_the_work_and_save_saves_it(window, tmp_path):
    life, c = window.life, window.controller
    life.ask_unsaved = lambda: "cancel"
    assert not life.new()
    assert _clip(window) is not None and not c.is_clean
    target = tmp_path / "answer.stylecut.json"
    life.save_as(str(target))
    c.execute(cmd.MoveClip(_clip(window).id, Fraction(2), snap=False))
    life.ask_unsaved = lambda: "save"
    assert life.new()
    assert list(c.project.clips()) == []
    assert document.load(target).tracks[1].clips[0].start == 2


def test_open_a_broken_project_names_the_file_and_keeps_the_current_one(window, tmp_path):
    bad = tmp_path / "broken.stylecut.json"
    bad.write_text('{"format": "stylecut-project", "schema_version": 1, "tracks": [{"kind": 3}]}')
    window.life.ask_unsaved = lambda: "discard"
    before = window.controller.snapshot()
    assert not window.life.open(str(bad))
    assert "broken.stylecut.json" in window.status.text()
    assert window.controller.project == before


def test_autosave_only_when_dirty_and_recovery_after_a_crash(qtbot, tmp_path, window):
    life, c = window.life, window.controller
    target = tmp_path / "work.stylecut.json"
    life.save_as(str(target))
    assert life.autosave() is None  # nothing unsaved, nothing written
    c.execute(cmd.MoveClip(_clip(window).id, Fraction(3), snap=False))
    side = life.autosave()
    assert side == str(target) + ".autosave" and os.path.isfile(side)
    edited = c.snapshot()
    # A crash: the app dies without its clean exit; the side file and its entry stay.
    life.timer.stop()
    window.server.close()
    window.jobs.close()
    # The next start finds it and recovers the edit under the original name, unsaved.
    second = make_window(qtbot, tmp_path)
    try:
        assert second.life.recoverable() == [(side, str(target))]
        assert second.life.recover(side, str(target))
        assert second.controller.project == edited
        assert second.controller.path == str(target)
        assert not second.controller.is_clean
        assert document.load(target).tracks[1].clips[0].start == 0  # the saved file is untouched
        second.controller.stack.execute(cmd.MoveClip(_clip(second).id, Fraction(4), snap=False))
        assert second.life.save()
        # A clean exit removes the side file and leaves nothing to recover.
        second.shutdown()
        assert not os.path.exists(side)
        third = make_window(qtbot, tmp_path)
        assert third.life.recoverable() == []
        third.shutdown()
    finally:
        second.shutdown()
    window._shut = True


def test_autosave_of_a_never_saved_project_goes_to_the_data_folder(window, tmp_path):
    side = window.life.autosave()
    assert side is not None and side.startswith(str(tmp_path / "autosave"))
    assert document.load(side) == window.controller.project
    window.shutdown()
    assert not os.path.exists(side)


def test_autosave_runs_on_its_timer(window, qtbot):
    window.life.timer.setInterval(50)
    with qtbot.waitSignal(window.life.autosaved, timeout=5000) as blocker:
        pass
    assert os.path.isfile(blocker.args[0])


def test_history_panel_goes_back_and_forward(window):
    c = window.controller
    clip_id = _clip(window).id
    for t in (1, 2, 3):
        c.execute(cmd.MoveClip(clip_id, Fraction(t), snap=False))
    history = window.history
    assert [history.list.item(i).text() for i in range(history.list.count())] == \
        ["Opened project", "Add clip", "Move clip", "Move clip", "Move clip"]
    history.list.itemClicked.emit(history.list.item(2))
    assert _clip(window).start == 1
    assert history.list.currentRow() == 2
    history.list.itemClicked.emit(history.list.item(4))
    assert _clip(window).start == 3
