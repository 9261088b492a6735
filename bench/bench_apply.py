"""`stylecut apply` throughput: end-to-end frames per second, against baselines in the same run.

First the headline command exactly as typed, in a fresh process (start-up included):
`stylecut apply bigbuckbunny.mp4 -o out.mp4 --style ID --backend phone-int8 --size 360`.
Then rows of `apply_style` in this process (bigbuckbunny.mp4, 1280x720, 25 fps, 132 frames):

- passthrough: the same pipeline at strength 0 (decode and encode, no network): the floor;
- phone-int8 @360: the headline, `stylecut apply --backend phone-int8 --size 360`;
- with --variants, the pipeline choices the defaults were picked from: one session of two
  threads instead of two one-thread sessions side by side, x264 with 1 or 2 threads;
- desktop / phone / phone-int8 @full: the network at the clip's full size (--size 0),
  limited to --full-frames frames because they are slow.

For every row: wall-clock fps, its ratio to real time (25 fps) and to the passthrough row,
CPU time per frame over all threads, the fps two idle cores would reach at that CPU cost
(2 / CPU seconds per frame, the ideal overlap), the machine's load average, and the time
split: CPU ms per frame of each step (decode, scale, inference, upsample, encode) measured
on the thread that runs it, plus the CPU of threads the libraries start themselves (x264's
frame threads: the encoder's real cost unless x264 runs with one thread, as in the
"x264 threads=1" variant), CPU per pipeline thread, and wall ms per step.

    .venv/bin/python bench/bench_apply.py [--style ID] [--full-frames N] [--skip-full] [--variants]

The style is the first installed one unless --style says otherwise; with none installed, a
test network shaped like the shipped one is built (needs torch) into the cache folder.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

MEDIA = REPO.parent / "shared" / "media"
BUNNY = MEDIA / "bigbuckbunny.mp4"
REAL_TIME_FPS = 25.0


def ensure_style(style: str | None) -> str:
    from plugins.style_transfer import styles

    if styles.ids():
        return style or styles.ids()[0]
    from plugins.style_transfer.model_cache import cache_dir

    import style_nets

    root = cache_dir() / "bench-styles"
    net = style_nets.cached_network(root)
    os.environ["STYLECUT_LIBRARY"] = str(style_nets.write_library(root / "library", net))
    return style or style_nets.STYLE_IDS[0]


def run_row(name: str, style: str, backend: str, size: int, strength: float, frames: int | None, out_dir: str,
            **pipeline):
    from editor.cli.cmd_apply import apply_style, style_params

    params = style_params(style, strength, backend, size)
    out = os.path.join(out_dir, "row.mp4")
    load = os.getloadavg()[0]
    cpu0, wall0 = time.process_time(), time.perf_counter()
    result = apply_style(BUNNY, out, params, "h264", max_frames=frames, **pipeline)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    n = result.frames
    return {"name": name, "frames": n, "wall_s": wall, "fps": n / wall, "cpu_ms_per_frame": cpu / n * 1000,
            "two_core_fps": 2.0 / (cpu / n), "load": load,
            "split_ms": {k: v / n * 1000 for k, v in result.timings.items()},
            "stage_cpu_ms": {k: v / n * 1000 for k, v in result.stage_cpu.items()},
            "thread_cpu_ms": {k: v / n * 1000 for k, v in result.cpu.items()}}


def run_command(style: str, out_dir: str) -> dict:
    """The headline command exactly as a user types it, in a fresh process: start-up (imports,
    session creation) included."""
    import resource
    import subprocess

    out = os.path.join(out_dir, "cli.mp4")
    cmd = [sys.executable, "-m", "editor", "apply", str(BUNNY), "-o", out, "--style", style,
           "--backend", "phone-int8", "--size", "360"]
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - wall0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"bench_apply: the command failed: {done.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    n = 132
    return {"command": " ".join(["stylecut", *cmd[3:]]).replace(str(BUNNY), "bigbuckbunny.mp4").replace(out, "out.mp4"),
            "wall_s": wall, "fps": n / wall, "cpu_ms_per_frame": cpu / n * 1000, "two_core_fps": 2.0 / (cpu / n),
            "load": load}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--style")
    ap.add_argument("--full-frames", type=int, default=25, help="frames for the full-size rows (default 25)")
    ap.add_argument("--skip-full", action="store_true", help="no full-size rows")
    ap.add_argument("--variants", action="store_true",
                    help="also the pipeline variants: one 2-thread session, x264 with 1 or 2 threads")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not BUNNY.is_file():
        print(f"bench_apply: {BUNNY} is missing", file=sys.stderr)
        return 2
    style = ensure_style(args.style)
    from plugins.style_transfer.backends import get_backend
    from plugins.style_transfer import styles

    # sessions and converted models are made once per process and cached on disk: warm them
    # so every row measures steady-state throughput
    for backend in ("desktop", "phone", "phone-int8"):
        get_backend(backend, styles.resolve(style).model)
    rows = []
    with tempfile.TemporaryDirectory() as out_dir:
        command = run_command(style, out_dir)
        rows.append(run_row("passthrough", style, "phone-int8", 360, 0.0, None, out_dir))
        rows.append(run_row("phone-int8 @360", style, "phone-int8", 360, 1.0, None, out_dir))
        if args.variants:
            rows.append(run_row("  1 worker x 2 thr", style, "phone-int8", 360, 1.0, None, out_dir,
                                workers=1, inference_threads=2))
            rows.append(run_row("  x264 threads=1", style, "phone-int8", 360, 1.0, None, out_dir, encode_threads=1))
            rows.append(run_row("  x264 threads=2", style, "phone-int8", 360, 1.0, None, out_dir, encode_threads=2))
        if not args.skip_full:
            for backend in ("desktop", "phone", "phone-int8"):
                rows.append(run_row(f"{backend} @full", style, backend, 0, 1.0, args.full_frames, out_dir))
    floor = rows[0]["fps"]
    if args.json:
        print(json.dumps({"style": style, "command": command, "rows": rows}, indent=2))
        return 0
    print(f"style {style}; clip {BUNNY.name} 1280x720 @25 fps, 132 frames; {os.cpu_count()} CPUs")
    print(f"end to end, a fresh process: `{command['command']}`")
    print(f"  {command['fps']:.1f} fps ({command['wall_s']:.2f} s wall, x real {command['fps'] / REAL_TIME_FPS:.2f}); "
          f"{command['cpu_ms_per_frame']:.1f} CPU ms/frame -> {command['two_core_fps']:.1f} fps on 2 idle cores; "
          f"load {command['load']:.1f}")
    head = (f"{'row':<20}{'frames':>7}{'fps':>7}{'x real':>8}{'x pass':>8}{'cpu ms/f':>10}{'2-core fps':>11}"
            f"{'load':>6}   CPU ms/frame by step")
    print(head)
    for r in rows:
        split = ", ".join(f"{k} {v:.1f}" for k, v in r["stage_cpu_ms"].items() if v > 0.05)
        threads = r["thread_cpu_ms"]
        elsewhere = threads["all threads"] - sum(v for k, v in threads.items() if k != "all threads")
        split += f"; library threads {elsewhere:.1f}"   # x264's frame threads, mostly
        print(f"{r['name']:<20}{r['frames']:>7}{r['fps']:>7.1f}{r['fps'] / REAL_TIME_FPS:>8.2f}"
              f"{r['fps'] / floor:>8.2f}{r['cpu_ms_per_frame']:>10.1f}{r['two_core_fps']:>11.1f}"
              f"{r['load']:>6.1f}   {split}")
    print("CPU ms per frame by thread (FFmpeg's and x264's threads, and a multi-threaded session's helpers, "
          "are only in 'all threads'):")
    for r in rows:
        print(f"  {r['name']:<20}" + ", ".join(f"{k} {v:.1f}" for k, v in r["thread_cpu_ms"].items()))
    print("wall ms per frame by step (summed over threads; steps overlap and wait for cores):")
    for r in rows:
        print(f"  {r['name']:<20}" + ", ".join(f"{k} {v:.1f}" for k, v in r["split_ms"].items() if v > 0.05))
    return 0


if __name__ == "__main__":
    sys.exit(main())
