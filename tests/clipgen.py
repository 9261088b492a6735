"""Test clips made with PyAV: each frame carries a different picture, so a wrong frame shows."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def picture(i: int, width: int, height: int) -> np.ndarray:
    """A frame whose content depends on `i`: a gradient plus a block that moves with i."""
    y, x = np.mgrid[0:height, 0:width]
    img = np.empty((height, width, 3), np.uint8)
    img[..., 0] = (x * 255 // max(width - 1, 1)).astype(np.uint8)
    img[..., 1] = (y * 255 // max(height - 1, 1)).astype(np.uint8)
    img[..., 2] = (i * 37) % 256
    bx = (i * 7) % max(width - 8, 1)
    img[: min(16, height), bx:bx + 8] = 255
    return img


def make_clip(path: Path, frames: int = 30, size=(64, 48), rate=25, gop: int | None = None,
              codec: str = "libx264", pix_fmt: str = "yuv420p", rotation: int | None = None,
              pts: list[int] | None = None, time_base: Fraction | None = None,
              audio: bool = False, sample_rate: int = 44100, audio_layout: str = "mono",
              faststart: bool = False, bframes: int | None = None) -> Path:
    """Write a clip; `pts` (in `time_base`) gives a variable frame rate."""
    path = Path(path)
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as out:
        vs = out.add_stream(codec, rate=rate)
        vs.width, vs.height = size
        vs.pix_fmt = pix_fmt
        opts = {}
        if gop:
            opts.update(g=str(gop), keyint_min=str(gop), sc_threshold="0")
            if codec == "libx264":
                opts["x264-params"] = f"keyint={gop}:min-keyint={gop}:scenecut=0"
        if bframes is not None:
            opts["bf"] = str(bframes)
        if codec == "libx264":
            opts.setdefault("preset", "ultrafast" if bframes is None else "fast")
        if codec == "libx265":
            opts["x265-params"] = "log-level=error" + (f":keyint={gop}" if gop else "")
        vs.options = opts
        if time_base is not None:
            vs.time_base = time_base
            vs.codec_context.time_base = time_base
        if rotation is not None:
            vs.set_display_rotation(rotation)
        aus = None
        if audio:
            aus = out.add_stream("aac", rate=sample_rate, layout=audio_layout)
        for i in range(frames):
            f = av.VideoFrame.from_ndarray(picture(i, *size), format="rgb24")
            if pts is not None:
                f.pts = pts[i]
                f.time_base = time_base
            else:
                f.pts = i
                f.time_base = Fraction(1) / Fraction(rate)
            for p in vs.encode(f):
                out.mux(p)
        for p in vs.encode():
            out.mux(p)
        if aus is not None:
            total = int(frames / Fraction(rate) * sample_rate)
            write_tone(out, aus, total, sample_rate, audio_layout)
    return path


def write_tone(out, aus, total: int, sample_rate: int, layout: str, freq: float = 440.0):
    channels = av.AudioLayout(layout).nb_channels
    chunk = 1024
    for start in range(0, total, chunk):
        n = min(chunk, total - start)
        t = (np.arange(start, start + n) / sample_rate).astype(np.float64)
        wave = (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
        data = np.repeat(wave[None, :], channels, axis=0)
        af = av.AudioFrame.from_ndarray(data, format="fltp", layout=layout)
        af.sample_rate = sample_rate
        af.pts = start
        af.time_base = Fraction(1, sample_rate)
        for p in aus.encode(af):
            out.mux(p)
    for p in aus.encode():
        out.mux(p)


def make_audio_only(path: Path, seconds: float = 1.0, sample_rate: int = 44100,
                    layout: str = "stereo") -> Path:
    with av.open(str(path), "w") as out:
        aus = out.add_stream("aac", rate=sample_rate, layout=layout)
        write_tone(out, aus, int(seconds * sample_rate), sample_rate, layout)
    return Path(path)


def decode_all(path: Path):
    """(pts list, RGB arrays) of every frame, by a plain PyAV decode; the reference."""
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        pts, imgs = [], []
        for f in c.decode(vs):
            pts.append(f.pts)
            imgs.append(f.to_ndarray(format="rgb24"))
    return pts, imgs
