"""Export overhead: StyleCut's export of one clip (no effects) against a bare PyAV loop.

Both sides decode bigbuckbunny.mp4, encode every frame with the same encoder settings (the
h264 preset) and copy the audio packets; the export additionally goes through the render path
(RGB frames, timeline, renderer) and the temporary-file rename. Runs alternate to share the
machine's noise; wall-time ratio of the best runs and the CPU-time ratio are printed.

    .venv/bin/python bench/bench_export.py [--clip PATH] [--runs N] [--through-rgb]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from editor.core.export import export  # noqa: E402
from editor.core.media import probe  # noqa: E402
from editor.core.presets import get_preset  # noqa: E402
from editor.core.project import Clip, Project, Settings, Track  # noqa: E402


def bare_loop(src: str, dst: str, preset) -> int:
    """Decode -> encode with PyAV alone, audio packets copied: the baseline."""
    frames = 0
    with av.open(src) as inp, av.open(dst, "w", format=preset.container) as out:
        vin = inp.streams.video[0]
        vin.thread_type = "AUTO"
        ain = inp.streams.audio[0] if inp.streams.audio else None
        vout = out.add_stream(preset.video_codec, rate=vin.average_rate)
        vout.width, vout.height = vin.codec_context.width, vin.codec_context.height
        vout.pix_fmt = preset.pixel_format
        vout.codec_context.time_base = 1 / Fraction(vin.average_rate)
        vout.options = dict(preset.video_options)
        aout = out.add_stream_from_template(ain) if ain else None
        streams = [vin] + ([ain] if ain else [])
        for packet in inp.demux(*streams):
            if packet.stream is ain:
                if packet.size:
                    packet.stream = aout
                    out.mux(packet)
                continue
            for frame in vin.decode(packet):
                frame.pts = frames
                frame.time_base = vout.codec_context.time_base
                frame.pict_type = av.video.frame.PictureType.NONE
                frames += 1
                for p in vout.encode(frame):
                    out.mux(p)
        for p in vout.encode(None):
            out.mux(p)
    return frames


def stylecut_export(src: str, dst: str, preset, copy_through: bool = True) -> int:
    info = probe(src)
    v, a = info.video, info.audio
    settings = Settings(width=v.display_width, height=v.display_height, fps=v.fps,
                        sample_rate=a.sample_rate if a else 48000,
                        channels=a.channels if a else 2)
    clip = Clip(id="c1", media=info.path, source_in=Fraction(0), source_out=info.duration,
                start=Fraction(0))
    project = Project(settings=settings, tracks=[Track(id="v1", kind="video", clips=[clip])])
    result = export(project, dst, preset.name, copy_through=copy_through)
    return result.frames


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", default=str(REPO.parent / "shared" / "media" / "bigbuckbunny.mp4"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--preset", default="h264")
    ap.add_argument("--through-rgb", action="store_true",
                    help="turn copy-through off: every frame goes YUV -> RGB -> YUV")
    args = ap.parse_args()
    preset = get_preset(args.preset)
    wall = {"bare": [], "export": []}
    cpu = {"bare": [], "export": []}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            ours = lambda s, d, p: stylecut_export(s, d, p, copy_through=not args.through_rgb)
            for name, fn in (("bare", bare_loop), ("export", ours)):
                dst = os.path.join(tmp, f"{name}{run}{preset.extension}")
                t0, c0 = time.perf_counter(), time.process_time()
                n = fn(args.clip, dst, preset)
                wall[name].append(time.perf_counter() - t0)
                cpu[name].append(time.process_time() - c0)
                print(f"run {run} {name:6s} wall {wall[name][-1]:7.2f} s  cpu "
                      f"{cpu[name][-1]:7.2f} s  {n} frames", flush=True)
    # On a shared machine wall time swings with other jobs; the best run of each side and the
    # CPU time (all threads of this process) are the stable measures.
    best = min(wall["export"]) / min(wall["bare"])
    pairs = statistics.median(o / b for o, b in zip(wall["export"], wall["bare"]))
    cpu_ratio = statistics.median(cpu["export"]) / statistics.median(cpu["bare"])
    print(f"wall: best bare {min(wall['bare']):.2f} s, best export {min(wall['export']):.2f} s; "
          f"ratio of best runs = {best:.3f}; median of paired ratios = {pairs:.3f}")
    print(f"cpu:  median bare {statistics.median(cpu['bare']):.2f} s, median export "
          f"{statistics.median(cpu['export']):.2f} s; ratio = {cpu_ratio:.3f}")
    print(f"overhead: {100 * (best - 1):+.1f} % wall (best runs), {100 * (cpu_ratio - 1):+.1f} % "
          f"cpu  (target <= +15 %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
