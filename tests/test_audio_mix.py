"""audio_mix.mix: the timeline's clips placed, trimmed, summed; silence where none sounds."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest

from clipgen import make_audio_only, make_clip
from editor.core.audio_mix import mix, total_samples
from editor.core.media.audio import AudioSource
from editor.core.media.pool import MediaPool
from editor.core.project import Clip, Project, Settings, Track

RATE = 48000


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("mix")
    return {
        "av": make_clip(d / "av.mp4", frames=50, audio=True, sample_rate=RATE,
                        audio_layout="stereo"),
        "voice": make_audio_only(d / "voice.m4a", seconds=2.0, sample_rate=RATE,
                                 layout="stereo"),
    }


def project_with(tracks):
    return Project(settings=Settings(width=64, height=48, fps=F(25), sample_rate=RATE,
                                     channels=2), tracks=tracks)


def clip(cid, media, source_in, source_out, start):
    return Clip(id=cid, media=str(media), source_in=F(source_in), source_out=F(source_out),
                start=F(start))


def reference(media, first, n):
    return AudioSource(media, RATE, 2).read(first, n)


def test_trimmed_clip_lands_at_its_position_with_silence_around(clips, carphone):
    video = Track("v1", "video", [clip("a", clips["av"], "1/2", "3/2", "1/4"),
                                   clip("c", carphone, 0, 1, 2)])
    p = project_with([video])
    out = mix(p, 0, 3 * RATE)
    assert out.shape == (2, 3 * RATE) and out.dtype == np.float32
    assert not out[:, :RATE // 4].any()
    np.testing.assert_array_equal(out[:, RATE // 4:RATE // 4 + RATE],
                                  reference(clips["av"], RATE // 2, RATE))
    assert not out[:, RATE // 4 + RATE:].any()  # gap, then carphone which has no audio


def test_tracks_sum_and_muted_tracks_are_silent(clips):
    v = Track("v1", "video", [clip("a", clips["av"], 0, 1, 0)])
    a = Track("a1", "audio", [clip("b", clips["voice"], "1/2", "3/2", "1/2")])
    both = mix(project_with([v, a]), 0, 2 * RATE)
    av_part = reference(clips["av"], 0, RATE)
    voice = reference(clips["voice"], RATE // 2, RATE)
    expected = np.zeros((2, 2 * RATE), np.float32)
    expected[:, :RATE] += av_part
    expected[:, RATE // 2:3 * RATE // 2] += voice
    np.testing.assert_allclose(both, np.clip(expected, -1, 1), atol=1e-6)
    a.muted = True
    only_video = mix(project_with([v, a]), 0, 2 * RATE)
    np.testing.assert_array_equal(only_video[:, :RATE], av_part)
    assert not only_video[:, RATE:].any()


def test_chunked_mix_equals_one_mix_and_cuts_are_gapless(clips):
    # Two cuts from the same file back to back at a rate where edges fall between samples.
    v = Track("v1", "video", [clip("a", clips["av"], 0, "1/3", 0),
                              clip("b", clips["av"], "1/3", "5/3", "1/3")])
    p = project_with([v])
    pool = MediaPool()
    whole = mix(p, 0, 2 * RATE, pool)
    chunks = np.concatenate([mix(p, s, 1920, pool) for s in range(0, 2 * RATE, 1920)], axis=1)
    np.testing.assert_array_equal(chunks, whole)
    # The two cuts continue the source seamlessly: identical to one uncut read.
    np.testing.assert_array_equal(whole[:, :80000], reference(clips["av"], 0, 80000))


def test_offline_media_is_silent_not_fatal(clips, tmp_path):
    v = Track("v1", "video", [clip("gone", tmp_path / "missing.mp4", 0, 1, 0),
                              clip("a", clips["av"], 0, 1, 1)])
    out = mix(project_with([v]), 0, 2 * RATE)
    assert not out[:, :RATE].any() and np.abs(out[:, RATE:]).max() > 0.1


def test_total_samples_follows_the_frame_count(clips):
    p = project_with([Track("v1", "video", [clip("a", clips["av"], 0, "1/3", 0)])])
    assert p.frame_count == 8  # round(25/3)
    assert total_samples(p) == 8 * RATE // 25
