"""export(): exact frames and duration, audio in step, presets, pass-through, cancel, failure."""

from __future__ import annotations

import os
import threading
from fractions import Fraction as F

import av
import numpy as np
import pytest

from clipgen import make_clip
from editor.core.export import export, passthrough_candidate
from editor.core.media import probe
from editor.core.media.pool import MediaPool
from editor.core.presets import PRESETS, get_preset
from editor.core.project import Clip, Project, Settings, Track
from editor.core.render import Renderer
from editor.errors import Cancelled, StyleCutError

RATE = 48000


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    d = tmp_path_factory.mktemp("exp")
    return {
        "a": make_clip(d / "a.mp4", frames=30, size=(64, 48), rate=25, audio=True,
                       sample_rate=RATE, audio_layout="stereo", gop=10),
        "b": make_clip(d / "b.mkv", frames=20, size=(96, 48), rate=30, audio=True,
                       sample_rate=44100, audio_layout="mono"),
    }


def clip(cid, path, source_in, source_out, start):
    return Clip(id=cid, media=str(path), source_in=F(source_in), source_out=F(source_out),
                start=F(start))


def timeline(media, carphone):
    # a (1.2 s with sound) | carphone trimmed (1 s, silent) | b trimmed (0.5 s, 30 fps, mono)
    return Project(settings=Settings(width=64, height=48, fps=F(25), sample_rate=RATE,
                                     channels=2),
                   tracks=[Track("v1", "video", [
                       clip("a", media["a"], 0, "6/5", 0),
                       clip("c", carphone, "1/2", "3/2", "6/5"),
                       clip("b", media["b"], "1/10", "3/5", "11/5")])])


def decode_audio(path):
    with av.open(str(path)) as c:
        frames = list(c.decode(c.streams.audio[0]))
    data = np.concatenate([f.to_ndarray() for f in frames], axis=1)
    first = frames[0].pts * frames[0].time_base
    return data, frames[0].sample_rate, first


def decode_video(path):
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(c.streams.video[0])]


def test_multi_clip_timeline_exact_frames_duration_and_audio(media, carphone, tmp_path):
    project = timeline(media, carphone)
    out = tmp_path / "cut.mp4"
    result = export(project, out)
    assert project.frame_count == 68  # 2.7 s at 25 fps
    assert result.frames == 68 and result.audio == "mixed" and result.errors == []
    info = probe(out)
    assert info.video.frame_count == 68
    assert info.video.duration == F(68, 25)
    assert (info.video.width, info.video.height, info.video.fps) == (64, 48, 25)
    assert abs(info.audio.duration - info.video.duration) <= F(1, 25)
    sound, rate, first = decode_audio(out)
    assert rate == RATE and abs(first) < F(1, 1000)
    level = lambda a, b: np.sqrt(np.mean(sound[:, int(a * RATE):int(b * RATE)] ** 2))
    assert level(0.1, 1.1) > 0.1            # clip a's tone
    assert level(1.25, 2.15) < 1e-3         # carphone has no sound: silence
    assert level(2.25, 2.65) > 0.1          # clip b's tone, resampled from 44.1 kHz mono
    assert abs(sound.shape[1] / RATE - 68 / 25) <= 1 / 25


def test_every_exported_frame_is_the_rendered_frame(media, carphone, tmp_path):
    project = timeline(media, carphone)
    out = tmp_path / "frames.mp4"
    export(project, out)
    decoded = decode_video(out)
    with Renderer(project, pool=MediaPool()) as renderer:
        rendered = [renderer.render_frame(i).frame.astype(np.int16) for i in range(68)]
    for i, got in enumerate(decoded):
        errors = [np.abs(got.astype(np.int16) - r).mean() for r in rendered]
        # Lossy, so not identical; but nearest to its own frame, and close to it.
        assert errors[i] < 6, f"frame {i} differs by {errors[i]:.1f}"
        # Where neighbours differ clearly (generated clips), the frame must not be one of them.
        neighbours = [errors[j] for j in (i - 1, i + 1) if 0 <= j < 68
                      and np.abs(rendered[j] - rendered[i]).mean() > 8]
        assert all(errors[i] < e for e in neighbours), f"frame {i} is out of place"


