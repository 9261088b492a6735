"""The frame index of a video stream: frame number -> presentation timestamp, from a demux pass.

Frame positions are never computed from the frame rate: variable frame rate clips, edit lists
and dropped frames would all break that arithmetic. Reading packets without decoding them is
fast (a few ms per thousand frames). A file whose demux pass shows damage (a read error, a
corrupt packet, fewer packets than the header promises) is indexed by a full decode instead,
so the index lists exactly the frames that can be shown.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np

from editor.errors import MediaError


@dataclass(frozen=True)
class VideoIndex:
    pts: tuple[int, ...]          # presentation timestamps, ascending, in stream time base
    keyframe: tuple[bool, ...]    # whether frame i can start decoding
    time_base: Fraction
    last_duration: int            # ticks the last frame stays on screen
    truncated: bool = False
    problem: str | None = None    # what was wrong with the stream, when something was

    def __post_init__(self):
        # key_before[i]: the latest keyframe at or before frame i (0 when none is marked).
        keys = np.fromiter(self.keyframe, dtype=bool, count=len(self.keyframe))
        marks = np.where(keys, np.arange(len(keys)), 0)
        object.__setattr__(self, "_key_before", np.maximum.accumulate(marks) if len(keys) else marks)
        object.__setattr__(self, "_pts_to_index", {p: i for i, p in enumerate(self.pts)})

    def __len__(self) -> int:
        return len(self.pts)

    def key_before(self, i: int) -> int:
        return int(self._key_before[i])

    def index_of_pts(self, pts: int) -> int | None:
        return self._pts_to_index.get(pts)

    def deltas(self) -> np.ndarray:
        return np.diff(np.asarray(self.pts, dtype=np.int64))

    def index_at_pts(self, pts: float) -> int:
        """The frame on screen at stream timestamp `pts` (clamped to the stream)."""
        i = bisect.bisect_right(self.pts, pts) - 1
        return min(max(i, 0), len(self.pts) - 1)


def _finish(path, entries, time_base, truncated, problem, fallback_duration) -> VideoIndex:
    if not entries:
        raise MediaError(path, problem or "its video stream holds no decodable frames")
    entries.sort(key=lambda e: e[0])
    # Two packets with one timestamp (broken muxers) cannot both be addressed: keep the first.
    unique = []
    for e in entries:
        if not unique or e[0] != unique[-1][0]:
            unique.append(e)
    pts = tuple(e[0] for e in unique)
    keys = [e[1] for e in unique]
    keys[0] = True  # decoding always starts somewhere; the first frame is where a seek lands
    last = unique[-1][2]
    if not last or last <= 0:
        gaps = np.diff(np.asarray(pts, dtype=np.int64))
        last = int(np.median(gaps)) if len(gaps) else fallback_duration
    return VideoIndex(pts, tuple(keys), time_base, max(int(last), 1), truncated, problem)


def _fallback_ticks(stream) -> int:
    rate = stream.average_rate or stream.guessed_rate or Fraction(25)
    return max(1, round(1 / (Fraction(rate) * stream.time_base)))


def index_by_demux(path: str, container, stream):
    """Return (entries, damage) from a packet pass; damage is None for a clean stream."""
    entries: list[tuple[int, bool, int]] = []
    damage = None
    discarded = 0
    try:
        for packet in container.demux(stream):
            if packet.size == 0:
                continue
            if packet.is_corrupt:
                damage = "a corrupt packet"
                continue
            if packet.is_discard:
                discarded += 1
                continue
            if packet.pts is None:
                return None, "packets without timestamps"
            entries.append((packet.pts, packet.is_keyframe, packet.duration or 0))
    except av.FFmpegError as exc:
        damage = f"a read error ({exc.strerror or exc})"
    declared = stream.frames or 0
    if damage is None and declared and len(entries) + discarded < declared:
        damage = f"{len(entries) + discarded} of the {declared} frames its header lists"
    return entries, damage


def index_by_decode(path: str, container, stream):
    """Decode everything, recording the frames that come out; return (entries, problem)."""
    entries = []
    problem = None
    try:
        packets = container.demux(stream)
        for packet in packets:
            try:
                frames = stream.decode(packet)
            except av.FFmpegError as exc:
                problem = problem or f"undecodable data ({exc.strerror or exc})"
                continue
            for f in frames:
                if f.pts is not None:
                    entries.append((f.pts, bool(f.key_frame), f.duration or 0))
    except av.FFmpegError as exc:
        problem = problem or f"a read error ({exc.strerror or exc})"
    return entries, problem


def build_index(path: str, container, stream) -> VideoIndex:
    """Index `stream` of the open `container`; the container is left at an arbitrary position."""
    fallback = _fallback_ticks(stream)
    entries, damage = index_by_demux(path, container, stream)
    if entries is not None and damage is None:
        return _finish(path, entries, stream.time_base, False, None, fallback)
    declared = stream.frames or 0
    container.seek(0)
    decoded, decode_problem = index_by_decode(path, container, stream)
    if entries is None and damage == "packets without timestamps" and decoded \
            and decode_problem is None:
        return _finish(path, decoded, stream.time_base, False, None, fallback)
    if not decoded:
        raise MediaError(path, f"its video cannot be decoded ({decode_problem or damage})")
    shown = len(decoded)
    total = max(declared, len(entries or ()))
    note = f"file is truncated or damaged ({damage}); " + (
        f"{shown} of {total} frames can be shown" if total > shown else f"{shown} frames can be shown")
    return _finish(path, decoded, stream.time_base, True, note, fallback)
