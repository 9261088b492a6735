"""Frame cache under a 1080p scrub: its bytes never exceed the budget.

Makes a 1920x1080 clip, then scrubs it the way a user drags the playhead: runs forwards and
backwards, jumps, and revisits. After every frame the cache's byte count is checked against
its budget. Prints the peak as a ratio of the budget (must be <= 1), the hit rate, and the
time per frame with the cache against without it (same scrub, same run).

    .venv/bin/python bench/bench_frame_cache.py [--budget-mb N] [--frames N]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from editor.core.media.cache import FrameCache  # noqa: E402
from editor.core.media.source import MediaSource  # noqa: E402


def make_1080p(path: str, frames: int) -> None:
    with av.open(path, "w") as out:
        s = out.add_stream("libx264", rate=25)
        s.width, s.height, s.pix_fmt = 1920, 1080, "yuv420p"
        s.codec_context.time_base = Fraction(1, 25)
        s.options = {"preset": "ultrafast", "x264-params": "keyint=25:min-keyint=25:scenecut=0"}
        y, x = np.mgrid[0:1080, 0:1920]
        base = np.stack([(x * 255 // 1919), (y * 255 // 1079), np.zeros_like(x)], -1).astype(np.uint8)
        for i in range(frames):
            img = base.copy()
            img[..., 2] = (i * 9) % 256
            img[400:600, (i * 30) % 1700:(i * 30) % 1700 + 200] = 255
            f = av.VideoFrame.from_ndarray(img, format="rgb24")
            f.pts, f.time_base = i, Fraction(1, 25)
            for p in s.encode(f):
                out.mux(p)
        for p in s.encode(None):
            out.mux(p)


def scrub_pattern(n: int, steps: int, seed: int = 3) -> list[int]:
    rng = random.Random(seed)
    pos, out = 0, []
    while len(out) < steps:
        move = rng.choice(["fwd", "back", "jump", "stay"])
        if move == "jump":
            pos = rng.randrange(n)
            out.append(pos)
            continue
        run = rng.randint(3, 15)
        d = {"fwd": 1, "back": -1, "stay": 0}[move]
        for _ in range(run):
            pos = min(max(pos + d, 0), n - 1)
            out.append(pos)
    return out[:steps]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget-mb", type=float, default=64)
    ap.add_argument("--frames", type=int, default=75)
    ap.add_argument("--steps", type=int, default=300)
    args = ap.parse_args()
    budget = int(args.budget_mb * 1024 * 1024)
    with tempfile.TemporaryDirectory() as tmp:
        clip = str(Path(tmp) / "1080p.mp4")
        make_1080p(clip, args.frames)
        pattern = scrub_pattern(args.frames, args.steps)
        cache = FrameCache(budget)
        cached = MediaSource(clip, cache=cache)
        frame_bytes = 1920 * 1080 * 3
        over = 0
        t0 = time.perf_counter()
        for i in pattern:
            cached.frame(i)
            over += cache.used_bytes > budget
        with_cache = (time.perf_counter() - t0) / len(pattern)
        plain = MediaSource(clip)
        t0 = time.perf_counter()
        for i in pattern:
            plain.frame(i, use_cache=False)
        without = (time.perf_counter() - t0) / len(pattern)
    print(f"1080p clip, {args.frames} frames; scrub of {len(pattern)} steps; budget "
          f"{budget / 2**20:.0f} MiB = {budget // frame_bytes} frames of {frame_bytes / 2**20:.1f} MiB")
    print(f"peak cache bytes {cache.peak_bytes / 2**20:.1f} MiB; checks over budget: {over}; "
          f"frames held at end {len(cache)}")
    print(f"ratio peak/budget = {cache.peak_bytes / budget:.3f}  (must be <= 1)")
    print(f"hit rate {cache.hits / max(1, cache.hits + cache.misses):.0%}; time per scrub step "
          f"{1000 * with_cache:.1f} ms cached vs {1000 * without:.1f} ms uncached "
          f"(ratio {with_cache / without:.2f})")
    return 0 if over == 0 and cache.peak_bytes <= budget else 1


if __name__ == "__main__":
    sys.exit(main())
