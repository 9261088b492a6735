"""The guided-filter enlargement: the native single pass against the OpenCV passes it is held to.

Both enlarge a styled 640x360 picture (a bigbuckbunny frame through a colour ramp) to
1280x720 on one thread, RGB and luma only (the encoder's plane path), interleaved in one
process; prints milliseconds (median of rounds) and the native/OpenCV ratio.

    .venv/bin/python bench/bench_guided_upsample.py [--rounds 7] [--repeat 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()

    import cv2
    import numpy as np

    from editor.core.media.source import MediaSource
    from plugins.style_transfer import upsample as u

    if u._native is None:
        raise SystemExit("the native runtime is not built (.ci/setup builds it)")
    cv2.setNumThreads(1)  # one core each: the preview's workers and apply's pipeline run one per core
    with MediaSource(str(REPO.parent / "shared" / "media" / "bigbuckbunny.mp4")) as source:
        full = source.frame(40).rgb
    small = u.resize(full, 360, 640)
    y = small.astype(np.float32).mean(axis=2, keepdims=True) / 255
    styled = np.clip(np.concatenate([y ** 0.5, 1 - y, y * y], axis=2) * 255 + 0.5, 0, 255).astype(np.uint8)
    gl, gf = u.gray(small), u.gray(full)
    cases = {
        "RGB native": lambda: u._native(styled, gl, gf, 2, 2e-3),
        "RGB OpenCV": lambda: u.guided_upsample_reference(styled, gl, gf, 2, 2e-3),
        "luma native": lambda: u._native(gl, gl, gf, 2, 2e-3),
        "luma OpenCV": lambda: u.guided_upsample_reference(gl, gl, gf, 2, 2e-3),
    }
    times = {k: [] for k in cases}
    for fn in cases.values():
        fn()
    for _ in range(args.rounds):
        for name, fn in cases.items():
            t = time.perf_counter()
            for _ in range(args.repeat):
                fn()
            times[name].append((time.perf_counter() - t) / args.repeat * 1000)
    med = {k: statistics.median(v) for k, v in times.items()}
    print("640x360 -> 1280x720, one thread, median of rounds:")
    for k, v in med.items():
        print(f"  {k:12s} {v:6.2f} ms")
    print(f"ratio native/OpenCV: RGB {med['RGB native'] / med['RGB OpenCV']:.2f}, "
          f"luma {med['luma native'] / med['luma OpenCV']:.2f}")


if __name__ == "__main__":
    main()