def test_audio_passes_through_untouched_when_exact(media, tmp_path):
    info = probe(media["a"])
    project = Project(settings=Settings(64, 48, F(25), RATE, 2),
                      tracks=[Track("v1", "video", [clip("a", media["a"], 0, info.duration, 0)])])
    assert passthrough_candidate(project, MediaPool(), get_preset("h264")) is not None
    out = tmp_path / "copy.mp4"
    result = export(project, out)
    assert result.audio == "passthrough"

    def packets(path):
        with av.open(str(path)) as c:
            return [bytes(p) for p in c.demux(c.streams.audio[0]) if p.size]
    src, dst = packets(media["a"]), packets(out)
    assert dst == src[:len(dst)] and len(src) - len(dst) <= 2
    assert probe(out).video.frame_count == 30


def test_audio_is_mixed_when_trimmed_or_reformatted(media):
    pool = MediaPool()
    trimmed = Project(settings=Settings(64, 48, F(25), RATE, 2),
                      tracks=[Track("v1", "video", [clip("a", media["a"], "1/5", "6/5", 0)])])
    assert passthrough_candidate(trimmed, pool, get_preset("h264")) is None
    whole = Project(settings=Settings(64, 48, F(25), 44100, 2),
                    tracks=[Track("v1", "video", [clip("a", media["a"], 0, "6/5", 0)])])
    assert passthrough_candidate(whole, pool, get_preset("h264")) is None  # other rate
    whole.settings.sample_rate = RATE
    assert passthrough_candidate(whole, pool, get_preset("prores")) is None  # other codec


@pytest.mark.parametrize("name,codec,size,ext", [
    ("h265", "hevc", (64, 48), ".mp4"),
    ("prores", "prores", (64, 48), ".mov"),
    ("vertical", "h264", (1080, 1920), ".mp4"),
])
def test_presets(media, tmp_path, name, codec, size, ext):
    project = Project(settings=Settings(64, 48, F(25), RATE, 2),
                      tracks=[Track("v1", "video", [clip("a", media["a"], 0, "1/5", 0)])])
    out = tmp_path / f"p{ext}"
    result = export(project, out, name)
    info = probe(out)
    assert info.video.codec == codec
    assert (info.video.width, info.video.height) == size == (result.width, result.height)
    assert info.video.frame_count == 5 and info.video.duration == F(1, 5)
    expected_audio = "pcm_s16le" if name == "prores" else "aac"
    assert info.audio.codec == expected_audio
    if name == "prores":
        assert info.video.pixel_format == "yuv422p10le"
        assert info.container.startswith("mov")
    if name == "vertical":
        frame = decode_video(out)[2]
        # A 4:3 picture fitted into 9:16: black bars above and below, picture in the middle.
        assert frame[:500].max() < 30 and frame[1420:].max() < 30
        assert frame[800:1100].mean() > 40


def test_progress_reports_every_frame(media, tmp_path):
    project = Project(settings=Settings(64, 48, F(25), RATE, 2),
                      tracks=[Track("v1", "video", [clip("a", media["a"], 0, "2/5", 0)])])
    calls = []
    export(project, tmp_path / "p.mp4", progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 10) for i in range(1, 11)]


def leftovers(folder):
    return [n for n in os.listdir(folder) if n.endswith(".part")]


def test_cancel_keeps_the_old_file_and_leaves_no_partial(media, tmp_path):
    project = Project(settings=Settings(64, 48, F(25), RATE, 2),
                      tracks=[Track("v1", "video", [clip("a", media["a"], 0, "6/5", 0)])])
    out = tmp_path / "keep.mp4"
    out.write_bytes(b"the previous good export")
    stop = threading.Event()

    def progress(done, total):
        if done == 10:
            stop.set()
    with pytest.raises(Cancelled):
        export(project, out, progress=progress, cancel=stop)
    assert out.read_bytes() == b"the previous good export"
    assert leftovers(tmp_path) == []
    with pytest.raises(Cancelled):
        export(project, tmp_path / "new.mp4", cancel=lambda: True)
    assert not (tmp_path / "new.mp4").exists() and leftovers(tmp_path) == []


