"""Export overhead: StyleCut's export of one clip (no effects) against a bare PyAV loop.

Both sides decode bigbuckbunny.mp4, encode every frame with the same encoder settings (the
h264 preset) and copy the audio packets; the export additionally goes through the render path
(RGB frames, timeline, renderer) and the temporary-file rename. Runs alternate to share the
machine's noise; the ratio of the medians is printed.

    .venv/bin/python bench/bench_export.py [--clip PATH] [--runs N]
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


def stylecut_export(src: str, dst: str, preset) -> int:
    info = probe(src)
    v, a = info.video, info.audio
    settings = Settings(width=v.display_width, height=v.display_height, fps=v.fps,
                        sample_rate=a.sample_rate if a else 48000,
                        channels=a.channels if a else 2)
    clip = Clip(id="c1", media=info.path, source_in=Fraction(0), source_out=info.duration,
                start=Fraction(0))
    project = Project(settings=settings, tracks=[Track(id="v1", kind="video", clips=[clip])])
    result = export(project, dst, preset.name)
    return result.frames


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", default=str(REPO.parent / "shared" / "media" / "bigbuckbunny.mp4"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--preset", default="h264")
    args = ap.parse_args()
    preset = get_preset(args.preset)
    bare, ours = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            for name, fn, times in (("bare", bare_loop, bare), ("export", stylecut_export, ours)):
                dst = os.path.join(tmp, f"{name}{run}{preset.extension}")
                t0 = time.perf_counter()
                n = fn(args.clip, dst, preset)
                times.append(time.perf_counter() - t0)
                print(f"run {run} {name:6s} {times[-1]:7.2f} s  {n} frames", flush=True)
    b, o = statistics.median(bare), statistics.median(ours)
    print(f"bare PyAV decode-encode median {b:.2f} s; export median {o:.2f} s")
    print(f"ratio export/bare = {o / b:.3f}  (overhead {100 * (o / b - 1):+.1f} %, target <= +15 %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
