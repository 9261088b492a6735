"""The timeline's audio, mixed to the project format (float32, planar, project rate/channels).

Video-track clips contribute their media's own sound (linked audio); audio-track clips
contribute sound only. A muted track is silent; a hidden video track still sounds (hiding is
about the picture). Each clip plays its trimmed source range at its timeline position;
where no clip sounds there is silence. Clip edges are rounded to whole samples the same way on
both sides of a cut, so consecutive clips neither overlap nor leave a gap.

A clip whose media is offline or unreadable is silent; the renderer reports it.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from editor.core.media.pool import MediaPool
from editor.errors import MediaError


def sample_at(t: Fraction, sample_rate: int) -> int:
    return round(Fraction(t) * sample_rate)


def clip_sample_span(clip, sample_rate: int) -> tuple[int, int]:
    return sample_at(clip.start, sample_rate), sample_at(clip.end, sample_rate)


def mix(project, start_sample: int, n: int, pool: MediaPool | None = None) -> np.ndarray:
    """Samples [start_sample, start_sample + n) of the mixed timeline, shaped (channels, n)."""
    settings = project.settings
    rate, channels = settings.sample_rate, settings.channels
    out = np.zeros((channels, max(n, 0)), np.float32)
    if n <= 0:
        return out
    pool = pool or MediaPool()
    end = start_sample + n
    for track in project.tracks:
        if track.muted:
            continue
        for clip in track.clips:
            c0, c1 = clip_sample_span(clip, rate)
            lo, hi = max(start_sample, c0), min(end, c1)
            if hi <= lo:
                continue
            try:
                source = pool.audio(clip.media, rate, channels)
            except MediaError:
                continue
            if source is None:
                continue
            first = sample_at(clip.source_in, rate) + (lo - c0)
            out[:, lo - start_sample:hi - start_sample] += source.read(first, hi - lo)
    np.clip(out, -1.0, 1.0, out=out)
    return out


def total_samples(project) -> int:
    """The mix's length: the project's frame count in samples, so sound ends with the picture."""
    return sample_at(Fraction(project.frame_count) / project.settings.fps,
                     project.settings.sample_rate)
