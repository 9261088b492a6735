from fractions import Fraction as F

import pytest

from editor.core.commands import (
    AddClip, AddEffect, AddTrack, EditError, MoveClip, MoveEffect, RemoveClip, RemoveEffect,
    RemoveKeyframe, RemoveTrack, RippleDelete, SetEffectEnabled, SetKeyframe, SetParam,
    SetTrackFlags, SplitClip, TrimClip, UndoStack, snap_time,
)
from editor.core.project import Clip, Effect, Keyframe, Project, Settings, Track, dumps


def project():
    fx = Effect("fx", "org.test.fx", {"gain": 0.5}, {"gain": [Keyframe(F(0), 0.0), Keyframe(F(1), 1.0)]})
    v1 = Track("v1", "video", [
        Clip("a", "/m/a.mp4", F(0), F(2), F(0), [fx], media_duration=F(10)),
        Clip("b", "/m/b.mp4", F(1), F(4), F(3), media_duration=F(4)),
        Clip("c", "/m/c.mp4", F(0), F(1), F(8)),
    ])
    v2 = Track("v2", "video", [Clip("d", "/m/d.mp4", F(0), F(1), F(2, 5))])
    return Project(Settings(fps=F(25)), [v1, v2, Track("a1", "audio")], "t")


def starts(p, track=0):
    return [(c.id, c.start) for c in p.tracks[track].clips]


# Every command, applicable to the fixture project.
ALL_COMMANDS = [
    lambda: AddClip("v1", Clip("n", "/m/n.mp4", F(0), F(1), F(6))),
    lambda: RemoveClip("b"),
    lambda: MoveClip("c", F(12)),
    lambda: MoveClip("d", F(20), track_id="a1"),
    lambda: TrimClip("b", "start", F(7, 2)),
    lambda: TrimClip("a", "end", F(5, 2)),
    lambda: SplitClip("a", F(1, 2)),
    lambda: RippleDelete("b"),
    lambda: AddTrack("video", 1),
    lambda: RemoveTrack("v2"),
    lambda: SetTrackFlags("v2", hidden=True, muted=True),
    lambda: AddEffect("b", Effect("", "org.test.other", {"x": 1})),
    lambda: RemoveEffect("a", "fx"),
    lambda: MoveEffect("a", "fx2", 0),
    lambda: SetEffectEnabled("a", "fx", False),
    lambda: SetParam("a", "fx", "gain", 0.75),
    lambda: SetKeyframe("a", "fx", "gain", F(1, 2), 0.3, "hold"),
    lambda: RemoveKeyframe("a", "fx", "gain", F(1)),
]


@pytest.mark.parametrize("make", ALL_COMMANDS, ids=lambda m: type(m()).__name__)
def test_undo_then_redo_returns_identical_documents(make):
    p = project()
    stack = UndoStack(p)
    stack.execute(AddEffect("a", Effect("fx2", "org.test.other")))
    before = dumps(p)
    stack.execute(make())
    after = dumps(p)
    assert after != before, "the command changed nothing"
    stack.undo()
    assert dumps(p) == before
    stack.redo()
    assert dumps(p) == after
    stack.undo()
    stack.undo()
    assert dumps(p) == dumps(project())


FAILING_COMMANDS = [
    (lambda: AddClip("v1", Clip("n", "/m/n.mp4", F(0), F(2), F(1))), "overlap"),
    (lambda: AddClip("v1", Clip("a", "/m/n.mp4", F(0), F(1), F(20))), "already in the project"),
    (lambda: AddClip("v1", Clip("n", "/m/n.mp4", F(0), F(5), F(20), media_duration=F(4))), "after the media's end"),
    (lambda: AddClip("zz", Clip("n", "/m/n.mp4", F(0), F(1), F(20))), "no such track"),
    (lambda: RemoveClip("zz"), "no such clip"),
    (lambda: MoveClip("c", F(4), snap=False), "overlap"),
    (lambda: MoveClip("d", F(1, 2), track_id="v1", snap=False), "overlap"),
    (lambda: TrimClip("a", "end", F(4)), "overlap"),
    (lambda: TrimClip("a", "middle", F(1)), "unknown edge"),
    (lambda: SplitClip("a", F(2)), "outside the clip"),
    (lambda: SplitClip("a", F(1), new_clip_id="b"), "already in the project"),
    (lambda: AddTrack("subtitle"), "unknown track kind"),
    (lambda: AddTrack("video", 9), "outside"),
    (lambda: AddEffect("a", Effect("fx", "org.test.fx")), "already has an effect"),
    (lambda: RemoveEffect("a", "nope"), "has no effect"),
    (lambda: MoveEffect("a", "fx", 5), "outside"),
    (lambda: SetKeyframe("a", "fx", "gain", F(0), 1.0, "cubic"), "unknown interpolation"),
    (lambda: RemoveKeyframe("a", "fx", "gain", F(1, 3)), "no keyframe"),
]


