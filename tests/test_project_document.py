import json
import os
from fractions import Fraction as F
from pathlib import Path

import pytest

from editor.core.project import (
    SCHEMA_VERSION, Clip, Effect, Keyframe, Project, Settings, Track,
    dumps, load, loads, offline_clips, save,
)
from editor.errors import ProjectError


def sample(media_dir: Path) -> Project:
    fx = Effect("fx1", "org.stylecut.color_adjust", {"brightness": 0.25, "tint": (1.0, 0.5, 0.0), "invert": True},
                {"brightness": [Keyframe(F(0), 0.0), Keyframe(F(1, 3), 0.5, "hold")]})
    clips = [
        Clip("c1", str(media_dir / "bigbuckbunny.mp4"), F(1, 25), F(3), F(0), [fx], "Bunny", media_duration=F(132, 25)),
        Clip("c2", str(media_dir / "carphone_pristine.mp4"), F(0), F(1001, 1000), F(3)),
    ]
    return Project(Settings(640, 360, F(30000, 1001), 44100, 1), [Track("v1", "video", clips), Track("a1", "audio", muted=True)], "Demo")


def test_round_trip_preserves_everything(tmp_path, media_dir):
    project = sample(media_dir)
    path = tmp_path / "p.stylecut.json"
    save(project, path)
    loaded = load(path)
    assert loaded == project
    assert dumps(loaded) == dumps(project)
    data = json.loads(path.read_text())
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["settings"]["fps"] == "30000/1001"
    assert data["tracks"][0]["clips"][0]["source_in"] == "1/25"


def test_media_is_stored_relative_to_the_project(tmp_path):
    media = tmp_path / "footage" / "a.mp4"
    media.parent.mkdir()
    media.write_bytes(b"x")
    project = Project(tracks=[Track("v", "video", [Clip("c", str(media), F(0), F(1), F(0))])])
    proj_dir = tmp_path / "projects"
    proj_dir.mkdir()
    save(project, proj_dir / "p.json")
    stored = json.loads((proj_dir / "p.json").read_text())["tracks"][0]["clips"][0]["media"]
    assert stored == "../footage/a.mp4"
    # Moving project and media together keeps the link.
    moved = tmp_path / "moved"
    (moved / "projects").mkdir(parents=True)
    (moved / "footage").mkdir()
    (moved / "footage" / "a.mp4").write_bytes(b"x")
    (moved / "projects" / "p.json").write_text((proj_dir / "p.json").read_text())
    loaded = load(moved / "projects" / "p.json")
    assert loaded.tracks[0].clips[0].media == str(moved / "footage" / "a.mp4")
    assert offline_clips(loaded) == []


def test_missing_media_is_listed_per_clip_not_fatal(tmp_path, media_dir):
    project = sample(media_dir)
    project.tracks[0].clips.append(Clip("gone", str(tmp_path / "gone.mp4"), F(0), F(1), F(10)))
    save(project, tmp_path / "p.json")
    loaded = load(tmp_path / "p.json")
    offline = offline_clips(loaded)
    assert [(o.clip_id, o.reason) for o in offline] == [("gone", "media file is missing")]
    assert "gone.mp4" in str(offline[0])


def test_corrupt_json_names_file_and_position(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"schema_version": 1,\n "tracks": [}')
    with pytest.raises(ProjectError) as info:
        load(path)
    assert info.value.path == str(path)
    assert "not valid JSON" in info.value.problem and "line 2" in info.value.problem


@pytest.mark.parametrize("content,expected", [
    (b"", "empty"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    (b"[1, 2]", "expected an object"),
    (b'{"tracks": []}', "schema_version: missing"),
])
def test_non_projects_are_refused_clearly(tmp_path, content, expected):
    path = tmp_path / "x.json"
    path.write_bytes(content)
    with pytest.raises(ProjectError) as info:
        load(path)
    assert expected in str(info.value) and str(path) in str(info.value)


def test_a_byte_order_mark_is_accepted(tmp_path, media_dir):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + dumps(sample(media_dir)).encode())
    assert load(path) == sample(media_dir)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ProjectError, match="no such project file"):
        load(tmp_path / "none.json")
    with pytest.raises(ProjectError, match="is a folder"):
        load(tmp_path)


def test_future_schema_version_is_refused(tmp_path, media_dir):
    data = json.loads(dumps(sample(media_dir)))
    data["schema_version"] = SCHEMA_VERSION + 1
    path = tmp_path / "future.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ProjectError) as info:
        load(path)
    assert "newer StyleCut" in info.value.problem and info.value.path == str(path)


def _broken(media_dir, mutate):
    data = json.loads(dumps(sample(media_dir)))
    mutate(data)
    return json.dumps(data)


