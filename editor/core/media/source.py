"""MediaSource: the frames of one video file, by index or time, exactly.

Random access seeks to the keyframe at or before the wanted frame and decodes forward until the
decoder hands out the frame whose timestamp the index lists for it, so frame i is the same
picture however it is reached. Asking for the frame after the last one returned simply keeps
decoding (the sequential path), which is what playback and export do.

Colour conversion goes through one VideoReformatter per source: it keeps its swscale context,
where a fresh converter per frame costs milliseconds. Frames come out as RGB uint8 HxWx3, turned
upright when the file carries a display rotation.

A damaged file serves the frames it has; `warning` says what is wrong with it.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterator

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from editor.core.media.cache import FrameCache
from editor.core.media.opening import open_container
from editor.core.media.probe import scan
from editor.errors import MediaError

# Seeks that land after the wanted frame are retried from an earlier keyframe this often.
_MAX_SEEK_RETRIES = 6
# Decoder threading (see MediaSource._thread_type): slice threads for GOPs this short or
# shorter (frames per keyframe, on average) at sizes up to this many pixels.
_SHORT_GOP = 32
_SLICE_THREAD_PIXELS = 1920 * 1088


@dataclass(frozen=True)
class Frame:
    index: int
    pts: int
    time: Fraction          # seconds from the clip's first frame
    rgb: np.ndarray         # HxWx3 uint8, read-only when it may be shared through a cache


class MediaSource:
    def __init__(self, path: str | os.PathLike, cache: FrameCache | None = None,
                 scanned=None):
        # `scanned`: the (MediaInfo, VideoIndex) of an earlier scan of this file, to skip a second.
        if scanned is not None and scanned[1] is not None:
            self.info, self.index = scanned
        else:
            self.info, self.index = scan(path, need_video=True)
        self.path = self.info.path
        self.video = self.info.video
        self.warning: str | None = "; ".join(self.info.warnings) or None
        self._cache = cache
        self._lock = threading.RLock()
        self._container = None
        self._stream = None
        self._decoded: Iterator | None = None
        self._next: int | None = None          # index the decoder reaches next, when known
        self._want_pts: int | None = None      # timestamp of the frame being decoded toward
        self._reformatter = VideoReformatter()
        self._origin = self.index.pts[0]
        self._tb = self.video.time_base
        gaps = self.index.deltas()
        typical = int(np.median(gaps)) if len(gaps) else self.index.last_duration
        # Timestamps in coarse time bases are rounded; one tick of slack finds the right frame,
        # but never more than a quarter frame so the next frame is never picked early.
        self._slack = min(Fraction(1), Fraction(max(typical, 1), 4))
        self.decode_errors = 0
        self.pictures_decoded = 0              # pictures the decoder made (skipped ones are not)
        # The latest RGB picture made here and the decoded frame it came from, so an exporter
        # handed that very array back can encode the original picture (see decoded_frame_of).
        self._last: tuple[np.ndarray | None, object] = (None, None)

    # -- description -------------------------------------------------------------------
    @property
    def frame_count(self) -> int:
        return len(self.index)

    @property
    def fps(self) -> Fraction:
        return self.video.fps

    @property
    def duration(self) -> Fraction:
        return self.video.duration

    @property
    def width(self) -> int:
        return self.video.display_width

    @property
    def height(self) -> int:
        return self.video.display_height

    @property
    def rotation(self) -> int:
        return self.video.rotation

    def time_of(self, i: int) -> Fraction:
        """Seconds from the first frame to frame `i`."""
        return (self.index.pts[i] - self._origin) * self._tb

    def index_at_time(self, t: Fraction | float) -> int:
        """The frame on screen `t` seconds after the first frame (clamped to the clip)."""
        ticks = Fraction(t) / self._tb + self._origin + self._slack
        return self.index.index_at_pts(ticks)

    # -- frames ------------------------------------------------------------------------
    def frame_at_time(self, t: Fraction | float, use_cache: bool = True) -> Frame:
        return self.frame(self.index_at_time(t), use_cache)

    def frame(self, i: int, use_cache: bool = True) -> Frame:
        """Frame number `i` (0-based, presentation order) as RGB."""
        if not 0 <= i < len(self.index):
            raise IndexError(f"{self.path}: frame {i} is outside 0..{len(self.index) - 1}")
        key = (self.path, i)
        if use_cache and self._cache is not None:
            rgb = self._cache.get(key)
            if rgb is not None:
                return Frame(i, self.index.pts[i], self.time_of(i), rgb)
        with self._lock:
            decoded = self._decode(i)
            rgb = self._to_rgb(decoded)
            if not self.video.rotation:
                self._last = (rgb, decoded)
        if use_cache and self._cache is not None:
            self._cache.put(key, rgb)
        return Frame(i, self.index.pts[i], self.time_of(i), rgb)

    def decoded_frame_of(self, rgb: np.ndarray):
        """The decoded av.VideoFrame that `rgb` (this very array, not a copy) was converted
        from, when it is the latest one made; else None. Rotated clips never qualify."""
        last_rgb, decoded = self._last
        return decoded if last_rgb is not None and rgb is last_rgb else None

    def frames(self, start: int = 0, stop: int | None = None,
               use_cache: bool = False) -> Iterator[Frame]:
        """Frames start..stop-1 in order, decoding straight through after one seek."""
        stop = len(self.index) if stop is None else min(stop, len(self.index))
        for i in range(max(start, 0), stop):
            yield self.frame(i, use_cache)

    def close(self) -> None:
        with self._lock:
            self._decoded = None
            self._next = None
            if self._container is not None:
                self._container.close()
                self._container = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- decoding ----------------------------------------------------------------------
    def _open(self):
        if self._container is None:
            self._container = open_container(self.path)
            self._stream = self._container.streams[self.video.stream_index]
            self._stream.thread_type = self._thread_type()

    def _thread_type(self) -> str:
        """Frame threading decodes several pictures at once, the most throughput, but each
        seek first refills its pipeline; slice threading splits one picture (when the encoder
        made several slices) and costs no latency. Random access into a short GOP decodes a
        handful of pictures, where latency decides: a keyframe every 12 frames of sliced 720p
        H.264 is served in about half the time. Long GOPs, and pictures too large for one
        thread to decode in real time, keep frame threading."""
        keys = sum(self.index.keyframe)
        short_gop = keys > 1 and len(self.index) / keys <= _SHORT_GOP
        small = self.video.width * self.video.height <= _SLICE_THREAD_PIXELS
        return "SLICE" if short_gop and small else "AUTO"

    def _decoded_frames(self):
        """Decoded frames from the current position; damaged packets are skipped, not fatal.

        Pictures before the wanted frame that no other picture refers to (most B-frames) are
        not decoded at all: a seek decodes forward from a keyframe, and in a long GOP those
        pictures are up to half of the work. Frames at or after the wanted one are always
        decoded, so every frame that is handed out is complete."""
        stream = self._stream
        codec = stream.codec_context
        skipping = False
        try:
            for packet in self._container.demux(stream):
                want = self._want_pts
                skip = (want is not None and packet.pts is not None and not packet.is_keyframe
                        and packet.pts + self._slack < want)
                if skip != skipping:
                    codec.skip_frame = "NONREF" if skip else "DEFAULT"
                    skipping = skip
                try:
                    frames = stream.decode(packet)
                except av.FFmpegError:
                    self.decode_errors += 1
                    continue
                self.pictures_decoded += len(frames)
                yield from frames
        except av.FFmpegError:
            self.decode_errors += 1

    def _advance_to(self, i: int):
        """Decode forward until frame `i`; None when the decoder passes or runs out before it."""
        self._want_pts = self.index.pts[i]
        for f in self._decoded:
            j = None if f.pts is None else self.index.index_of_pts(f.pts)
            if j is None:
                continue
            self._next = j + 1
            if j == i:
                return f
            if j > i:
                return None
        self._decoded = None
        self._next = None
        return None

    def _seek_to_key(self, key: int) -> None:
        self._container.seek(self.index.pts[key], stream=self._stream, backward=True,
                             any_frame=False)
        self._decoded = self._decoded_frames()
        self._next = None

    def _restart_from_top(self) -> None:
        """Decode from the first byte again: a seek to the start is not exact in every
        container (MPEG-TS lands a GOP late), reopening always is."""
        if self._container is not None:
            self._container.close()
            self._container = None
        self._open()
        self._decoded = self._decoded_frames()
        self._next = None

    def _decode(self, i: int):
        self._open()
        if (self._decoded is not None and self._next is not None and self._next <= i
                and self.index.key_before(i) <= self._next):
            frame = self._advance_to(i)
            if frame is not None:
                return frame
        key = self.index.key_before(i)
        for _ in range(_MAX_SEEK_RETRIES):
            if key == 0:
                break
            self._seek_to_key(key)
            frame = self._advance_to(i)
            if frame is not None:
                return frame
            # The demuxer landed after the frame (imprecise seeking, or keyframe timestamps
            # that differ from its seek index): start one keyframe earlier.
            key = self.index.key_before(key - 1)
        self._restart_from_top()
        frame = self._advance_to(i)
        if frame is not None:
            return frame
        raise MediaError(self.path, f"frame {i} cannot be decoded (damaged data)")

    def _to_rgb(self, frame) -> np.ndarray:
        rgb = self._reformatter.reformat(frame, format="rgb24").to_ndarray()
        if self.video.rotation:
            rgb = np.ascontiguousarray(np.rot90(rgb, self.video.rotation // 90))
        return rgb
