"""`stylecut render`: clips laid end to end or a project, exported; bad input exits 2."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction as F

import av
import numpy as np
import pytest

from clipgen import make_clip
from editor.cli.cmd_render import parse_fps, parse_size
from editor.core.media import probe
from editor.core.project import Clip, Project, Settings, Track, save
from editor.errors import StyleCutError


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "editor", *map(str, args)],
                          capture_output=True, text=True)


def audio_levels(path, edges):
    with av.open(str(path)) as c:
        frames = list(c.decode(c.streams.audio[0]))
    data = np.concatenate([f.to_ndarray() for f in frames], axis=1)
    rate = frames[0].sample_rate
    return data.shape[1] / rate, [float(np.sqrt(np.mean(data[:, int(a * rate):int(b * rate)] ** 2)))
                                  for a, b in edges]


def test_bunny_then_carphone(bunny, carphone, tmp_path):
    out = tmp_path / "out.mp4"
    r = run_cli("render", bunny, carphone, "-o", out)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""  # not a terminal: no progress bar
    assert "1280x720" in r.stdout and "232 frames" in r.stdout
    info = probe(out)
    v = info.video
    assert (v.width, v.height, v.fps) == (1280, 720, 25)
    # 5.28 s of bunny + 4.004 s of carphone at 25 fps: round(9.284 * 25) frames.
    assert v.frame_count == 232 and v.duration == F(232, 25)
    seconds, (bunny_part, carphone_part) = audio_levels(out, [(0.1, 5.2), (5.35, 9.2)])
    assert abs(seconds - 9.28) <= 1 / 25
    assert bunny_part > 3e-3 and carphone_part == 0.0  # the excerpt is quiet: RMS ~0.009
    # Sound throughout the bunny part, every tenth of a second.
    _, tenths = audio_levels(out, [(t / 10, t / 10 + 0.1) for t in range(52)])
    assert min(tenths) > 1e-4


def test_project_file_with_size_and_fps_override(tmp_path):
    clip_path = make_clip(tmp_path / "c.mp4", frames=25, size=(64, 48), rate=25)
    project = Project(settings=Settings(64, 48, F(25)), tracks=[Track("v1", "video", [
        Clip(id="c1", media=str(clip_path), source_in=F(0), source_out=F(1), start=F(0))])])
    doc = tmp_path / "p.stylecut.json"
    save(project, doc)
    out = tmp_path / "p.mp4"
    r = run_cli("render", doc, "-o", out, "--size", "32x24", "--fps", "10")
    assert r.returncode == 0, r.stderr
    v = probe(out).video
    assert (v.width, v.height, v.fps, v.frame_count) == (32, 24, 10, 10)
    assert probe(out).audio is None  # nothing sounds: no audio stream


def test_odd_sized_clip_gets_an_even_frame(tmp_path):
    clip_path = make_clip(tmp_path / "odd.mkv", frames=6, size=(175, 143), rate=30,
                           pix_fmt="yuv444p")
    out = tmp_path / "odd.mp4"
    r = run_cli("render", clip_path, "-o", out, "--preset", "h264")
    assert r.returncode == 0, r.stderr
    v = probe(out).video
    assert (v.width, v.height, v.frame_count, v.fps) == (176, 144, 6, 30)


@pytest.mark.parametrize("make_bad,words", [
    (lambda d: d / "missing.mp4", "does not exist"),
    (lambda d: (d / "t.mp4").write_text("not a video\n" * 9) and d / "t.mp4", "text file"),
    (lambda d: (d / "e.mp4").write_bytes(b"") or d / "e.mp4", "empty"),
])
def test_bad_clip_exits_2_with_one_line(tmp_path, make_bad, words):
    bad = make_bad(tmp_path)
    out = tmp_path / "out.mp4"
    r = run_cli("render", bad, "-o", out)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and words in lines[0], r.stderr
    assert not out.exists()


def test_project_with_missing_media_names_the_file(tmp_path):
    gone = tmp_path / "gone.mp4"
    project = Project(settings=Settings(64, 48), tracks=[Track("v1", "video", [
        Clip(id="c1", media=str(gone), source_in=F(0), source_out=F(1), start=F(0))])])
    doc = tmp_path / "p.stylecut.json"
    save(project, doc)
    r = run_cli("render", doc, "-o", tmp_path / "o.mp4")
    assert r.returncode == 2 and str(gone) in r.stderr and "c1" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_corrupt_project_exits_2(tmp_path):
    doc = tmp_path / "broken.stylecut.json"
    doc.write_text('{"schema_version": 1, "tracks": [')
    r = run_cli("render", doc, "-o", tmp_path / "o.mp4")
    assert r.returncode == 2 and str(doc) in r.stderr and "Traceback" not in r.stderr


def test_audio_only_clip_is_refused(tmp_path):
    from clipgen import make_audio_only
    voice = make_audio_only(tmp_path / "v.m4a")
    r = run_cli("render", voice, "-o", tmp_path / "o.mp4")
    assert r.returncode == 2 and "audio only" in r.stderr


def test_size_and_fps_parsing():
    assert parse_size("1080x1920") == (1080, 1920)
    assert parse_fps("29.97") == F(30000, 1001) and parse_fps("30000/1001") == F(30000, 1001)
    assert parse_fps("12.5") == F(25, 2)
    for bad in ("12", "0x5", "axb"):
        with pytest.raises(StyleCutError):
            parse_size(bad)
    for bad in ("fast", "0", "-3", "1/0"):
        with pytest.raises(StyleCutError):
            parse_fps(bad)


def test_bundled_demo_project_renders(tmp_path):
    from editor.demo import DEMO_CLIP, DEMO_PROJECT

    info = probe(DEMO_CLIP)
    assert (info.video.width, info.video.height, info.video.frame_count) == (1280, 720, 75)
    assert info.audio.channels == 2
    out = tmp_path / "demo.mp4"
    r = run_cli("render", DEMO_PROJECT, "-o", out)
    assert r.returncode == 0, r.stderr
    v = probe(out).video
    assert (v.width, v.height, v.frame_count) == (1280, 720, 75)
    # The project's colour grade ran: the first frame is darker than the source's (brightness -0.3).
    with av.open(str(out)) as c:
        graded = next(c.decode(video=0)).to_ndarray(format="rgb24").mean()
    with av.open(str(DEMO_CLIP)) as c:
        plain = next(c.decode(video=0)).to_ndarray(format="rgb24").mean()
    assert graded < plain - 20
