"""The app's responsiveness while the demo plays: event-loop stalls, dropped frames, scrub.

The UI thread runs a 5 ms timer; the longest gap between its ticks beyond 5 ms is the longest
time the UI could not react (a stall). The baseline is the same measurement in the same run
with the window open but idle; the ratio says what playback adds. Also measured: frames shown
and dropped while playing at the project's rate, the time from a scrub to its frame on screen,
and (in a fresh process) cold start to the first rendered frame of the demo.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_ui_latency.py [--seconds S]
        [--backend desktop|phone|phone-int8] [--size N] [--project FILE] [--clip MEDIA]

`--clip` makes a project of one clip at the clip's size and rate (e.g. the 720p
../shared/media/bigbuckbunny.mp4) with the style effect when styles are installed.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def stall_ms(app, seconds: float) -> tuple[float, float]:
    """(max, median) milliseconds the event loop went beyond a 5 ms timer's interval."""
    from PySide6.QtCore import QTimer

    gaps, last = [], [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000 - 5.0)
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    timer.start()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.0005)
    timer.stop()
    return max(gaps), statistics.median(gaps)


def pump(app, predicate, timeout=120.0) -> None:
    end = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > end:
            raise SystemExit("timed out")
        app.processEvents()
        time.sleep(0.001)


