"""A copy of the project cut to a time range, for exporting the part between the I/O marks."""

from __future__ import annotations

import copy
from fractions import Fraction

from editor.core.project.model import Project


def project_range(project: Project, start: Fraction, end: Fraction) -> Project:
    """The timeline's [start, end) as a project of its own starting at zero.

    Clips are cut at the range edges the way a trim cuts them (keyframes stay on their
    pictures); clips outside the range go. The original is not touched.
    """
    start, end = Fraction(start), Fraction(end)
    if end <= start:
        raise ValueError(f"empty range {float(start):.3f}s-{float(end):.3f}s")
    out = copy.deepcopy(project)
    for track in out.tracks:
        kept = []
        for clip in track.clips:
            if clip.end <= start or clip.start >= end:
                continue
            cut_left = max(Fraction(0), start - clip.start)
            cut_right = max(Fraction(0), clip.end - end)
            clip.source_in += cut_left
            clip.source_out -= cut_right
            for effect in clip.effects:
                for keys in effect.keyframes.values():
                    for key in keys:
                        key.time -= cut_left
            clip.start = max(clip.start, start) - start
            kept.append(clip)
        track.clips = kept
    return out