@pytest.mark.parametrize("make,message", FAILING_COMMANDS, ids=[m for _, m in FAILING_COMMANDS])
def test_a_refused_command_leaves_the_document_unchanged(make, message):
    p = project()
    changes = []
    stack = UndoStack(p, on_change=changes.append)
    before = dumps(p)
    with pytest.raises(EditError, match=message):
        stack.execute(make())
    assert dumps(p) == before
    assert not stack.can_undo and changes == []


def test_a_group_that_fails_half_way_is_rolled_back_entirely():
    p = project()
    stack = UndoStack(p)
    before = dumps(p)
    with pytest.raises(EditError):
        with stack.group("Two moves"):
            stack.execute(MoveClip("c", F(20), snap=False))
            assert p.tracks[0].clips[-1].start == 20
            stack.execute(MoveClip("b", F(1), snap=False))  # overlaps a
    assert dumps(p) == before and not stack.can_undo


def test_a_group_is_one_undo_step():
    p = project()
    stack = UndoStack(p)
    before = dumps(p)
    with stack.group("Split and move"):
        stack.execute(SplitClip("a", F(1), new_clip_id="a2"))
        stack.execute(MoveClip("a2", F(30), snap=False))
    assert stack.labels == ["Split and move"]
    stack.undo()
    assert dumps(p) == before


def test_unexpected_exceptions_also_roll_back():
    p = project()
    stack = UndoStack(p)
    before = dumps(p)

    class Boom(RemoveClip):
        def do(self, tx):
            super().do(tx)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        stack.execute(Boom("b"))
    assert dumps(p) == before


def test_move_snaps_to_clip_edges_and_playhead():
    p = project()
    stack = UndoStack(p)
    # c's start lands near b's end (6): snapped exactly onto it.
    stack.execute(MoveClip("c", F(6) + F(1, 20)))
    assert p.find_clip("c")[1].start == 6
    # c's end (length 1) near the playhead at 12.5.
    stack.execute(MoveClip("c", F(23, 2) - F(1, 25), playhead=F(25, 2)))
    assert p.find_clip("c")[1].end == F(25, 2)
    # Beyond tolerance: no snap.
    stack.execute(MoveClip("c", F(15) + F(1, 5), playhead=F(15)))
    assert p.find_clip("c")[1].start == F(76, 5)
    # Snapping off.
    stack.execute(MoveClip("c", F(7) + F(1, 20), snap=False))
    assert p.find_clip("c")[1].start == F(141, 20)


def test_snap_time_prefers_the_nearest_edge():
    p = project()
    assert snap_time(p, F(29, 10), F(1), exclude="c") == F(3)  # the start edge lands on b.start
    assert snap_time(p, F(1, 20), tolerance=F(1, 10)) == 0
    assert snap_time(p, F(5), tolerance=F(1, 10)) == 5


def test_move_to_negative_time_clamps_to_zero():
    p = project()
    UndoStack(p).execute(MoveClip("d", F(-3)))
    assert p.find_clip("d")[1].start == 0


def test_move_to_another_track_keeps_both_tracks_sorted():
    p = project()
    UndoStack(p).execute(MoveClip("d", F(2), track_id="v1", snap=False))
    assert starts(p) == [("a", 0), ("d", 2), ("b", 3), ("c", 8)]
    assert p.tracks[1].clips == []


