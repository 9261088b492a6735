from fractions import Fraction as F

from editor.core.project import Clip, Project, Settings, Track
from editor.core.timeline import Timeline, clip_on_track, clips_at, clips_between, frame_index_at, top_video_clip


def project():
    v1 = Track("v1", "video", [Clip("a", "/a", F(1), F(3), F(0)), Clip("b", "/b", F(0), F(1), F(2))])
    v2 = Track("v2", "video", [Clip("c", "/c", F(5), F(6), F(1, 2))], hidden=False)
    a1 = Track("a1", "audio", [Clip("d", "/d", F(0), F(10), F(0))], muted=True)
    return Project(Settings(fps=F(30000, 1001)), [v1, v2, a1])


def ids(hits):
    return [h.clip.id for h in hits]


def test_clip_on_track_uses_half_open_spans():
    track = project().tracks[0]
    assert clip_on_track(track, F(0)).id == "a"
    assert clip_on_track(track, F(2)).id == "b"  # a ends where b starts: b shows
    assert clip_on_track(track, F(3)) is None
    assert clip_on_track(track, F(-1)) is None


def test_clips_at_gives_each_track_bottom_first_with_source_times():
    hits = clips_at(project(), F(3, 4))
    assert ids(hits) == ["a", "c", "d"]
    a, c, _ = hits
    assert (a.local_time, a.source_time) == (F(3, 4), F(7, 4))
    assert (c.track_index, c.local_time, c.source_time) == (1, F(1, 4), F(21, 4))
    assert ids(clips_at(project(), F(3, 4), "audio")) == ["d"]
    assert ids(clips_at(project(), F(3, 4), audible_only=True)) == ["a", "c"]


def test_top_video_clip_prefers_the_upper_visible_track():
    p = project()
    assert top_video_clip(p, F(3, 4)).clip.id == "c"
    assert top_video_clip(p, F(7, 4)).clip.id == "a"  # c ended at 1.5
    p.tracks[1].hidden = True
    assert top_video_clip(p, F(3, 4)).clip.id == "a"
    assert ids(clips_at(p, F(3, 4), visible_only=True)) == ["a", "d"]
    assert top_video_clip(p, F(5)) is None  # only audio plays there


def test_clips_between_and_frame_indices():
    p = project()
    hits = clips_between(p, F(1), F(2), kind="video")
    assert ids(hits) == ["a", "c"]
    assert hits[0].local_time == 1 and hits[1].source_time == F(11, 2)
    assert frame_index_at(p, F(0)) == 0
    assert frame_index_at(p, F(1001, 30000)) == 1
    assert frame_index_at(p, F(1001, 30000) - F(1, 10**9)) == 0
    timeline = Timeline(p)
    assert timeline.frame_count == round(10 * F(30000, 1001))
    assert timeline.frame_time(3) == F(3003, 30000)
    assert ids(timeline.evaluate(F(3, 4), "video")) == ["a", "c"]
    p.tracks[0].clips.clear()  # the timeline follows the live project
    assert timeline.top_video(F(3, 4)).clip.id == "c"
