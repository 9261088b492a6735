"""probe(path) -> MediaInfo: what a media file holds, checked well enough to trust it.

Probing reads every video packet (no decoding) to count frames exactly and to detect a
variable frame rate, then decodes the first frame to prove the codec works and to read the
display rotation. Still images (PNG, JPEG, ...) are rejected with a clear error: a timeline
clip needs a duration, and a picture has none.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from fractions import Fraction

import av

from editor.core.media.index import VideoIndex, build_index
from editor.core.media.opening import STILL_IMAGE_FORMATS, open_container
from editor.errors import MediaError


@dataclass(frozen=True)
class StreamInfo:
    index: int
    kind: str              # "video", "audio", "subtitle", "data", ...
    codec: str | None      # None when FFmpeg has no decoder for it


@dataclass(frozen=True)
class VideoInfo:
    stream_index: int
    codec: str
    width: int                      # as stored
    height: int
    rotation: int                   # degrees counter-clockwise to turn stored frames for display
    pixel_format: str | None
    fps: Fraction                   # average frame rate
    frame_count: int
    duration: Fraction              # seconds, first frame shown to last frame gone
    start_time: Fraction            # seconds, presentation time of the first frame
    variable_frame_rate: bool
    time_base: Fraction

    @property
    def display_width(self) -> int:
        return self.height if self.rotation in (90, 270) else self.width

    @property
    def display_height(self) -> int:
        return self.width if self.rotation in (90, 270) else self.height


@dataclass(frozen=True)
class AudioInfo:
    stream_index: int
    codec: str
    sample_rate: int
    channels: int
    layout: str
    sample_format: str
    duration: Fraction | None       # seconds, when the container says
    start_time: Fraction            # seconds


@dataclass(frozen=True)
class MediaInfo:
    path: str
    container: str
    size_bytes: int
    duration: Fraction
    streams: tuple[StreamInfo, ...]
    video: VideoInfo | None
    audio: AudioInfo | None
    warnings: tuple[str, ...] = field(default=())

    @property
    def has_video(self) -> bool:
        return self.video is not None

    @property
    def has_audio(self) -> bool:
        return self.audio is not None

    @property
    def truncated(self) -> bool:
        return any("truncated" in w for w in self.warnings)

    def to_dict(self) -> dict:
        """Plain JSON-ready data; rationals become "num/den" strings."""
        def plain(value):
            if isinstance(value, Fraction):
                return f"{value.numerator}/{value.denominator}"
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return [plain(v) for v in value]
            return value
        data = plain(asdict(self))
        if self.video:
            data["video"]["display_width"] = self.video.display_width
            data["video"]["display_height"] = self.video.display_height
            data["video"]["fps_float"] = float(self.video.fps)
            data["video"]["duration_seconds"] = float(self.video.duration)
        data["duration_seconds"] = float(self.duration)
        return data


def _codec_name(stream) -> str | None:
    ctx = stream.codec_context
    return ctx.name if ctx is not None else None


def _rotation_from(frame, stream) -> int:
    """Counter-clockwise display rotation, a multiple of 90, from the display matrix or tag."""
    angle = None
    try:
        angle = frame.rotation
    except (AttributeError, ValueError):
        angle = None
    if not angle:
        tag = stream.metadata.get("rotate")
        if tag:
            try:
                angle = -int(float(tag))  # the old tag counts clockwise
            except ValueError:
                angle = 0
    return int(round((angle or 0) / 90.0)) * 90 % 360


def _first_frame(path, container, stream):
    container.seek(0)
    try:
        for packet in container.demux(stream):
            try:
                frames = stream.decode(packet)
            except av.FFmpegError:
                continue
            if frames:
                return frames[0]
    except av.FFmpegError as exc:
        raise MediaError(path, f"its video cannot be read ({exc.strerror or exc})") from None
    raise MediaError(path, f"its {stream.codec_context.name} video cannot be decoded")


def _video_info(path, container, stream) -> tuple[VideoInfo, VideoIndex]:
    codec = _codec_name(stream)
    if codec is None:
        raise MediaError(path, f"video stream {stream.index} uses a codec this program cannot "
                               f"decode (unknown or unsupported codec)")
    stream.thread_type = "AUTO"
    index = build_index(path, container, stream)
    frame = _first_frame(path, container, stream)
    tb = Fraction(stream.time_base)
    first, last = index.pts[0], index.pts[-1]
    duration = (last - first + index.last_duration) * tb
    count = len(index)
    deltas = index.deltas()
    # A tick of jitter is rounding, not a rate change.
    vfr = bool(len(deltas) > 1 and int(deltas.max()) - int(deltas.min()) > 1)
    rate = stream.average_rate or stream.guessed_rate
    if vfr or not rate or index.truncated:
        rate = Fraction(count) / duration if duration > 0 else Fraction(rate or 25)
        rate = rate.limit_denominator(1001 * 1000)
    info = VideoInfo(
        stream_index=stream.index, codec=codec,
        width=frame.width, height=frame.height, rotation=_rotation_from(frame, stream),
        pixel_format=frame.format.name if frame.format else None,
        fps=Fraction(rate), frame_count=count, duration=duration, start_time=first * tb,
        variable_frame_rate=vfr, time_base=tb)
    return info, index


def _audio_info(stream) -> AudioInfo | None:
    ctx = stream.codec_context
    if ctx is None or not ctx.sample_rate:
        return None
    tb = Fraction(stream.time_base) if stream.time_base else Fraction(1, ctx.sample_rate)
    duration = stream.duration * tb if stream.duration else None
    return AudioInfo(
        stream_index=stream.index, codec=ctx.name, sample_rate=ctx.sample_rate,
        channels=ctx.layout.nb_channels, layout=ctx.layout.name,
        sample_format=ctx.format.name if ctx.format else "", duration=duration,
        start_time=(stream.start_time or 0) * tb)


def scan(path: str | os.PathLike, need_video: bool = False) -> tuple[MediaInfo, VideoIndex | None]:
    """Probe `path` and also return the frame index of its video stream (None without video)."""
    path = os.fspath(path)
    container = open_container(path)
    try:
        fmt = container.format.name
        if fmt in STILL_IMAGE_FORMATS:
            raise MediaError(path, "is a still image, not a video clip; stills are not supported "
                                   "on the timeline")
        streams = tuple(StreamInfo(s.index, s.type, _codec_name(s)) for s in container.streams)
        videos = [s for s in container.streams.video
                  if not (s.disposition & av.stream.Disposition.attached_pic)]
        audios = [s for s in container.streams.audio]
        if not videos and not audios:
            raise MediaError(path, "holds no video or audio stream")
        if need_video and not videos:
            raise MediaError(path, "has no video stream (it is audio only)")
        video = index = None
        warnings = []
        if videos:
            video, index = _video_info(path, container, videos[0])
            if index.problem:
                warnings.append(index.problem)
        audio = None
        for s in audios:
            audio = _audio_info(s)
            if audio:
                break
        if audios and audio is None:
            if not videos:
                raise MediaError(path, "its audio uses a codec this program cannot decode")
            warnings.append("its audio codec cannot be decoded; the clip is silent")
        if video is not None:
            duration = video.duration
        elif audio is not None and audio.duration:
            duration = audio.duration
        else:
            duration = Fraction(container.duration or 0, av.time_base)
        info = MediaInfo(path=os.path.abspath(path), container=fmt,
                         size_bytes=os.path.getsize(path), duration=duration, streams=streams,
                         video=video, audio=audio, warnings=tuple(warnings))
        return info, index
    finally:
        container.close()


def probe(path: str | os.PathLike, need_video: bool = False) -> MediaInfo:
    """Describe the media file at `path`; raise MediaError naming the file if it is unusable."""
    return scan(path, need_video)[0]
