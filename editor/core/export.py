"""Export: every frame of the timeline through the one render path, encoded with PyAV.

Video: frame i of the project (time i / fps) comes from `editor.core.render.Renderer`, the same
code the preview uses, and is encoded with timestamp i, so the file holds exactly
`project.frame_count` frames and lasts exactly frame_count / fps.

Copy-through: when the renderer hands back, untouched, the very RGB array a MediaSource made
from a decoded frame (no effect, no scaling, no letterbox), the decoded frame itself is encoded
instead of converting that RGB back to YUV. The picture is the one the preview shows, minus a
round of colour-conversion rounding, and the export skips two conversions per frame.

Audio: when one clip alone sounds, starts at zero, spans its whole source and the source's
audio already has the project's format and the preset's codec, its packets are copied
untouched. Otherwise the timeline is mixed (`audio_mix`) one frame's worth of samples at a time
and encoded; the mix ends with the last frame, so sound and picture end together.

Range: `start`/`end` export the timeline's [start, end) as a file starting at zero. Frames
render at their own timeline times (start + i / fps), so trims and keyframes need no shifting,
and the sound is the mix of the same span (never copied: the source's packets would not begin
at the range's start).

The file is written beside the target under a temporary name and renamed only when complete:
a cancelled or failed export never leaves a broken file under the target name, nor replaces
a good one. This is plain Python with no Qt: the UI runs it in a worker thread.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from editor.core.audio_mix import mix, sample_at
from editor.core.media.opening import open_container
from editor.core.media.pool import MediaPool
from editor.core.presets import DEFAULT_PRESET, Preset, get_preset
from editor.errors import Cancelled, MediaError, StyleCutError

# Sequential export needs no frame cache to speak of; keep memory for the encoder.
_EXPORT_CACHE_BYTES = 64 * 1024 * 1024


@dataclass
class ExportResult:
    path: str
    preset: str
    frames: int
    duration: Fraction
    width: int
    height: int
    audio: str                      # "passthrough", "mixed" or "none"
    errors: list[str] = field(default_factory=list)   # per-clip render problems, once each
    copied_frames: int = 0          # frames encoded straight from the decoded source picture


def _cancel_requested(cancel) -> bool:
    if cancel is None:
        return False
    is_set = getattr(cancel, "is_set", None)
    return bool(is_set() if is_set else cancel())


def _output_project(project, preset: Preset):
    if preset.size is None:
        return project
    out = copy.copy(project)
    out.settings = dataclasses.replace(project.settings, width=preset.size[0],
                                       height=preset.size[1])
    return out


def _seconds(value, default) -> str:
    return f"{float(default if value is None else value):.3f}"


def check_target(out_path: str, preset: Preset, settings) -> None:
    folder = os.path.dirname(os.path.abspath(out_path))
    if not os.path.isdir(folder):
        raise StyleCutError(out_path, f"cannot be written: folder {folder} does not exist")
    if os.path.isdir(out_path):
        raise StyleCutError(out_path, "is a folder; give a file name to export to")
    if not os.access(folder, os.W_OK):
        raise StyleCutError(out_path, f"cannot be written: folder {folder} is not writable")
    subsampled = preset.pixel_format.startswith(("yuv420", "yuv422", "nv12"))
    if subsampled and settings.width % 2:
        raise StyleCutError(out_path, f"the {preset.name} preset needs an even width, "
                                      f"the project is {settings.width}x{settings.height}")
    if preset.pixel_format.startswith(("yuv420", "nv12")) and settings.height % 2:
        raise StyleCutError(out_path, f"the {preset.name} preset needs an even height, "
                                      f"the project is {settings.width}x{settings.height}")


def _audible_clips(project, pool: MediaPool):
    found = []
    for track, clip in project.clips():
        if track.muted:
            continue
        try:
            info = pool.info(clip.media)
        except MediaError:
            continue
        if info.audio is not None:
            found.append((clip, info))
    return found


def passthrough_candidate(project, pool: MediaPool, preset: Preset):
    """The (clip, info) whose audio can be copied untouched, or None when it must be mixed."""
    audible = _audible_clips(project, pool)
    if len(audible) != 1:
        return None
    clip, info = audible[0]
    a, s = info.audio, project.settings
    if a.codec != preset.audio_codec or a.sample_rate != s.sample_rate \
            or a.channels != s.channels:
        return None
    if clip.start != 0 or clip.source_in != 0 or clip.source_out != info.duration:
        return None
    origin = info.video.start_time if info.video else a.start_time
    if a.start_time != origin or a.duration is None:
        return None
    length = Fraction(project.frame_count) / s.fps
    if length != clip.duration or abs(a.duration - length) > 1 / s.fps:
        return None
    return clip, info


class AudioCopier:
    """Copies the source's audio packets into the output, interleaved with the video."""

    def __init__(self, output, info, end: Fraction):
        self._input = open_container(info.path)
        src = self._input.streams[info.audio.stream_index]
        self.stream = output.add_stream_from_template(src)
        self._tb = Fraction(src.time_base)
        self._origin = Fraction(info.audio.start_time)
        self._end = end
        self._packets = self._input.demux(src)
        self._pending = None
        self._output = output

    def mux_until(self, t: Fraction | None) -> None:
        while True:
            pkt = self._pending or next(self._packets, None)
            self._pending = None
            if pkt is None:
                return
            if pkt.size == 0 or pkt.pts is None:
                continue
            when = pkt.pts * self._tb - self._origin
            if when >= self._end:
                continue  # past the last frame: dropped, the sound ends with the picture
            if t is not None and when > t:
                self._pending = pkt
                return
            pkt.stream = self.stream
            self._output.mux(pkt)

    def close(self):
        self._input.close()


