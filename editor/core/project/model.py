"""The project model: plain dataclasses, the single source of truth for an edit.

Times are `Fraction` seconds so frame positions stay exact at rational rates (30000/1001).
The model holds no behaviour beyond simple derived values and look-ups; edits go through
`editor.core.commands`, persistence through `editor.core.project.document`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Iterator

TRACK_KINDS = ("video", "audio")
INTERPOLATIONS = ("linear", "hold")


def new_id(prefix: str) -> str:
    """A fresh identifier such as `clip-3f9a0c1d2b4e`; unique enough within one project."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@dataclass
class Settings:
    width: int = 1280
    height: int = 720
    fps: Fraction = Fraction(25)
    sample_rate: int = 48000
    channels: int = 2

    @property
    def frame_duration(self) -> Fraction:
        return 1 / self.fps


@dataclass
class Keyframe:
    # Seconds from the clip's start. May be negative after a left trim or a split: the
    # keyframe stays attached to the same picture, outside the visible part.
    time: Fraction
    value: Any
    # How the value travels from this keyframe to the next one.
    interpolation: str = "linear"


@dataclass
class Effect:
    id: str
    plugin_id: str
    params: dict[str, Any] = field(default_factory=dict)
    keyframes: dict[str, list[Keyframe]] = field(default_factory=dict)
    enabled: bool = True


@dataclass
class Clip:
    id: str
    media: str  # absolute path in memory
    source_in: Fraction
    source_out: Fraction
    start: Fraction  # position on the timeline
    effects: list[Effect] = field(default_factory=list)
    name: str = ""
    # Length of the media when the clip was made, if known: the bound for trimming
    # even while the file is offline.
    media_duration: Fraction | None = None

    @property
    def duration(self) -> Fraction:
        return self.source_out - self.source_in

    @property
    def end(self) -> Fraction:
        return self.start + self.duration

    def covers(self, t: Fraction) -> bool:
        """True when timeline time `t` falls inside [start, end)."""
        return self.start <= t < self.end

    def effect(self, effect_id: str) -> Effect | None:
        for effect in self.effects:
            if effect.id == effect_id:
                return effect
        return None


@dataclass
class Track:
    id: str
    kind: str  # "video" | "audio"
    clips: list[Clip] = field(default_factory=list)  # sorted by start, never overlapping
    muted: bool = False
    hidden: bool = False

    @property
    def end(self) -> Fraction:
        return self.clips[-1].end if self.clips else Fraction(0)

    def clip(self, clip_id: str) -> Clip | None:
        for clip in self.clips:
            if clip.id == clip_id:
                return clip
        return None


@dataclass
class Project:
    settings: Settings = field(default_factory=Settings)
    tracks: list[Track] = field(default_factory=list)  # index 0 is the bottom track
    name: str = "Untitled"

    @property
    def duration(self) -> Fraction:
        """The latest clip end over all tracks."""
        return max((track.end for track in self.tracks), default=Fraction(0))

    @property
    def frame_count(self) -> int:
        return round(self.duration * self.settings.fps)

    def frame_time(self, index: int) -> Fraction:
        return Fraction(index) / self.settings.fps

    def track(self, track_id: str) -> Track | None:
        for track in self.tracks:
            if track.id == track_id:
                return track
        return None

    def track_index(self, track_id: str) -> int | None:
        for i, track in enumerate(self.tracks):
            if track.id == track_id:
                return i
        return None

    def find_clip(self, clip_id: str) -> tuple[Track, Clip] | None:
        """The track holding `clip_id` and the clip, or None."""
        for track in self.tracks:
            clip = track.clip(clip_id)
            if clip is not None:
                return track, clip
        return None

    def clips(self) -> Iterator[tuple[Track, Clip]]:
        for track in self.tracks:
            for clip in track.clips:
                yield track, clip
