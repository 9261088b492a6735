"""Encoder settings for `stylecut apply`: CPU per frame, file size and quality, side by side.

The pictures are what apply encodes: every frame of bigbuckbunny.mp4 (1280x720, 132 frames)
stylized at 360 with phone-int8, as 4:2:0 planes, made once and kept in memory. Each x264
setting encodes them; the file is decoded back and compared with those uncompressed planes
(PSNR of Y and of Y, Cb, Cr weighted 4:1:1 by sample count), so a faster setting is judged by
what it costs in quality and bytes, not only by its speed.

    .venv/bin/python bench/bench_apply_encoder.py [--style ID] [--crf 20] [--frames N]
        [--settings 'veryfast;veryfast,threads=2;superfast']

A setting is an x264 preset name followed by optional `key=value` encoder options. CPU is the
process's CPU time over the encode (x264's own threads included), so threading overhead shows;
the ratio column compares it with the first setting measured in the same run.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

BUNNY = REPO.parent / "shared" / "media" / "bigbuckbunny.mp4"
DEFAULT_SETTINGS = ("superfast;superfast,crf=22;superfast,crf=23;veryfast;veryfast,threads=1;veryfast,threads=2;"
                    "veryfast,x264-params=subme=1;veryfast,crf=18;veryfast,tune=fastdecode;faster;ultrafast;medium")


def stylized_planes(style: str, frames: int | None) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(Y, Cb, Cr) of every stylized frame, as apply's plane path makes them."""
    import av
    from av.video.reformatter import Interpolation

    from editor.cli.cmd_apply import style_params
    from plugins.style_transfer import StyleTransfer

    params = style_params(style, 1.0, "phone-int8", 360)
    effect = StyleTransfer()
    out = []
    with av.open(str(BUNNY)) as container:
        for frame in container.decode(video=0):
            ph, pw = effect.processing_size(frame.height, frame.width, params)
            small = frame.reformat(width=pw, height=ph, format="rgb24",
                                   interpolation=Interpolation.AREA).to_ndarray()
            plane = frame.planes[0]
            luma = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:frame.height, :frame.width]
            out.append(tuple(np.array(p) for p in effect.stylize_planes(small, np.ascontiguousarray(luma),
                                                                          params)))
            if frames and len(out) == frames:
                break
    return out


def parse_setting(text: str) -> tuple[str, dict]:
    preset, *rest = [part.strip() for part in text.split(",")]
    return preset, dict(item.split("=", 1) for item in rest)


def encode(planes, path: str, preset: str, options: dict, crf: str) -> float:
    """Encode the planes; returns the CPU seconds it took (all threads of the process)."""
    import av

    height, width = planes[0][0].shape
    cpu0 = time.process_time()
    with av.open(path, "w") as output:
        stream = output.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": preset, "crf": crf, **options}
        for i, (y, u, v) in enumerate(planes):
            frame = av.VideoFrame(width, height, "yuv420p")
            for k, data in enumerate((y, u, v)):
                p = frame.planes[k]
                np.frombuffer(p, np.uint8).reshape(-1, p.line_size)[:data.shape[0], :data.shape[1]] = data
            frame.pts = i
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return time.process_time() - cpu0


def psnr(path: str, planes) -> tuple[float, float]:
    """(PSNR of Y, PSNR of YCbCr weighted by sample count) of the file against `planes`."""
    import av

    sums = np.zeros(3)
    counts = np.zeros(3)
    with av.open(path) as container:
        for frame, ref in zip(container.decode(video=0), planes):
            for k, want in enumerate(ref):
                p = frame.planes[k]
                got = np.frombuffer(p, np.uint8).reshape(-1, p.line_size)[:want.shape[0], :want.shape[1]]
                d = got.astype(np.int32) - want
                sums[k] += float(np.dot(d.ravel(), d.ravel()))
                counts[k] += d.size

    def db(mse: float) -> float:
        return 99.0 if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)

    return db(sums[0] / counts[0]), db(sums.sum() / counts.sum())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--style", default="cobalt-and-gold")
    ap.add_argument("--crf", default="20")
    ap.add_argument("--frames", type=int, default=0, help="only the first N frames (default: all)")
    ap.add_argument("--settings", default=DEFAULT_SETTINGS, help="';'-separated settings")
    args = ap.parse_args()
    if not BUNNY.is_file():
        print(f"bench_apply_encoder: {BUNNY} is missing", file=sys.stderr)
        return 2
    planes = stylized_planes(args.style, args.frames or None)
    n = len(planes)
    print(f"{n} stylized frames of {BUNNY.name} ({args.style}, phone-int8 @360), x264 CRF {args.crf}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'setting':<34}{'cpu ms/f':>9}{'x first':>8}{'kB/f':>7}{'PSNR Y':>8}{'PSNR YUV':>9}")
    first = None
    with tempfile.TemporaryDirectory() as tmp:
        for text in args.settings.split(";"):
            preset, options = parse_setting(text)
            path = os.path.join(tmp, "out.mp4")
            cpu = encode(planes, path, preset, options, args.crf) / n * 1000
            first = first or cpu
            y, yuv = psnr(path, planes)
            print(f"{text:<34}{cpu:>9.1f}{cpu / first:>8.2f}{os.path.getsize(path) / n / 1000:>7.1f}"
                  f"{y:>8.2f}{yuv:>9.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