def percentile(values, q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def scrub(app, window, indices, cold: bool) -> list[tuple[float, float, float, float, float]]:
    """Per jump: (total, decode, effects, paint, queue and delivery) in ms."""
    c, server, viewer = window.controller, window.server, window.viewer
    rows = []
    for index in indices:
        if cold:
            server.forget_frames()
        pump(app, lambda: server.idle() and not server.prefetching(), timeout=120)
        settle = time.perf_counter() + 0.2  # a click, not a drag (moves closer together are one)
        pump(app, lambda: time.perf_counter() > settle)
        if c.frame == index:
            continue
        t0 = time.perf_counter()
        c.set_playhead(c.project.frame_time(index))
        pump(app, lambda: viewer.shown is not None and viewer.shown.index == index and not viewer.shown.playing
             and viewer.shown.generation == c.generation)
        t1 = time.perf_counter()
        viewer.display.repaint()
        t2 = time.perf_counter()
        f = viewer.shown
        total, paint = (t2 - t0) * 1000, (t2 - t1) * 1000
        rows.append((total, f.decode_ms, f.render_ms - f.decode_ms, paint, total - paint - f.render_ms))
    return rows


def drag_scrub(app, window, steps: int = 30, step_frames: int = 2, interval_ms: float = 16.0):
    """A mouse drag: the playhead moves every `interval_ms`; (positions, drag ms, pictures shown
    during it (drafts included), ms from the last move to a picture of its frame painted, ms
    to its full-quality frame painted)."""
    c, server, viewer = window.controller, window.server, window.viewer
    pump(app, lambda: server.idle() and not server.prefetching(), timeout=120)
    shown_before = viewer.frames_shown + viewer.drafts_shown
    start = max(0, c.project.frame_count // 2 - steps * step_frames // 2)
    t0 = time.perf_counter()
    index = start
    for i in range(steps):
        index = min(c.project.frame_count - 1, start + i * step_frames)
        c.set_playhead(c.project.frame_time(index))
        end = t0 + (i + 1) * interval_ms / 1000
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.0005)
    t1 = time.perf_counter()
    during = viewer.frames_shown + viewer.drafts_shown - shown_before
    pump(app, lambda: viewer.on_screen is not None and viewer.on_screen.index == index)
    viewer.display.repaint()
    first = (time.perf_counter() - t1) * 1000
    pump(app, lambda: viewer.shown is not None and viewer.shown.index == index and not viewer.shown.playing)
    viewer.display.repaint()
    return steps, (t1 - t0) * 1000, during, first, (time.perf_counter() - t1) * 1000


def cold_start(project: str | None) -> float:
    """Seconds from starting a fresh process to the demo's first frame on screen."""
    t0 = time.perf_counter()
    args = [sys.executable, __file__, "--child"] + (["--project", project] if project else [])
    out = subprocess.run(args, capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return time.perf_counter() - t0


def child(project: str | None) -> None:
    from editor.ui.app import application, build_window

    app = application()
    window = build_window(project, demo=project is None)
    window.show()
    window.start()
    pump(app, lambda: window.viewer.frames_shown > 0)
    window.shutdown()


def clip_project(media: str) -> str:
    """A project file (in a temporary folder) holding `media` whole, styled when possible."""
    import tempfile

    from editor.core.media.probe import probe
    from editor.core.plugins import default_registry
    from editor.core.project import Effect, Project, Settings, Track, new_id, save
    from editor.ui.clips import clip_for_media
    from editor.ui.styles_list import installed_styles, style_plugin

    info = probe(media)
    clip = clip_for_media(media, info, 0)
    plugin, (styles, _) = style_plugin(default_registry()), installed_styles()
    if plugin is not None and styles:
        clip.effects.append(Effect(new_id("fx"), plugin.id, {"style": styles[0].id}))
    settings = Settings(info.video.display_width, info.video.display_height, info.video.fps)
    path = os.path.join(tempfile.mkdtemp(prefix="stylecut-bench-"), "clip.stylecut.json")
    save(Project(settings, [Track(new_id("track"), "video", [clip])], "bench"), path)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--backend", choices=("desktop", "phone", "phone-int8"))
    ap.add_argument("--size", type=int)
    ap.add_argument("--project")
    ap.add_argument("--clip")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.clip:
        args.project = clip_project(args.clip)
    if args.child:
        child(args.project)
        return

    from editor.core import commands as cmd
    from editor.ui.app import application, build_window
    from editor.ui.styles_list import style_effect

    app = application()
    window = build_window(args.project, demo=args.project is None)
    window.life.show_dialogs = False
    window.show()
    window.start()
    c = window.controller
    pump(app, lambda: window.viewer.frames_shown > 0)
    clip = next(cl for _, cl in c.project.clips())
    effect = style_effect(clip, window.registry)
    if effect is not None:
        for name, value in (("backend", args.backend), ("size", args.size)):
            if value is not None:
                c.execute(cmd.SetParam(clip.id, effect.id, name, value, registry=window.registry))
        # Warm up: the first frame on a new backend loads (or converts) its model.
        pump(app, lambda: window.viewer.shown is not None and window.viewer.shown.generation == c.generation,
             timeout=600)
        effect = style_effect(c.project.find_clip(clip.id)[1], window.registry)
    label = f"{effect.params.get('backend', 'desktop')} at {effect.params.get('size', 360)}p" if effect else "no style"
    s = c.project.settings
    print(f"project {s.width}x{s.height} @ {float(s.fps):g} fps, {c.project.frame_count} frames; style: {label}")

    idle_max, idle_med = stall_ms(app, 2.0)
    # Playback, looping over the project until the measuring time is used up.
    shown = []
    window.viewer.frameShown.connect(lambda f: shown.append(f.index) if f.playing else None)
    dropped = 0
    end = time.perf_counter() + args.seconds
    play_max, play_meds = 0.0, []
    while time.perf_counter() < end:
        c.set_playhead(0)
        window.viewer.play()
        run_start = len(shown)
        worst, med = stall_ms(app, min(end - time.perf_counter(), float(c.project.duration) + 0.5))
        window.viewer.pause()
        dropped += window.server.dropped
        play_max, play_meds = max(play_max, worst), play_meds + [med]
        if len(shown) == run_start:
            break
    # Scrubbing: jumps in a shuffled order (backwards too), each timed from the playhead move
    # to its frame painted; once with every cache emptied before each jump (the worst case),
    # once after the app had a moment to itself (decoded frames kept around the playhead).
    rng = random.Random(1)
    jumps = rng.sample(range(c.project.frame_count), min(12, c.project.frame_count))
    scrub_cold = scrub(app, window, jumps, cold=True)
    scrub_warm = scrub(app, window, jumps[::-1], cold=False)
    drag = drag_scrub(app, window)
    window.shutdown()
    cold = cold_start(args.project)

    print(f"event-loop stall, idle:    max {idle_max:6.1f} ms  median {idle_med:5.2f} ms")
    print(f"event-loop stall, playing: max {play_max:6.1f} ms  median {statistics.median(play_meds):5.2f} ms")
    print(f"ratio playing/idle max stall: {play_max / max(idle_max, 0.1):.2f}")
    print(f"frames shown while playing: {len(shown)}, dropped: {dropped}")
    for name, rows in (("cold caches", scrub_cold), ("after idle", scrub_warm)):
        total = [r[0] for r in rows]
        print(f"scrub to frame on screen ({name}): median {statistics.median(total):.0f} ms, "
              f"p90 {percentile(total, 90):.0f} ms, max {max(total):.0f} ms  "
              f"[median split: decode {statistics.median(r[1] for r in rows):.0f} ms, "
              f"effects {statistics.median(r[2] for r in rows):.0f} ms, "
              f"paint {statistics.median(r[3] for r in rows):.0f} ms, "
              f"queue+delivery {statistics.median(r[4] for r in rows):.0f} ms]")
    print(f"drag scrub: {drag[0]} positions in {drag[1]:.0f} ms, {drag[2]} pictures shown on the way; "
          f"the last position on screen {drag[3]:.0f} ms after the drag stopped, "
          f"at full quality {drag[4]:.0f} ms after")
    print(f"cold start to first frame: {cold:.2f} s")


if __name__ == "__main__":
    main()
