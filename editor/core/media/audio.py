"""AudioSource: a file's audio, decoded and resampled to the project format, for any range.

Samples come out as float32 planar arrays shaped (channels, n) at the project's sample rate,
positioned on the file's own clock: sample 0 is the moment the first video frame is shown (for
an audio-only file, the first audio sample), so linked audio stays in sync with its picture.
Before the audio starts and after it ends there is silence.

Reading consecutive ranges (export, playback) decodes straight through; a jump backwards or far
forwards seeks. The file is opened separately from any video decoding: a container that
decodes video drops the audio packets it demuxes.
"""

from __future__ import annotations

import os
import threading
from fractions import Fraction

import av
import numpy as np

from editor.core.media.opening import open_container
from editor.core.media.probe import MediaInfo, probe
from editor.errors import MediaError

# Reading further ahead than this past what is decoded seeks instead of decoding through.
_SEEK_AHEAD_SECONDS = 2
# Seek this far before the wanted time: demuxers land on packet boundaries, never after.
_SEEK_MARGIN_SECONDS = Fraction(1, 2)


def layout_name(channels: int) -> str:
    return {1: "mono", 2: "stereo", 6: "5.1", 8: "7.1"}.get(channels) or \
        av.AudioLayout(channels).name


class AudioSource:
    def __init__(self, path: str | os.PathLike, sample_rate: int = 48000, channels: int = 2,
                 info: MediaInfo | None = None):
        self.info = info or probe(path)
        self.path = self.info.path
        if self.info.audio is None:
            raise MediaError(self.path, "has no audio stream")
        self.sample_rate = int(sample_rate)
        self.channels = int(channels)
        self.layout = layout_name(self.channels)
        a = self.info.audio
        self._origin = self.info.video.start_time if self.info.video else a.start_time
        self._lock = threading.Lock()
        self._container = None
        self._stream = None
        self._frames = None
        self._resampler = None
        self._buf = np.zeros((self.channels, 0), np.float32)
        self._buf_start = 0          # project-rate sample index (from the origin) of _buf[:, 0]
        self._eof = False
        self.seeks = 0

    @property
    def duration_samples(self) -> int:
        """Length of the audio from the origin, in project-rate samples, when known."""
        a = self.info.audio
        length = a.duration if a.duration else self.info.duration
        return round((a.start_time + length - self._origin) * self.sample_rate)

    def read_seconds(self, start: Fraction, duration: Fraction) -> np.ndarray:
        first = round(Fraction(start) * self.sample_rate)
        return self.read(first, round(Fraction(start + duration) * self.sample_rate) - first)

    def read(self, start: int, n: int) -> np.ndarray:
        """Samples [start, start + n) in the project format, silence where there is no audio."""
        out = np.zeros((self.channels, max(n, 0)), np.float32)
        if n <= 0:
            return out
        with self._lock:
            end = start + n
            buf_end = self._buf_start + self._buf.shape[1]
            if (self._frames is None and not self._eof) or start < self._buf_start or \
                    start > buf_end + _SEEK_AHEAD_SECONDS * self.sample_rate:
                self._seek(start)
            while (self._buf_start is None or self._buf_start + self._buf.shape[1] < end) \
                    and not self._eof:
                self._pull()
            if self._buf_start is None:
                return out
            lo = max(start, self._buf_start)
            hi = min(end, self._buf_start + self._buf.shape[1])
            if hi > lo:
                out[:, lo - start:hi - start] = self._buf[:, lo - self._buf_start:hi - self._buf_start]
            # Keep only what a following read can still want.
            drop = max(0, min(start, self._buf_start + self._buf.shape[1]) - self._buf_start)
            if drop:
                self._buf = self._buf[:, drop:]
                self._buf_start += drop
        return out

    def close(self) -> None:
        with self._lock:
            self._frames = None
            if self._container is not None:
                self._container.close()
                self._container = None

    # -- decoding ----------------------------------------------------------------------
    def _open(self):
        if self._container is None:
            self._container = open_container(self.path)
            self._stream = self._container.streams[self.info.audio.stream_index]

    def _seek(self, start: int) -> None:
        self._open()
        self.seeks += 1
        target = self._origin + Fraction(start, self.sample_rate) - _SEEK_MARGIN_SECONDS
        tb = Fraction(self._stream.time_base)
        first_pts = self.info.audio.start_time / tb
        ts = int(target / tb)
        if ts <= first_pts:
            self._from_top()
            return
        self._container.seek(ts, stream=self._stream, backward=True, any_frame=False)
        self._restart_decoding()
        self._pull()
        if self._buf_start is not None and self._buf_start > start:
            # Landed after the wanted sample (imprecise seeking, e.g. MPEG-TS): decode through.
            self._from_top()

    def _from_top(self) -> None:
        # Open afresh rather than seek to 0: after a seek to the start, demuxers no longer drop
        # the encoder's priming samples, which would shift the sound late.
        self._container.close()
        self._container = None
        self._open()
        self._restart_decoding()

    def _restart_decoding(self) -> None:
        self._frames = self._decoded()
        self._resampler = av.AudioResampler(format="fltp", layout=self.layout,
                                            rate=self.sample_rate)
        self._buf = np.zeros((self.channels, 0), np.float32)
        self._buf_start = None
        self._eof = False

    def _decoded(self):
        try:
            for packet in self._container.demux(self._stream):
                try:
                    yield from self._stream.decode(packet)
                except av.FFmpegError:
                    continue  # a damaged packet is a moment of silence, not a failure
        except av.FFmpegError:
            return

    def _position_of(self, frame) -> int | None:
        if frame.pts is None or frame.time_base is None:
            return None
        return round((frame.pts * Fraction(frame.time_base) - self._origin) * self.sample_rate)

    def _append(self, frames, position: int | None) -> None:
        chunks = [f.to_ndarray() for f in frames]
        if not chunks:
            return
        data = np.concatenate(chunks, axis=1).astype(np.float32, copy=False)
        if self._buf_start is None:
            self._buf_start = position if position is not None else 0
            self._buf = data
            return
        buf_end = self._buf_start + self._buf.shape[1]
        if position is not None and position - buf_end > self.sample_rate // 100:
            # A gap in the stream's timestamps is silence.
            gap = np.zeros((self.channels, position - buf_end), np.float32)
            self._buf = np.concatenate([self._buf, gap, data], axis=1)
        else:
            self._buf = np.concatenate([self._buf, data], axis=1)

    def _pull(self) -> None:
        """Decode one more frame into the buffer (or flush at the end)."""
        frame = next(self._frames, None)
        if frame is None:
            self._append(self._resampler.resample(None), None)
            self._eof = True
            self._frames = None
            if self._buf_start is None:
                self._buf_start = 0
            return
        position = self._position_of(frame)
        self._append(self._resampler.resample(frame), position)