def test_failure_midway_leaves_no_file(media, tmp_path):
    project = Project(settings=Settings(64, 48, F(25), RATE, 2),
                      tracks=[Track("v1", "video", [clip("a", media["a"], 0, "6/5", 0)])])

    def exploding(done, total):
        if done == 5:
            raise OSError(28, "No space left on device")
    with pytest.raises(OSError):
        export(project, tmp_path / "x.mp4", progress=exploding)
    assert os.listdir(tmp_path) == []


def test_bad_targets_and_projects_are_refused_clearly(media, tmp_path):
    project = Project(settings=Settings(64, 48, F(25), RATE, 2),
                      tracks=[Track("v1", "video", [clip("a", media["a"], 0, "1/5", 0)])])
    with pytest.raises(StyleCutError, match="does not exist"):
        export(project, tmp_path / "no" / "such" / "dir.mp4")
    with pytest.raises(StyleCutError, match="unknown export preset 'dv'"):
        export(project, tmp_path / "x.mp4", "dv")
    with pytest.raises(StyleCutError, match="is a folder"):
        export(project, tmp_path)
    with pytest.raises(StyleCutError, match="empty"):
        export(Project(settings=Settings(64, 48)), tmp_path / "e.mp4")
    odd = Project(settings=Settings(65, 48, F(25), RATE, 2), tracks=project.tracks)
    with pytest.raises(StyleCutError, match="even width"):
        export(odd, tmp_path / "odd.mp4")
    assert os.listdir(tmp_path) == []


def test_every_preset_is_listed():
    assert {"h264", "h265", "prores", "vertical"} <= set(PRESETS)
    assert get_preset("vertical").size == (1080, 1920)


def test_exported_file_has_ordinary_permissions(media, tmp_path):
    project = Project(settings=Settings(64, 48, F(25), RATE, 2),
                      tracks=[Track("v1", "video", [clip("a", media["a"], 0, "1/5", 0)])])
    out = tmp_path / "perm.mp4"
    export(project, out)
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


def test_untouched_frames_are_encoded_from_the_decoded_picture(media, tmp_path):
    info = probe(media["a"])
    same_size = Project(settings=Settings(64, 48, F(25), RATE, 2),
                        tracks=[Track("v1", "video", [clip("a", media["a"], 0, info.duration, 0)])])
    result = export(same_size, tmp_path / "copy.mp4")
    assert result.copied_frames == 30
    src, out = decode_video(media["a"]), decode_video(tmp_path / "copy.mp4")
    assert len(out) == 30
    assert all(np.abs(a.astype(int) - b).mean() < 4 for a, b in zip(src, out))
    # Letterboxed into another size: every frame goes through the RGB render path.
    boxed = Project(settings=Settings(96, 48, F(25), RATE, 2), tracks=same_size.tracks)
    assert export(boxed, tmp_path / "boxed.mp4").copied_frames == 0


def test_rotated_source_is_never_copied_through(tmp_path):
    rotated = make_clip(tmp_path / "r.mp4", frames=5, size=(64, 32), rotation=90)
    project = Project(settings=Settings(32, 64, F(25), RATE, 2),
                      tracks=[Track("v1", "video", [clip("r", rotated, 0, "1/5", 0)])])
    result = export(project, tmp_path / "r_out.mp4")
    assert result.copied_frames == 0
    assert decode_video(tmp_path / "r_out.mp4")[0].shape == (64, 32, 3)


def test_copy_through_off_sends_every_frame_through_rgb(media, tmp_path):
    info = probe(media["a"])
    project = Project(settings=Settings(64, 48, F(25), RATE, 2),
                      tracks=[Track("v1", "video", [clip("a", media["a"], 0, info.duration, 0)])])
    result = export(project, tmp_path / "rgb.mp4", copy_through=False)
    assert result.copied_frames == 0 and probe(tmp_path / "rgb.mp4").video.frame_count == 30


def test_export_never_overwrites_its_own_media(media, tmp_path):
    import shutil
    own = tmp_path / "own.mp4"
    shutil.copy(media["a"], own)
    before = own.read_bytes()
    project = Project(settings=Settings(64, 48, F(25), RATE, 2),
                      tracks=[Track("v1", "video", [clip("a", own, 0, "1/5", 0)])])
    with pytest.raises(StyleCutError, match="would destroy it"):
        export(project, own)
    assert own.read_bytes() == before and leftovers(tmp_path) == []