@pytest.mark.parametrize("mutate,where,what", [
    (lambda d: d["tracks"][0]["clips"][1].__setitem__("source_in", "abc"), "tracks[0].clips[1].source_in", "expected a time"),
    (lambda d: d["tracks"][0]["clips"][0].__setitem__("source_out", "1/50"), "tracks[0].clips[0].source_out", "not after source_in"),
    (lambda d: d["tracks"][0]["clips"][0].__setitem__("start", "-1"), "tracks[0].clips[0].start", "below 0"),
    (lambda d: d["tracks"][0]["clips"][0].pop("media"), "tracks[0].clips[0].media", "missing"),
    (lambda d: d["tracks"][1].__setitem__("kind", "subtitle"), "tracks[1].kind", "expected one of"),
    (lambda d: d["settings"].__setitem__("width", 0), "settings.width", "outside"),
    (lambda d: d["settings"].__setitem__("fps", "0/1"), "settings.fps", "above zero"),
    (lambda d: d["tracks"][0]["clips"][1].__setitem__("start", "2"), "tracks[0].clips[1].start", "overlaps"),
    (lambda d: d["tracks"][1].__setitem__("id", "v1"), "tracks[1].id", "already used"),
    (lambda d: d["tracks"][0]["clips"][0]["effects"][0]["keyframes"]["brightness"][1].__setitem__("interpolation", "cubic"),
     "tracks[0].clips[0].effects[0].keyframes.brightness[1].interpolation", "expected one of"),
    (lambda d: d["tracks"][0]["clips"][0]["effects"][0]["keyframes"]["brightness"][1].__setitem__("time", "0"),
     "tracks[0].clips[0].effects[0].keyframes.brightness[1].time", "increasing"),
    (lambda d: d["tracks"][0]["clips"][0]["effects"][0]["params"].__setitem__("x", {"a": 1}),
     "tracks[0].clips[0].effects[0].params.x", "expected a number"),
])
def test_invalid_values_are_named_by_json_path(tmp_path, media_dir, mutate, where, what):
    path = tmp_path / "p.json"
    path.write_text(_broken(media_dir, mutate))
    with pytest.raises(ProjectError) as info:
        load(path)
    assert info.value.path == str(path)
    assert info.value.problem.startswith(where + ":"), info.value.problem
    assert what in info.value.problem


def test_failed_save_leaves_existing_file_untouched(tmp_path, media_dir):
    path = tmp_path / "p.json"
    save(sample(media_dir), path)
    before = path.read_bytes()
    bad = sample(media_dir)
    bad.tracks[0].clips[0].effects[0].params["brightness"] = float("nan")
    with pytest.raises(ProjectError, match="cannot be saved"):
        save(bad, path)
    bad.tracks[0].clips[0].effects[0].params["brightness"] = object()
    with pytest.raises(ProjectError, match="cannot be saved"):
        save(bad, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["p.json"]  # no temporary files left behind


def test_save_into_missing_folder_or_onto_a_folder_is_a_clear_error(tmp_path, media_dir):
    with pytest.raises(ProjectError, match="does not exist"):
        save(sample(media_dir), tmp_path / "nope" / "p.json")
    (tmp_path / "dir.json").mkdir()
    with pytest.raises(ProjectError, match="a folder has this name"):
        save(sample(media_dir), tmp_path / "dir.json")


def test_save_replaces_the_file_atomically_and_keeps_its_mode(tmp_path, media_dir):
    path = tmp_path / "p.json"
    path.write_text("old")
    os.chmod(path, 0o640)
    inode_before = path.stat().st_ino
    save(sample(media_dir), path)
    assert path.stat().st_mode & 0o777 == 0o640
    assert path.stat().st_ino != inode_before  # a new file was renamed over the old one
    assert load(path) == sample(media_dir)


def test_loads_accepts_integer_and_decimal_times():
    text = json.dumps({"schema_version": 1, "settings": {"width": 64, "height": 48, "fps": 25},
                       "tracks": [{"id": "v", "kind": "video", "clips": [
                           {"id": "c", "media": "/x.mp4", "source_in": 0.5, "source_out": "3/2", "start": 2}]}]})
    clip = loads(text).tracks[0].clips[0]
    assert (clip.source_in, clip.source_out, clip.start) == (F(1, 2), F(3, 2), F(2))


def test_numpy_and_fraction_parameter_values_are_saved_as_plain_numbers(tmp_path):
    import numpy as np

    fx = Effect("e", "org.x.y", {"a": np.float32(0.5), "b": np.int64(3), "c": np.bool_(True), "d": F(1, 4),
                                 "e": (np.float64(1.0), 0.5, 0)})
    project = Project(tracks=[Track("v", "video", [Clip("c", "/m.mp4", F(0), F(1), F(0), [fx])])])
    save(project, tmp_path / "p.json")
    params = load(tmp_path / "p.json").tracks[0].clips[0].effects[0].params
    assert params == {"a": 0.5, "b": 3, "c": True, "d": 0.25, "e": (1.0, 0.5, 0)}
    assert type(params["b"]) is int and type(params["c"]) is bool
