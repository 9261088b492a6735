"""The timeline panel driving real core commands: place, move, trim, split, ripple, undo."""

from __future__ import annotations

from fractions import Fraction

import pytest
from PySide6.QtCore import QPoint, Qt

from ui_support import make_window, wait_until


@pytest.fixture
def window(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    yield w
    w.shutdown()


def _video_track(window):
    return next(t for t in window.controller.project.tracks if t.kind == "video")


def test_import_and_place_clips_end_to_end(window, bunny, carphone):
    window.media_bin.import_files([str(bunny), str(carphone)])
    wait_until(lambda: "1280x720" in (window.media_bin.item_text(str(bunny)) or ""))
    added = window.media_bin.add_to_timeline([str(bunny), str(carphone)])
    assert len(added) == 2
    clips = _video_track(window).clips
    assert [c.media for c in clips] == [str(bunny), str(carphone)]
    assert clips[1].start == clips[0].end  # laid end to end
    assert set(window.timeline.view.items_by_id) == set(added)
    window.controller.undo()
    assert len(_video_track(window).clips) == 1
    window.controller.undo()
    assert _video_track(window).clips == []


def test_first_video_in_an_empty_project_sets_its_size_and_rate(window, bunny, carphone):
    from editor.core.project.model import Settings

    c = window.controller
    assert c.project.settings == Settings()  # a new project: 1280x720 at 25 fps
    [first] = window.media_bin.add_to_timeline([str(carphone)])
    s = c.project.settings
    assert (s.width, s.height, s.fps) == (176, 144, Fraction(30000, 1001))
    assert c.stack.undo_label == "Add clip"  # one step with the clip
    # Later clips do not change the project.
    window.media_bin.add_to_timeline([str(bunny)])
    assert (c.project.settings.width, c.project.settings.fps) == (176, Fraction(30000, 1001))
    c.undo()
    c.undo()
    assert c.project.settings == Settings() and not list(c.project.clips())
    # The bunny has sound at 48 kHz and 25 fps at 1280x720: that is what it sets.
    window.media_bin.add_to_timeline([str(bunny)])
    s = c.project.settings
    assert (s.width, s.height, s.fps, s.sample_rate) == (1280, 720, 25, 48000)


def test_bad_file_shows_its_error_in_the_bin(window, tmp_path):
    bad = tmp_path / "notes.mp4"
    bad.write_text("this is not a video")
    window.media_bin.import_files([str(bad)])
    wait_until(lambda: "!" in window.media_bin.item_text(str(bad)))
    assert window.media_bin.add_to_timeline([str(bad)]) == []
    assert "notes.mp4" in window.status.text()
    assert all(not t.clips for t in window.controller.project.tracks)


def test_drop_media_at_a_time_and_drag_to_move_with_the_mouse(window, qtbot, carphone):
    view = window.timeline.view
    video = _video_track(window)
    [clip_id] = view.drop_media([str(carphone)], Fraction(2), video.id)
    clip = window.controller.project.find_clip(clip_id)[1]
    assert clip.start == 2
    view.set_zoom(100.0)
    window.controller.set_playhead(Fraction(0))
    item = view.items_by_id[clip_id]
    centre = view.mapFromScene(item.sceneBoundingRect().center())
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    for dx in (20, 60, 100):
        qtbot.mouseMove(view.viewport(), centre + QPoint(dx, 0))
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=centre + QPoint(100, 0))
    moved = window.controller.project.find_clip(clip_id)[1]
    assert moved.start == pytest.approx(3.0, abs=0.02)  # 100 px at 100 px/s
    assert window.controller.selection == [clip_id]
    assert window.controller.stack.undo_label == "Move clip"


def test_drag_snaps_to_the_playhead(window, carphone):
    view = window.timeline.view
    [clip_id] = view.drop_media([str(carphone)], Fraction(0), _video_track(window).id)
    view.set_zoom(100.0)
    window.controller.set_playhead(Fraction(3))
    playhead = window.controller.playhead  # on a frame of the clip's 29.97 fps, the project's now
    # A drag ending 5 px short of the playhead lands on it.
    assert view.apply_drag("move", [clip_id], playhead - Fraction(5, 100))
    assert window.controller.project.find_clip(clip_id)[1].start == playhead


def test_trim_split_ripple_and_shortcuts(window, qtbot, bunny, carphone):
    view = window.timeline.view
    c = window.controller
    first, second = window.media_bin.add_to_timeline([str(carphone), str(bunny)])
    clip1 = c.project.find_clip(first)[1]
    # Trim the first clip's end back by a second: the gap stays (no ripple on trim).
    assert view.apply_drag("trim-end", [first], Fraction(-1))
    assert c.project.find_clip(first)[1].duration == clip1.duration - 1
    # Split the second clip at its middle with S.
    second_clip = c.project.find_clip(second)[1]
    middle = second_clip.start + Fraction(2)
    c.set_playhead(middle)
    c.set_selection([second])
    window.activateWindow()
    window.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_S)
    track = _video_track(window)
    assert len(track.clips) == 3
    assert track.clips[2].start == c.playhead
    # Ripple delete the first clip: everything after it moves left by its duration.
    c.set_selection([first])
    starts_before = [cl.start for cl in track.clips[1:]]
    length = c.project.find_clip(first)[1].duration
    qtbot.keyClick(window, Qt.Key.Key_Delete, Qt.KeyboardModifier.ShiftModifier)
    track = _video_track(window)
    assert [cl.start for cl in track.clips] == [s - length for s in starts_before]
    # Ctrl+Z brings it back; Ctrl+Shift+Z removes it again.
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert c.project.find_clip(first) is not None
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert c.project.find_clip(first) is None


