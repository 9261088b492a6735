"""Emulated playback: which frames a phone would show, and when, for a given inference time.

The camera delivers frame i at time i / fps. Whenever the phone is idle it starts inference on
the newest frame; the result is shown when inference finishes; frames that arrive while it is
busy are dropped (as a camera pipeline that discards late frames does). A frame arriving at the
very instant inference finishes finds the phone idle. With `keep_latest`, the camera keeps the
newest frame that arrived while busy in a one-slot buffer and the phone starts on it as soon as
it is done (lower shown-frame latency on paper, older frames on screen).

All times are exact fractions: no wall clock, no float drift, the same schedule every run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction


@dataclass
class Shown:
    source_frame: int          # index of the camera frame the result was computed from
    start: Fraction            # inference start (s)
    done: Fraction             # result on screen (s)


@dataclass
class Playback:
    fps: Fraction
    frames: int
    shown: list = field(default_factory=list)        # Shown, in order
    ticks: list = field(default_factory=list)        # per display tick: source frame on screen or None

    @property
    def duration(self) -> Fraction:
        return Fraction(self.frames) / self.fps

    @property
    def processed(self) -> int:
        return len(self.shown)

    @property
    def dropped(self) -> int:
        return self.frames - self.processed

    @property
    def shown_fps(self) -> float:
        """Results that reach the screen per second of clip (results after its end not counted)."""
        if not self.frames:
            return 0.0
        on_time = sum(1 for s in self.shown if s.done <= self.duration)
        return float(on_time / self.duration)

    def latencies(self) -> list:
        """Seconds from a frame's arrival to its result on screen."""
        return [s.done - Fraction(s.source_frame) / self.fps for s in self.shown]

    def mean_latency_ms(self) -> float:
        lat = self.latencies()
        return float(sum(lat) / len(lat)) * 1000 if lat else 0.0

    def to_json(self) -> dict:
        lat = self.latencies()
        return {"fps": float(self.fps), "frames": self.frames, "processed": self.processed,
                "dropped": self.dropped, "shown_fps": round(self.shown_fps, 4),
                "mean_latency_ms": round(self.mean_latency_ms(), 4),
                "max_latency_ms": round(float(max(lat)) * 1000, 4) if lat else 0.0,
                "ticks": self.ticks}


def _exact(seconds) -> Fraction:
    return seconds if isinstance(seconds, Fraction) else Fraction(seconds)


def inference_time(base_ms: float, elapsed: Fraction, throttle: dict | None) -> Fraction:
    """Inference time at a moment of sustained load; after `after_s` seconds, `factor` slower."""
    t = Fraction(base_ms) / 1000
    if throttle and elapsed >= Fraction(throttle["after_s"]):
        t *= Fraction(throttle["factor"])
    return t


def simulate(inference_ms: float, fps, frames: int, throttle: dict | None = None,
             keep_latest: bool = False) -> Playback:
    """Schedule `frames` camera frames at `fps` through a phone taking `inference_ms` a frame."""
    fps = _exact(Fraction(fps))
    if fps <= 0:
        raise ValueError("fps must be positive")
    if inference_ms <= 0:
        raise ValueError("inference time must be positive")
    pb = Playback(fps=fps, frames=frames)
    next_frame = 0          # the first frame not yet seen by the phone
    free_at = Fraction(0)   # when the phone becomes idle
    while next_frame < frames:
        arrival = Fraction(next_frame) / fps
        if arrival >= free_at:
            frame = next_frame
            start = arrival
        elif keep_latest:
            # The newest frame that arrived while busy (arrival <= free_at) waits in the slot.
            frame, start = min(frames - 1, int(free_at * fps)), free_at
        else:
            # Busy: frames arriving before free_at are dropped; the next one at or after it runs.
            frame = int(-(-free_at * fps // 1))   # ceil
            if frame >= frames:
                break
            start = Fraction(frame) / fps
        done = start + inference_time(inference_ms, start, throttle)
        pb.shown.append(Shown(frame, start, done))
        free_at = done
        next_frame = frame + 1
    pb.ticks = _ticks(pb)
    return pb


def _ticks(pb: Playback) -> list:
    """For display tick k (time k / fps): the source frame of the newest result on screen."""
    out, j, current = [], 0, None
    for k in range(pb.frames):
        t = Fraction(k) / pb.fps
        while j < len(pb.shown) and pb.shown[j].done <= t:
            current = pb.shown[j].source_frame
            j += 1
        out.append(current)
    return out
