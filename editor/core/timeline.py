"""Timeline evaluation: which clips play at a time, and which moment of their media shows.

A clip covers the half-open span [start, end): at its end the next clip (or nothing) shows.
Tracks are searched by bisection over their sorted clips.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from fractions import Fraction

from .project.model import Clip, Project, Track


@dataclass(frozen=True)
class ClipAt:
    track_index: int  # 0 is the bottom track
    track: Track
    clip: Clip
    local_time: Fraction  # seconds from the clip's start (what keyframes use)
    source_time: Fraction  # seconds into the media, from its first frame


def clip_on_track(track: Track, t: Fraction) -> Clip | None:
    """The clip of `track` covering time `t`, if any."""
    clips = list(track.clips)  # one consistent view even if an edit lands meanwhile
    starts = [c.start for c in clips]
    i = bisect.bisect_right(starts, t) - 1
    if i >= 0 and clips[i].covers(t):
        return clips[i]
    return None


def clips_at(project: Project, t: Fraction, kind: str | None = None, *, visible_only: bool = False,
             audible_only: bool = False) -> list[ClipAt]:
    """Every clip playing at `t`, bottom track first.

    `kind` keeps only "video" or "audio" tracks; `visible_only` skips hidden tracks,
    `audible_only` skips muted ones.
    """
    t = Fraction(t)
    result = []
    for index, track in enumerate(project.tracks):
        if kind is not None and track.kind != kind:
            continue
        if (visible_only and track.hidden) or (audible_only and track.muted):
            continue
        clip = clip_on_track(track, t)
        if clip is not None:
            local = t - clip.start
            result.append(ClipAt(index, track, clip, local, clip.source_in + local))
    return result


def top_video_clip(project: Project, t: Fraction) -> ClipAt | None:
    """The clip the picture shows at `t`: on the topmost visible video track that has one."""
    t = Fraction(t)
    tracks = list(project.tracks)
    for index in range(len(tracks) - 1, -1, -1):
        track = tracks[index]
        if track.kind != "video" or track.hidden:
            continue
        clip = clip_on_track(track, t)
        if clip is not None:
            local = t - clip.start
            return ClipAt(index, track, clip, local, clip.source_in + local)
    return None


def clips_between(project: Project, start: Fraction, end: Fraction, kind: str | None = None) -> list[ClipAt]:
    """Clips overlapping [start, end), each with its times at the first moment it plays there."""
    result = []
    for index, track in enumerate(project.tracks):
        if kind is not None and track.kind != kind:
            continue
        for clip in track.clips:
            if clip.start < end and start < clip.end:
                first = max(start, clip.start)
                local = first - clip.start
                result.append(ClipAt(index, track, clip, local, clip.source_in + local))
    return result


def frame_index_at(project: Project, t: Fraction) -> int:
    """The project frame showing at time `t` (frame i spans [i/fps, (i+1)/fps))."""
    return int(Fraction(t) * project.settings.fps // 1)


class Timeline:
    """The evaluation functions bound to one project (which stays live: edits show at once)."""

    def __init__(self, project: Project):
        self.project = project

    def evaluate(self, t: Fraction, kind: str | None = None) -> list[ClipAt]:
        return clips_at(self.project, t, kind)

    def top_video(self, t: Fraction) -> ClipAt | None:
        return top_video_clip(self.project, t)

    def frame_time(self, index: int) -> Fraction:
        return self.project.frame_time(index)

    @property
    def frame_count(self) -> int:
        return self.project.frame_count