def test_refused_move_changes_nothing_and_says_why(window, bunny, carphone):
    view = window.timeline.view
    first, second = window.media_bin.add_to_timeline([str(carphone), str(bunny)])
    before = window.controller.snapshot()
    # Moving the first clip half-way into the second would overlap it.
    assert not view.apply_drag("move", [first], Fraction(2))
    assert window.controller.project == before
    assert "overlap" in window.status.text()
    # The drawn rectangle went back to the clip's place.
    item = view.items_by_id[first]
    assert item.pos().x() == pytest.approx(0.0)


def test_multi_select_moves_together_as_one_step(window, qtbot, carphone):
    view = window.timeline.view
    c = window.controller
    ids = window.media_bin.add_to_timeline([str(carphone), str(carphone)])
    view.set_zoom(100.0)
    first_item = view.items_by_id[ids[0]]
    second_item = view.items_by_id[ids[1]]
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.mapFromScene(first_item.sceneBoundingRect().center()))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
                     pos=view.mapFromScene(second_item.sceneBoundingRect().center()))
    assert c.selection == ids
    starts = [c.project.find_clip(i)[1].start for i in ids]
    assert view.apply_drag("move", ids, Fraction(1))
    assert [c.project.find_clip(i)[1].start for i in ids] == [s + 1 for s in starts]
    c.undo()
    assert [c.project.find_clip(i)[1].start for i in ids] == starts


def test_zoom_changes_the_drawn_width_not_the_project(window, carphone):
    view = window.timeline.view
    [clip_id] = window.media_bin.add_to_timeline([str(carphone)])
    view.set_zoom(50.0)
    narrow = view.items_by_id[clip_id].rect().width()
    view.zoom_by(2.0)
    wide = view.items_by_id[clip_id].rect().width()
    assert wide == pytest.approx(2 * narrow, rel=0.01)
    assert window.controller.stack.labels == ["Add clip"]


def test_thumbnails_and_waveform_are_computed(window, bunny):
    [clip_id] = window.media_bin.add_to_timeline([str(bunny)])
    window.timeline.view.viewport().repaint()
    wait_until(lambda: window.jobs.waveform(str(bunny)) is not None and window.jobs.thumbnail(str(bunny), 0) is not None)
    peaks = window.jobs.waveform(str(bunny))
    assert len(peaks) == pytest.approx(50 * 5.28, abs=3)  # 50 bins a second of a 5.28 s clip
    assert peaks.max() > 0.05
    thumb = window.jobs.thumbnail(str(bunny), 0)
    assert thumb.height() <= 60 and thumb.width() > thumb.height()


def test_shift_drag_band_selects_the_clips_it_touches(window, qtbot, carphone):
    view = window.timeline.view
    ids = window.media_bin.add_to_timeline([str(carphone), str(carphone), str(carphone)])
    view.set_zoom(60.0)
    row = next(r for r in view.rows if r[1] == "video")
    y = int(row[2] + row[3] / 2)
    first = view.items_by_id[ids[0]].sceneBoundingRect()
    second = view.items_by_id[ids[1]].sceneBoundingRect()
    # From empty space below the clips, up across the first two clips only.
    start = view.mapFromScene(first.left() + 10, row[2] + row[3] + 30)
    end = view.mapFromScene(second.left() + 10, y)
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, pos=start)
    qtbot.mouseMove(view.viewport(), end)
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, pos=end)
    assert window.controller.selection == ids[:2]
    assert window.controller.stack.labels == ["Add clip"] * 3  # selecting is not an edit


def test_track_headers_toggle_hide_and_remove_tracks(window, qtbot, carphone):
    headers = window.timeline.headers
    c = window.controller
    [clip_id] = window.media_bin.add_to_timeline([str(carphone)])
    video = _video_track(window)
    track_id, kind, top, h = next(r for r in window.timeline.view.rows if r[0] == video.id)
    box = headers._toggle_rect(top + headers._offset(), h)
    qtbot.mouseClick(headers, Qt.MouseButton.LeftButton, pos=box.center())
    assert c.project.track(video.id).hidden
    assert headers.track_at(top + headers._offset() + 5) == video.id
    assert headers.remove_track(video.id)
    assert c.project.track(video.id) is None and c.project.find_clip(clip_id) is None
    c.undo()
    assert c.project.find_clip(clip_id) is not None and c.project.track(video.id).hidden