class AudioEncoder:
    """Encodes the mixed timeline, one video frame's worth of samples at a time; output frame
    i holds the sound of timeline time `origin + i / fps` (the start of an exported range)."""

    def __init__(self, output, project, preset: Preset, pool: MediaPool, origin: Fraction = Fraction(0)):
        s = project.settings
        from editor.core.media.audio import layout_name
        self.layout = layout_name(s.channels)
        self.stream = output.add_stream(preset.audio_codec, rate=s.sample_rate, layout=self.layout)
        if preset.audio_bit_rate:
            self.stream.bit_rate = preset.audio_bit_rate
        self._planar = self.stream.codec_context.format.is_planar
        self._fmt = self.stream.codec_context.format.name
        self.project, self.pool, self.rate = project, pool, s.sample_rate
        self.origin = Fraction(origin)
        self._first_sample = sample_at(self.origin, self.rate)
        self._output = output

    def encode_frame_span(self, i: int) -> None:
        fps = self.project.settings.fps
        first = sample_at(self.origin + Fraction(i) / fps, self.rate)
        n = sample_at(self.origin + Fraction(i + 1) / fps, self.rate) - first
        if n <= 0:
            return
        data = mix(self.project, first, n, self.pool)
        if self._fmt == "fltp":
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format="fltp",
                                               layout=self.layout)
        else:  # packed 16-bit PCM
            pcm = np.round(np.clip(data, -1, 1) * 32767).astype(np.int16)
            frame = av.AudioFrame.from_ndarray(pcm.T.reshape(1, -1), format="s16",
                                               layout=self.layout)
        frame.sample_rate = self.rate
        frame.pts = first - self._first_sample
        frame.time_base = Fraction(1, self.rate)
        for pkt in self.stream.encode(frame):
            self._output.mux(pkt)

    def flush(self) -> None:
        for pkt in self.stream.encode(None):
            self._output.mux(pkt)


def rgb_frame(rgb: np.ndarray) -> av.VideoFrame:
    """An rgb24 VideoFrame holding `rgb` (HxWx3 uint8).

    Copies straight into the frame's plane: VideoFrame.from_ndarray takes ~10 ms at 720p,
    this a fraction of a millisecond.
    """
    height, width = rgb.shape[:2]
    frame = av.VideoFrame(width, height, "rgb24")
    plane = frame.planes[0]
    rows = np.frombuffer(plane, np.uint8).reshape(height, plane.line_size)
    rows[:, :width * 3] = rgb.reshape(height, width * 3)
    return frame


def add_video_stream(output, settings, preset: Preset):
    stream = output.add_stream(preset.video_codec, rate=settings.fps)
    stream.width, stream.height = settings.width, settings.height
    stream.pix_fmt = preset.pixel_format
    stream.codec_context.time_base = 1 / Fraction(settings.fps)
    stream.options = dict(preset.video_options)
    if preset.codec_tag:
        stream.codec_tag = preset.codec_tag
    return stream


def _untouched_source_frame(result, media_of: dict, pool: MediaPool):
    """The decoded frame behind `result.frame` when the renderer passed it through unchanged."""
    media = media_of.get(result.clip_id) if result.clip_id else None
    if media is None:
        return None
    try:
        source = pool.source(media)
    except MediaError:
        return None
    return source.decoded_frame_of(result.frame)


def reserve_temp(folder: str, name: str) -> str:
    """Create an empty, uniquely named file beside the target; mode follows the umask
    (tempfile.mkstemp would make it private, and the rename would keep that)."""
    for _ in range(100):
        path = os.path.join(folder, f".{name}.{next(tempfile._get_candidate_names())}.part")
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
            return path
        except FileExistsError:
            continue
    raise StyleCutError(os.path.join(folder, name), "cannot create a temporary file beside it")


