"""Timecode text for times and frame numbers (HH:MM:SS:FF at the project's frame rate)."""

from __future__ import annotations

import math
from fractions import Fraction


def timecode(t, fps) -> str:
    fps = Fraction(fps)
    frame = round(Fraction(t) * fps)
    per_second = max(1, math.ceil(fps))
    seconds, ff = divmod(frame, per_second) if fps.denominator == 1 else (int(Fraction(frame) / fps), 0)
    if fps.denominator != 1:  # a rational rate: frames within the second by time
        ff = frame - math.ceil(seconds * fps)
    hh, rest = divmod(int(seconds), 3600)
    mm, ss = divmod(rest, 60)
    return f"{hh:02d}:{mm:02d}:{ss:02d}:{max(ff, 0):02d}"


def short_time(seconds: float) -> str:
    """A ruler label: 0:05, 1:20, or 0:05.5 when the step is below a second."""
    minutes, secs = divmod(seconds, 60)
    if abs(secs - round(secs)) < 1e-6:
        return f"{int(minutes)}:{int(round(secs)):02d}"
    return f"{int(minutes)}:{secs:04.1f}"
