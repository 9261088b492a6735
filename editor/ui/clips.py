"""Turning a media file into a clip and placing it: the edits the bin and the timeline share."""

from __future__ import annotations

import os
from fractions import Fraction

from editor.core import commands as cmd
from editor.core.project.model import Clip, new_id
from editor.errors import StyleCutError


def clip_for_media(path: str, info, start: Fraction) -> Clip:
    """A clip playing the whole file from timeline time `start`."""
    if info.video is not None:
        duration = info.video.duration
    else:
        duration = info.duration
    if not duration or duration <= 0:
        raise StyleCutError(path, "has no duration to place on the timeline")
    return Clip(new_id("clip"), os.path.abspath(path), Fraction(0), Fraction(duration), Fraction(start),
                name=os.path.basename(path), media_duration=Fraction(duration))


def settings_from_media(info) -> cmd.SetProjectSettings:
    """The project settings that match a video file (size as displayed, frame rate, sound)."""
    video = info.video
    rate = None
    if info.audio is not None and info.audio.sample_rate in (44100, 48000):
        rate = info.audio.sample_rate
    return cmd.SetProjectSettings(width=video.display_width, height=video.display_height, fps=video.fps,
                                  sample_rate=rate)


def track_for(project, info, track_id: str | None = None):
    """The track a file goes on: the given one if its kind fits, else the first that fits."""
    kind = "video" if info.video is not None else "audio"
    if track_id:
        track = project.track(track_id)
        if track is not None and track.kind == kind:
            return track
    for track in reversed(project.tracks):
        if track.kind == kind:
            return track
    return None


def append_media(controller, path: str, info, track_id: str | None = None, start: Fraction | None = None) -> str | None:
    """Put the file on the timeline (at the end of its track unless `start` is given).

    A missing track of the right kind is added in the same undo step. The first video put
    into an empty project sets the project's picture size and frame rate to its own (and its
    sound rate, when it is a common one), as editors do; undo takes that back with the clip.
    Returns the clip id, or None when the edit was refused (the controller reports why).
    """
    project = controller.project
    track = track_for(project, info, track_id)
    try:
        with controller.stack.group("Add clip"):
            if info.video is not None and not any(True for _ in project.clips()):
                controller.stack.execute(settings_from_media(info))
            if track is None:
                kind = "video" if info.video is not None else "audio"
                add = cmd.AddTrack(kind, index=None if kind == "video" else 0)
                controller.stack.execute(add)
                track = project.track(add.track_id)
            at = track.end if start is None else start
            clip = clip_for_media(path, info, at)
            controller.stack.execute(cmd.AddClip(track.id, clip))
    except StyleCutError as exc:
        controller.error.emit(str(exc))
        return None
    return clip.id