def test_trim_is_bounded_by_the_media_and_keeps_one_frame():
    p = project()
    stack = UndoStack(p)
    stack.execute(TrimClip("b", "start", F(0), snap=False))  # source_in 1 -> clamp at 0
    b = p.find_clip("b")[1]
    assert (b.start, b.source_in, b.source_out) == (2, 0, 4)
    stack.execute(TrimClip("b", "end", F(100), snap=False))  # media is 4 s long
    assert p.find_clip("b")[1].source_out == 4
    stack.execute(TrimClip("c", "end", F(1), snap=False))  # before its start: one frame left
    c = p.find_clip("c")[1]
    assert c.duration == F(1, 25)
    stack.execute(TrimClip("d", "start", F(-5), snap=False))  # source_in already 0
    assert p.find_clip("d")[1].start == F(2, 5)


def test_left_trim_keeps_keyframes_on_the_same_picture():
    p = project()
    UndoStack(p).execute(TrimClip("a", "start", F(1, 2), snap=False))
    a = p.find_clip("a")[1]
    assert [k.time for k in a.effects[0].keyframes["gain"]] == [F(-1, 2), F(1, 2)]


def test_split_makes_two_adjacent_clips_over_the_same_media():
    p = project()
    UndoStack(p).execute(SplitClip("a", F(3, 4), new_clip_id="a2"))
    a, a2 = p.find_clip("a")[1], p.find_clip("a2")[1]
    assert (a.source_in, a.source_out, a.end) == (0, F(3, 4), F(3, 4))
    assert (a2.start, a2.source_in, a2.source_out) == (F(3, 4), F(3, 4), 2)
    assert [k.time for k in a2.effects[0].keyframes["gain"]] == [F(-3, 4), F(1, 4)]
    assert a.effects[0].keyframes["gain"][1].time == 1


def test_ripple_delete_closes_the_gap_on_its_track_only():
    p = project()
    UndoStack(p).execute(RippleDelete("b"))
    assert starts(p) == [("a", 0), ("c", 5)]
    assert starts(p, 1) == [("d", F(2, 5))]


def test_effect_stack_order_and_keyframes():
    p = project()
    stack = UndoStack(p)
    stack.execute(AddEffect("a", Effect("g", "org.test.g"), index=0))
    stack.execute(AddEffect("a", Effect("h", "org.test.h")))
    assert [e.id for e in p.find_clip("a")[1].effects] == ["g", "fx", "h"]
    stack.execute(MoveEffect("a", "h", 0))
    assert [e.id for e in p.find_clip("a")[1].effects] == ["h", "g", "fx"]
    stack.execute(SetKeyframe("a", "fx", "gain", F(1, 2), 0.2))
    stack.execute(SetKeyframe("a", "fx", "gain", F(1), 0.9, "hold"))  # replaces
    kfs = p.find_clip("a")[1].effect("fx").keyframes["gain"]
    assert [(k.time, k.value, k.interpolation) for k in kfs] == [(0, 0.0, "linear"), (F(1, 2), 0.2, "linear"), (1, 0.9, "hold")]
    for t in (0, F(1, 2), 1):
        stack.execute(RemoveKeyframe("a", "fx", "gain", t))
    assert "gain" not in p.find_clip("a")[1].effect("fx").keyframes


def test_labels_clean_flag_and_notifications():
    p = project()
    seen = []
    stack = UndoStack(p, on_change=lambda s: seen.append((s.undo_label, s.is_clean)))
    assert stack.is_clean and not stack.can_undo and not stack.can_redo
    stack.execute(MoveClip("c", F(20)))
    stack.execute(RemoveClip("d"))
    assert stack.labels == ["Move clip", "Remove clip"] and stack.is_dirty
    stack.mark_clean()
    stack.undo()
    assert stack.is_dirty and stack.redo_label == "Remove clip" and stack.redo_labels == ["Remove clip"]
    stack.redo()
    assert stack.is_clean
    stack.undo()
    stack.execute(SetTrackFlags("v1", muted=True))  # the saved state is now unreachable
    assert not stack.can_redo and stack.is_dirty
    stack.undo()
    stack.undo()
    assert stack.is_dirty  # back at the start, which was never saved after mark_clean
    assert seen[0] == ("Move clip", False) and len(seen) == 9
    with pytest.raises(EditError, match="nothing to undo"):
        stack.undo()


