"""Render-path overhead: `Renderer.render` against reading the same frames from a MediaSource.

Three timelines over the real clips, each compared with a baseline measured in the same run:

- bunny:     bigbuckbunny.mp4 in a 1280x720 project (same size, no effects): the renderer's
             own cost on top of decoding, which export pays on every frame;
- letterbox: carphone_pristine.mp4 (176x144) in a 1280x720 project: scaling and letterbox;
- colour:    bigbuckbunny.mp4 with the colour adjust effect (contrast + saturation).

Runs alternate baseline and renderer to share the machine's noise; ratios of medians print.

    .venv/bin/python bench/bench_render.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from editor.core.media.pool import MediaPool  # noqa: E402
from editor.core.media.source import MediaSource  # noqa: E402
from editor.core.plugins import discover  # noqa: E402
from editor.core.project import Clip, Effect, Project, Settings, Track  # noqa: E402
from editor.core.render import Renderer  # noqa: E402

MEDIA = REPO.parent / "shared" / "media"


def baseline(path: Path) -> float:
    """Every frame decoded in order to RGB, nothing else."""
    start = time.perf_counter()
    source = MediaSource(path)
    for _ in source.frames():
        pass
    source.close()
    return time.perf_counter() - start


def rendered(project: Project, registry) -> float:
    start = time.perf_counter()
    with MediaPool() as pool:
        renderer = Renderer(project, pool, registry)
        for i in range(project.frame_count):
            result = renderer.render_frame(i)
            assert not result.errors, result.errors
        renderer.close()
    return time.perf_counter() - start


def timeline(path: Path, effects=()) -> Project:
    source = MediaSource(path)
    clip = Clip("c", str(path), Fraction(0), source.duration, Fraction(0), list(effects))
    fps = source.fps
    source.close()
    return Project(Settings(1280, 720, fps), [Track("v", "video", [clip])])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    registry = discover(entry_points=False)
    bunny, carphone = MEDIA / "bigbuckbunny.mp4", MEDIA / "carphone_pristine.mp4"
    cases = [
        ("bunny", bunny, timeline(bunny)),
        ("letterbox", carphone, timeline(carphone)),
        ("colour", bunny, timeline(bunny, [Effect("fx", "org.stylecut.color_adjust",
                                                   {"contrast": 1.2, "saturation": 1.3})])),
    ]
    for name, path, project in cases:
        base, ours = [], []
        for _ in range(args.runs):
            base.append(baseline(path))
            ours.append(rendered(project, registry))
        b, o = statistics.median(base), statistics.median(ours)
        n = project.frame_count
        print(f"{name:10s} frames={n:4d}  decode {b / n * 1000:6.2f} ms/frame  render {o / n * 1000:6.2f} ms/frame  "
              f"ratio {o / b:5.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
