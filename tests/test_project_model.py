from fractions import Fraction as F

from editor.core.project import Clip, Effect, Project, Settings, Track, new_id


def make_project():
    v1 = Track("v1", "video", [
        Clip("a", "/m/a.mp4", F(1), F(3), F(0)),
        Clip("b", "/m/b.mp4", F(0), F(1001, 1000), F(5)),
    ])
    v2 = Track("v2", "video", [Clip("c", "/m/c.mp4", F(0), F(2), F(1), effects=[Effect("e", "org.x.fx")])])
    a1 = Track("a1", "audio", [Clip("d", "/m/d.wav", F(0), F(10), F(0))])
    return Project(Settings(fps=F(30000, 1001)), [v1, v2, a1], "demo")


def test_clip_duration_and_end_are_exact():
    clip = make_project().tracks[0].clips[1]
    assert clip.duration == F(1001, 1000)
    assert clip.end == F(6001, 1000)


def test_clip_covers_is_half_open():
    clip = make_project().tracks[0].clips[0]
    assert clip.covers(F(0)) and clip.covers(F(1999, 1000))
    assert not clip.covers(F(2)) and not clip.covers(F(-1, 100))


def test_project_duration_is_latest_end_and_frame_count_rounds():
    project = make_project()
    assert project.duration == F(10)
    assert project.frame_count == round(F(10) * F(30000, 1001)) == 300
    assert project.frame_time(300) == F(1001, 100)
    assert Project().duration == 0 and Project().frame_count == 0


def test_lookups_find_tracks_clips_and_effects():
    project = make_project()
    track, clip = project.find_clip("c")
    assert track.id == "v2" and clip.media == "/m/c.mp4"
    assert clip.effect("e").plugin_id == "org.x.fx" and clip.effect("zz") is None
    assert project.find_clip("nope") is None
    assert project.track_index("a1") == 2 and project.track("zz") is None
    assert [c.id for _, c in project.clips()] == ["a", "b", "c", "d"]


def test_new_ids_are_unique_and_prefixed():
    ids = {new_id("clip") for _ in range(1000)}
    assert len(ids) == 1000 and all(i.startswith("clip-") for i in ids)
