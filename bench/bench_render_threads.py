"""Two render threads side by side, as the viewer plays: shared style session against forks.

Each of two threads owns a `Renderer` of the same project (bigbuckbunny.mp4, 1280x720, the
style effect) and renders every other frame, as the viewer's playback workers do. The source
frames are decoded into the media cache first, so the run measures the effects only. The
baseline renders as plain threads (both instances queue on the one shared native session);
the other run renders inside `dedicated_render_thread()` (each instance runs a one-thread fork).
Runs alternate to share the machine's noise; the ratio of median throughputs prints, with the
load average around the runs.

    .venv/bin/python bench/bench_render_threads.py [--backend phone|phone-int8] [--size N]
        [--frames N] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from contextlib import nullcontext
from fractions import Fraction
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from editor.core.media.pool import MediaPool  # noqa: E402
from editor.core.plugin_api import dedicated_render_thread  # noqa: E402
from editor.core.plugins import discover  # noqa: E402
from editor.core.project import Clip, Effect, Project, Settings, Track  # noqa: E402
from editor.core.render import Renderer  # noqa: E402

MEDIA = REPO.parent / "shared" / "media"
STYLE = "org.stylecut.style_transfer"


def project(path: Path, frames: int, backend: str, size: int) -> Project:
    fps = Fraction(25)
    effect = Effect("style", STYLE, {"backend": backend, "size": size})
    clip = Clip("c", str(path), Fraction(0), Fraction(frames) / fps, Fraction(0), [effect])
    return Project(Settings(1280, 720, fps), [Track("v", "video", [clip])])


def two_threads(proj: Project, pool: MediaPool, registry, dedicated: bool) -> float:
    """Frames a second with two threads rendering alternate frames, each with its own Renderer."""
    renderers = [Renderer(proj, pool, registry) for _ in range(2)]
    for renderer in renderers:   # sessions (and forks) made before the clock starts
        with dedicated_render_thread() if dedicated else nullcontext():
            renderer.render_frame(0)
    errors: list = []

    def work(k: int) -> None:
        with dedicated_render_thread() if dedicated else nullcontext():
            for i in range(k, proj.frame_count, 2):
                errors.extend(renderers[k].render_frame(i).errors)

    threads = [threading.Thread(target=work, args=(k,)) for k in (0, 1)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    for renderer in renderers:
        renderer.close()
    assert not errors, errors
    return proj.frame_count / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("phone", "phone-int8"), default="phone-int8")
    parser.add_argument("--size", type=int, default=360)
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    registry = discover()
    clip = MEDIA / "bigbuckbunny.mp4"
    proj = project(clip, args.frames, args.backend, args.size)
    with MediaPool() as pool:
        source = pool.source(str(clip))
        for i in range(proj.frame_count):
            source.frame_at_time(proj.frame_time(i))
        load_before = os.getloadavg()
        shared, forked = [], []
        for _ in range(args.runs):
            shared.append(two_threads(proj, pool, registry, dedicated=False))
            forked.append(two_threads(proj, pool, registry, dedicated=True))
        load_after = os.getloadavg()
    print(f"{args.frames} frames 1280x720, style {args.backend} at {args.size}p, two render threads, "
          f"{args.runs} runs each (load {load_before[0]:.2f} -> {load_after[0]:.2f})")
    print(f"shared session:           {statistics.median(shared):5.2f} frames/s  (runs {', '.join(f'{v:.2f}' for v in shared)})")
    print(f"one-thread fork each:     {statistics.median(forked):5.2f} frames/s  (runs {', '.join(f'{v:.2f}' for v in forked)})")
    print(f"ratio forks/shared: {statistics.median(forked) / statistics.median(shared):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
