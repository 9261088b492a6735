"""Random access cost: median time to fetch one random frame vs decoding 12 frames in a row.

A copy of bigbuckbunny.mp4 with a keyframe every 25 frames (x264, B-frames on) is made first.
Baseline: a bare PyAV sequential decode of the whole clip, per frame, times 12 (the average
distance from a keyframe to a random frame in a 25-frame GOP). Measured: MediaSource.frame(i)
for random i with the cache off, RGB conversion included. Target: ratio <= 2.

    .venv/bin/python bench/bench_random_access.py [--clip PATH] [--samples N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from editor.core.media.source import MediaSource  # noqa: E402


def transcode_with_gop(src: str, dst: str, gop: int) -> None:
    with av.open(src) as inp, av.open(dst, "w") as out:
        vin = inp.streams.video[0]
        vout = out.add_stream("libx264", rate=vin.average_rate)
        vout.width, vout.height = vin.codec_context.width, vin.codec_context.height
        vout.pix_fmt = "yuv420p"
        vout.codec_context.time_base = 1 / Fraction(vin.average_rate)
        vout.options = {"preset": "veryfast", "crf": "20",
                        "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0"}
        for i, frame in enumerate(inp.decode(vin)):
            frame.pts, frame.time_base = i, vout.codec_context.time_base
            frame.pict_type = av.video.frame.PictureType.NONE
            for p in vout.encode(frame):
                out.mux(p)
        for p in vout.encode(None):
            out.mux(p)


def sequential_per_frame(path: str) -> float:
    with av.open(path) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        t0 = time.perf_counter()
        n = sum(1 for _ in c.decode(s))
        return (time.perf_counter() - t0) / n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", default=str(REPO.parent / "shared" / "media" / "bigbuckbunny.mp4"))
    ap.add_argument("--samples", type=int, default=60)
    ap.add_argument("--gop", type=int, default=25)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clip = str(Path(tmp) / "gop.mp4")
        transcode_with_gop(args.clip, clip, args.gop)
        src = MediaSource(clip)
        keys = sum(src.index.keyframe)
        print(f"clip: {src.width}x{src.height}, {src.frame_count} frames, {keys} keyframes")
        seq = [sequential_per_frame(clip) for _ in range(3)]
        per_frame = statistics.median(seq)
        baseline = 12 * per_frame
        rng = random.Random(5)
        times = []
        for _ in range(args.samples):
            i = rng.randrange(src.frame_count)
            t0 = time.perf_counter()
            src.frame(i, use_cache=False)
            times.append(time.perf_counter() - t0)
        # Sequential once more, so the baseline brackets the random run on a noisy machine.
        per_frame = statistics.median(seq + [sequential_per_frame(clip)])
        baseline = 12 * per_frame
        med = statistics.median(times)
        print(f"sequential decode: {1000 * per_frame:.2f} ms/frame; 12 frames: "
              f"{1000 * baseline:.1f} ms")
        print(f"random frame (seek + decode + RGB): median {1000 * med:.1f} ms over "
              f"{len(times)} frames (p90 {1000 * sorted(times)[int(0.9 * len(times))]:.1f} ms)")
        print(f"ratio random/12-sequential = {med / baseline:.2f}  (target <= 2)")
        src.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