@contextmanager
def encoded_output(out_path: str, container: str):
    """An output container on a temporary file beside `out_path`, renamed onto the target when
    the block succeeds. On any failure (cancel included) the temporary file is removed, so a
    broken file never stands under the target's name, and an FFmpeg failure names the target."""
    tmp = reserve_temp(os.path.dirname(os.path.abspath(out_path)), os.path.basename(out_path))
    try:
        output = av.open(tmp, "w", format=container)
        try:
            yield output
        finally:
            output.close()
        os.replace(tmp, out_path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.remove(tmp)
        if isinstance(exc, av.FFmpegError):
            raise StyleCutError(out_path, f"encoding failed ({exc})") from exc
        raise


def export_range(project, start, end) -> tuple[Fraction, int]:
    """(first time, frame count) of the timeline's [start, end) in seconds; None is the
    timeline's own start or end. The range must lie on the timeline and hold a frame."""
    fps = project.settings.fps
    duration = Fraction(project.frame_count) / fps
    first = Fraction(0) if start is None else Fraction(start)
    last = duration if end is None else Fraction(end)
    if first < 0 or last > duration or first >= last:
        return first, 0
    return first, round((last - first) * fps)


def export(project, out_path, preset: str | Preset = DEFAULT_PRESET,
           progress: Callable[[int, int], None] | None = None, cancel=None,
           pool: MediaPool | None = None, registry=None,
           copy_through: bool = True, start=None, end=None) -> ExportResult:
    """Render and encode `project` to `out_path`; see the module notes for the guarantees.

    `start` and `end` (seconds, Fractions for exactness) export only the timeline's
    [start, end), as a file that starts at zero: frame i shows timeline time start + i / fps,
    keyframes and trims stay where they are on the timeline, the sound is the mix of the
    same span. None means the timeline's start or end."""
    from editor.core.render import Renderer

    preset = preset if isinstance(preset, Preset) else get_preset(preset)
    out_path = os.fspath(out_path)
    # A snapshot: the editor stays usable (and editable) while a worker exports.
    project = _output_project(copy.deepcopy(project), preset)
    settings = project.settings
    if project.frame_count <= 0:
        raise StyleCutError(out_path, "nothing to export: the timeline is empty")
    origin, total = export_range(project, start, end)
    if total <= 0:
        length = Fraction(project.frame_count) / settings.fps
        raise StyleCutError(out_path, f"the range {_seconds(start, 0)}-{_seconds(end, length)} s holds no frame "
                                      f"of the timeline (0-{float(length):.3f} s)")
    whole = origin == 0 and total == project.frame_count
    check_target(out_path, preset, settings)
    target = os.path.realpath(out_path)
    for _, clip in project.clips():
        if os.path.exists(clip.media) and os.path.realpath(clip.media) == target:
            raise StyleCutError(out_path, f"is the media of clip {clip.id}; exporting over it "
                                          f"would destroy it")
    own_pool = pool is None
    pool = pool or MediaPool(cache_bytes=_EXPORT_CACHE_BYTES)
    renderer = Renderer(project, pool=pool, registry=registry)

    copier = None
    errors: list[str] = []
    try:
        with encoded_output(out_path, preset.container) as output:
            video = add_video_stream(output, settings, preset)
            # a part of the timeline is always mixed: copied packets would not start at its start
            candidate = passthrough_candidate(project, pool, preset) if whole else None
            encoder = None
            if candidate is not None:
                copier = AudioCopier(output, candidate[1], Fraction(total) / settings.fps)
                audio_mode = "passthrough"
            elif _audible_clips(project, pool):
                encoder = AudioEncoder(output, project, preset, pool, origin)
                audio_mode = "mixed"
            else:
                audio_mode = "none"
            reformatter = VideoReformatter()
            passthrough = VideoReformatter()
            media_of = {clip.id: clip.media for _, clip in project.clips()}
            copied = 0
            for i in range(total):
                if _cancel_requested(cancel):
                    raise Cancelled()
                t = origin + Fraction(i) / settings.fps
                result = renderer.render(t)
                for err in result.errors or ():
                    text = str(err)
                    if text not in errors:
                        errors.append(text)
                decoded = _untouched_source_frame(result, media_of, pool) if copy_through \
                    else None
                if decoded is not None:
                    frame = passthrough.reformat(decoded, format=preset.pixel_format)
                    frame.pict_type = av.video.frame.PictureType.NONE
                    copied += 1
                else:
                    frame = reformatter.reformat(rgb_frame(result.frame),
                                                 format=preset.pixel_format)
                frame.pts = i
                frame.time_base = video.codec_context.time_base
                for pkt in video.encode(frame):
                    output.mux(pkt)
                if encoder is not None:
                    encoder.encode_frame_span(i)
                if copier is not None:
                    copier.mux_until(Fraction(i + 1) / settings.fps)
                if progress is not None:
                    progress(i + 1, total)
            for pkt in video.encode(None):
                output.mux(pkt)
            if encoder is not None:
                encoder.flush()
            if copier is not None:
                copier.mux_until(None)
    finally:
        if copier is not None:
            copier.close()
        if own_pool:
            pool.close()
    return ExportResult(path=out_path, preset=preset.name, frames=total,
                        duration=Fraction(total) / settings.fps, width=settings.width,
                        height=settings.height, audio=audio_mode, errors=errors,
                        copied_frames=copied)
