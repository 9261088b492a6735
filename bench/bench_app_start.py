"""Cold start of the desktop app: process start to the demo's first styled frame on screen.

Spawns `stylecut app --demo --screenshot PNG` N times (each a fresh interpreter) with
STYLECUT_STARTUP_TRACE set, and reads the milestones the app prints (editor/ui/startup.py):

    imports         interpreter up, the window's modules imported
    window-shown    main window on screen
    frame-decoded   first source frame decoded (frame worker)
    frame-shown     first picture in the viewer (unstyled while the effects load)
    styled-frame    first frame with the project's effects in the viewer   <- the target

all measured from the moment this script spawned the process. The baseline, spawned in
alternation with the app in the same run, is `python -c "import PySide6.QtWidgets"` to exit:
the floor any Qt app pays here. The ratio styled-frame / baseline is comparable between a
busy and a quiet machine; the load average is printed before and after.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_app_start.py [--runs 5]
        [--cold-cache] [--no-bytecode-cache] [--project FILE]

Python keeps compiled modules (.pyc) as an installed app does: the children write them to a
private folder (PYTHONPYCACHEPREFIX) even where PYTHONDONTWRITEBYTECODE is set, and one
unrecorded run first fills it. `--no-bytecode-cache` compiles every module in every run
instead (about 0.6 s more here). `--cold-cache` points the model cache at an empty folder
for each run, so the phone backends convert (and calibrate) their model first: the worst
case of a first launch.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MILESTONES = ("imports", "window-shown", "frame-decoded", "frame-shown", "styled-frame")
TARGET_S = 3.0


def stylecut_command() -> list[str]:
    script = Path(sys.executable).with_name("stylecut")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from editor.cli import main; sys.exit(main())"]


def baseline_run(env: dict) -> float:
    t0 = time.time()
    subprocess.run([sys.executable, "-c", "import PySide6.QtWidgets"], env=env, check=True,
                   capture_output=True, timeout=120)
    return time.time() - t0


def app_run(env: dict, project: str | None, folder: str) -> tuple[dict[str, float], float]:
    """({milestone: seconds after spawn}, seconds to process exit)."""
    shot = os.path.join(folder, "start.png")
    args = stylecut_command() + ["app"] + ([project] if project else ["--demo"]) + ["--screenshot", shot]
    t0 = time.time()
    out = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600, cwd=str(REPO))
    total = time.time() - t0
    if out.returncode != 0:
        raise SystemExit(f"the app failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    marks = {}
    for line in out.stderr.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "stylecut-startup":
            marks[parts[1]] = float(parts[2]) - t0
    return marks, total


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--project", help="a project file instead of the demo")
    ap.add_argument("--cold-cache", action="store_true", help="an empty model cache for each run")
    ap.add_argument("--no-bytecode-cache", action="store_true", help="compile every module in every run")
    args = ap.parse_args()

    env = dict(os.environ, STYLECUT_STARTUP_TRACE="1")
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    folder = tempfile.mkdtemp(prefix="stylecut-start-")
    if not args.no_bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = os.path.join(folder, "pycache")
    print(f"load average before: {load()}")
    print("compiled modules: " + ("compiled again in every run" if args.no_bytecode_cache
                                  else "kept between runs (one unrecorded run first)"))
    base, runs, totals = [], [], []
    try:
        if not args.no_bytecode_cache:
            baseline_run(env)
            app_run(env, args.project, folder)
        for i in range(args.runs):
            base.append(baseline_run(env))
            if args.cold_cache:
                env["STYLECUT_CACHE_DIR"] = tempfile.mkdtemp(prefix="cache-", dir=folder)
            marks, total = app_run(env, args.project, folder)
            runs.append(marks)
            totals.append(total)
            row = "  ".join(f"{m} {marks[m]:5.2f}" if m in marks else f"{m}   -  " for m in MILESTONES)
            print(f"run {i + 1}: baseline {base[-1]:5.2f} s | {row} | exit {total:5.2f} s", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"load average after:  {load()}")
    print()
    print("median seconds from process start (baseline: python -c 'import PySide6.QtWidgets'):")
    b = statistics.median(base)
    print(f"  {'baseline':14s} {b:6.2f}")
    for m in MILESTONES:
        values = [r[m] for r in runs if m in r]
        if values:
            print(f"  {m:14s} {statistics.median(values):6.2f}   (min {min(values):.2f}, max {max(values):.2f})")
    styled = [r["styled-frame"] for r in runs if "styled-frame" in r]
    if styled:
        med = statistics.median(styled)
        print()
        print(f"time to first styled frame: median {med:.2f} s, best {min(styled):.2f} s "
              f"(target <= {TARGET_S:.1f} s); ratio to baseline {med / b:.1f}x")
        med_of = lambda m: statistics.median(r[m] for r in runs)  # noqa: E731
        print(f"split: interpreter+imports {med_of('imports'):.2f} s; window built and shown "
              f"+{med_of('window-shown') - med_of('imports'):.2f} s; first frame decoded at "
              f"{med_of('frame-decoded'):.2f} s (frame worker, beside the window's building); "
              f"first styled frame at {med:.2f} s")
    else:
        print("no styled frame was reported (does the project have an effect?)")


if __name__ == "__main__":
    main()