def test_a_range_is_that_part_of_the_timeline_starting_at_zero(media, carphone, tmp_path):
    from editor.core.project import Effect, Keyframe
    from plugins.color_adjust import ColorAdjust

    project = timeline(media, carphone)
    # a keyframed effect on the middle clip: inside the range it must stay on its pictures
    project.tracks[0].clips[1].effects.append(
        Effect("b", ColorAdjust.id, {}, {"brightness": [Keyframe(F(0), -0.4), Keyframe(F(1), 0.4)]}))
    out = tmp_path / "range.mp4"
    result = export(project, out, start=F(1), end=F(12, 5))     # 1.0 s to 2.4 s: 35 frames
    assert result.frames == 35 and result.duration == F(35, 25) and result.audio == "mixed"
    info = probe(out)
    assert info.video.frame_count == 35 and info.video.duration == F(35, 25)
    assert abs(info.audio.duration - info.video.duration) <= F(1, 25)
    decoded = decode_video(out)
    with Renderer(project, pool=MediaPool()) as renderer:
        rendered = [renderer.render_frame(i).frame.astype(np.int16) for i in range(68)]
    assert len(decoded) == 35
    for j, got in enumerate(decoded):
        errors = [np.abs(got.astype(np.int16) - r).mean() for r in rendered]
        assert errors[25 + j] < 6, f"frame {j} differs from timeline frame {25 + j} by {errors[25 + j]:.1f}"
        neighbours = [errors[k] for k in (24 + j, 26 + j) if np.abs(rendered[k] - rendered[25 + j]).mean() > 8]
        assert all(errors[25 + j] < e for e in neighbours), f"frame {j} is out of place"
    # the sound of the same span: a's tone to 1.2 s, carphone's silence, b's tone from 2.2 s
    sound, rate, first = decode_audio(out)
    assert rate == RATE and abs(first) < F(1, 1000)
    level = lambda a, b: np.sqrt(np.mean(sound[:, int(a * RATE):int(b * RATE)] ** 2))
    assert level(0.02, 0.17) > 0.1
    assert level(0.3, 1.1) < 1e-3
    assert level(1.25, 1.38) > 0.1
    assert abs(sound.shape[1] / RATE - 35 / 25) <= 1 / 25


def test_a_range_open_at_one_end_and_the_whole_range(media, tmp_path):
    info = probe(media["a"])
    project = Project(settings=Settings(64, 48, F(25), RATE, 2),
                      tracks=[Track("v1", "video", [clip("a", media["a"], 0, info.duration, 0)])])
    whole = export(project, tmp_path / "whole.mp4", start=F(0), end=info.duration)
    assert whole.frames == 30 and whole.audio == "passthrough"
    # a part cannot copy the source's packets: they would not begin at the range's start
    tail = export(project, tmp_path / "tail.mp4", start=F(4, 5))
    assert tail.frames == 10 and tail.audio == "mixed"
    assert probe(tmp_path / "tail.mp4").video.frame_count == 10
    head = export(project, tmp_path / "head.mp4", end=F(2, 5))
    assert head.frames == 10 and probe(tmp_path / "head.mp4").video.frame_count == 10
    # the tail's first picture is the timeline's frame 20, not its first
    first_of_tail = decode_video(tmp_path / "tail.mp4")[0].astype(np.int16)
    frames = decode_video(tmp_path / "whole.mp4")
    assert np.abs(first_of_tail - frames[20]).mean() < np.abs(first_of_tail - frames[0]).mean()


@pytest.mark.parametrize("start,end", [(F(1), F(1)), (F(1), F(1, 2)), (F(-1, 5), F(1, 2)),
                                       (F(1, 2), F(3)), (F(2), None)])
def test_ranges_off_the_timeline_are_refused_clearly(media, tmp_path, start, end):
    project = Project(settings=Settings(64, 48, F(25), RATE, 2),
                      tracks=[Track("v1", "video", [clip("a", media["a"], 0, "6/5", 0)])])
    out = tmp_path / "r.mp4"
    with pytest.raises(StyleCutError, match=r"holds no frame of the timeline \(0-1\.200 s\)") as err:
        export(project, out, start=start, end=end)
    assert str(out) in str(err.value)
    assert os.listdir(tmp_path) == []
