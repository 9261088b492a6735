"""`stylecut probe FILE [--json]`: what a media file holds."""

from __future__ import annotations

import json


def register(sub) -> None:
    p = sub.add_parser("probe", help="describe a media file (streams, size, rate, frames, audio)")
    p.add_argument("file", help="a video or audio file")
    p.add_argument("--json", action="store_true", help="print the description as JSON")
    p.set_defaults(func=run)


def _seconds(value) -> str:
    return f"{float(value):.3f} s"


def describe(info) -> str:
    lines = [f"{info.path}", f"  container  {info.container}, {info.size_bytes} bytes, "
                             f"{_seconds(info.duration)}"]
    v = info.video
    if v:
        rate = f"{v.fps.numerator}/{v.fps.denominator}" if v.fps.denominator != 1 \
            else str(v.fps.numerator)
        lines.append(f"  video      {v.codec} {v.display_width}x{v.display_height}"
                     + (f" (stored {v.width}x{v.height}, rotated {v.rotation} deg)"
                        if v.rotation else "")
                     + f", {v.pixel_format}, {rate} fps ({float(v.fps):.3f})"
                     + (" variable" if v.variable_frame_rate else "")
                     + f", {v.frame_count} frames, {_seconds(v.duration)}")
    else:
        lines.append("  video      none")
    a = info.audio
    if a:
        lines.append(f"  audio      {a.codec} {a.sample_rate} Hz, {a.channels} channels "
                     f"({a.layout}), {a.sample_format}"
                     + (f", {_seconds(a.duration)}" if a.duration else ""))
    else:
        lines.append("  audio      none")
    for w in info.warnings:
        lines.append(f"  warning    {w}")
    return "\n".join(lines)


def run(args) -> int:
    from editor.core.media import probe

    info = probe(args.file)
    if args.json:
        print(json.dumps(info.to_dict(), indent=2))
    else:
        print(describe(info))
    return 0