def test_history_limit_drops_oldest_steps():
    p = project()
    stack = UndoStack(p, limit=2)
    for t in (20, 30, 40):
        stack.execute(MoveClip("c", F(t)))
    assert stack.labels == ["Move clip", "Move clip"]
    stack.undo()
    stack.undo()
    assert p.find_clip("c")[1].start == 20 and not stack.can_undo


def test_model_never_shares_objects_with_history():
    p = project()
    stack = UndoStack(p)
    clip = Clip("n", "/m/n.mp4", F(0), F(1), F(20))
    stack.execute(AddClip("v1", clip))
    clip.start = F(0)  # the caller's object is not the project's
    assert p.find_clip("n")[1].start == 20
    p.find_clip("n")[1].name = "renamed outside the stack"
    stack.undo()
    stack.redo()
    assert p.find_clip("n")[1].name == ""


def test_mark_dirty_makes_no_state_clean_until_saved():
    p = project()
    stack = UndoStack(p)
    stack.mark_dirty()
    assert stack.is_dirty
    stack.execute(MoveClip("c", F(20)))
    stack.undo()
    assert stack.is_dirty
    stack.mark_clean()
    assert stack.is_clean


def test_effect_edits_are_validated_by_the_plugin_when_a_registry_is_given():
    from editor.core.plugins import discover
    from editor.errors import PluginError

    registry = discover(entry_points=False)
    adjust = "org.stylecut.color_adjust"
    p = project()
    stack = UndoStack(p)
    stack.execute(AddEffect("b", Effect("ca", adjust, {"brightness": 5}), registry=registry))
    assert p.find_clip("b")[1].effect("ca").params == {"brightness": 1.0}  # clamped
    stack.execute(SetParam("b", "ca", "tint", "#ff0000", registry=registry))
    assert p.find_clip("b")[1].effect("ca").params["tint"] == (1.0, 0.0, 0.0)
    before = dumps(p)
    for bad, problem in [
        (AddEffect("b", Effect("x", "org.nowhere.fx"), registry=registry), "is installed"),
        (AddEffect("b", Effect("y", adjust, {"nope": 1}), registry=registry), "no parameter"),
        (AddEffect("b", Effect("z", adjust, {}, {"invert": [Keyframe(F(0), True)]}), registry=registry), "cannot be animated"),
        (SetParam("b", "ca", "output_range", "cinema", registry=registry), "not one of"),
        (SetParam("b", "ca", "nope", 1, registry=registry), "no parameter"),
        (SetKeyframe("b", "ca", "invert", F(0), True, registry=registry), "cannot be animated"),
        (SetKeyframe("b", "ca", "contrast", F(0), "high", registry=registry), "expected a number"),
    ]:
        with pytest.raises((EditError, PluginError), match=problem):
            stack.execute(bad)
        assert dumps(p) == before


def test_set_project_settings_changes_only_what_is_given_and_undoes():
    from editor.core.commands import SetProjectSettings

    project = Project(Settings(1280, 720, F(25)), [])
    stack = UndoStack(project)
    assert stack.execute(SetProjectSettings(width=640, height=360, fps=F(30000, 1001)))
    assert project.settings == Settings(640, 360, F(30000, 1001), 48000, 2)
    assert stack.undo_label == "Project settings"
    stack.undo()
    assert project.settings == Settings(1280, 720, F(25), 48000, 2)
    stack.redo()
    assert project.settings.fps == F(30000, 1001) and project.settings.width == 640
    # The same values again: nothing to undo.
    depth = len(stack.labels)
    stack.execute(SetProjectSettings(width=640))
    assert len(stack.labels) == depth


@pytest.mark.parametrize("change, word", [({"width": 1}, "width"), ({"channels": 9}, "channels"),
                                          ({"fps": F(0)}, "frame rate"), ({"sample_rate": 100}, "sample_rate")])
def test_set_project_settings_refuses_values_a_project_cannot_hold(change, word):
    from editor.core.commands import SetProjectSettings

    project = Project(Settings(), [])
    stack = UndoStack(project)
    with pytest.raises(EditError) as info:
        stack.execute(SetProjectSettings(**change))
    assert word in str(info.value)
    assert project.settings == Settings()
