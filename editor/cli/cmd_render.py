"""`stylecut render PROJECT_OR_CLIPS... -o OUT [--preset NAME] [--size WxH] [--fps N]`.

Given a project file, exports it. Given media files, lays them end to end on one video track
(each whole); the first clip's picture size and frame rate, and the first audio's sample rate
and channel count, become the project's unless --size / --fps say otherwise.
"""

from __future__ import annotations

import os
import re
import sys
from fractions import Fraction

from editor.errors import StyleCutError

# Rates written as decimals that mean the NTSC family (x * 1000/1001).
_NTSC = {"23.976": Fraction(24000, 1001), "29.97": Fraction(30000, 1001),
         "47.952": Fraction(48000, 1001), "59.94": Fraction(60000, 1001),
         "119.88": Fraction(120000, 1001)}


def register(sub) -> None:
    from editor.core.presets import DEFAULT_PRESET, PRESETS

    p = sub.add_parser("render", help="export a project, or media files laid end to end")
    p.add_argument("inputs", nargs="+", metavar="PROJECT_OR_CLIPS",
                   help="one project (.stylecut.json) or media files in timeline order")
    p.add_argument("-o", "--output", required=True, help="the file to write")
    p.add_argument("--preset", default=DEFAULT_PRESET, choices=sorted(PRESETS),
                   help=f"encoding preset (default {DEFAULT_PRESET})")
    p.add_argument("--size", help="output picture size WxH (default: the project's / first clip's)")
    p.add_argument("--fps", help="frame rate, e.g. 25, 29.97 or 30000/1001")
    p.set_defaults(func=run)


def parse_size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text or "")
    if not m or not (0 < int(m[1]) <= 16384 and 0 < int(m[2]) <= 16384):
        raise StyleCutError(None, f"--size '{text}' is not a size like 1280x720")
    return int(m[1]), int(m[2])


def parse_fps(text: str) -> Fraction:
    text = (text or "").strip()
    try:
        rate = _NTSC.get(text) or Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise StyleCutError(None, f"--fps '{text}' is not a frame rate like 25 or 30000/1001") \
            from None
    if not 0 < rate <= 1000:
        raise StyleCutError(None, f"--fps '{text}' is outside 0..1000")
    return rate.limit_denominator(1001 * 1000)


def is_project_file(path: str) -> bool:
    from editor.core.project import PROJECT_SUFFIX

    return path.endswith(PROJECT_SUFFIX) or path.endswith(".json")


def even(n: int) -> int:
    return n + (n % 2)


def project_from_clips(paths: list[str]):
    from editor.core.media import probe
    from editor.core.project import Clip, Project, Settings, Track, new_id

    infos = [probe(p, need_video=True) for p in paths]
    first = infos[0].video
    audio = next((i.audio for i in infos if i.audio), None)
    # 4:2:0 encoding needs even sizes; an odd clip is letterboxed by the extra pixel.
    settings = Settings(width=even(first.display_width), height=even(first.display_height),
                        fps=first.fps, sample_rate=audio.sample_rate if audio else 48000,
                        channels=audio.channels if audio else 2)
    clips, t = [], Fraction(0)
    for info in infos:
        clips.append(Clip(id=new_id("clip"), media=info.path, source_in=Fraction(0),
                          source_out=info.video.duration, start=t,
                          name=os.path.basename(info.path), media_duration=info.video.duration))
        t += info.video.duration
    name = os.path.splitext(os.path.basename(paths[0]))[0]
    return Project(settings=settings, tracks=[Track(id=new_id("track"), kind="video", clips=clips)],
                   name=name)


def load_project(path: str):
    from editor.core.project import load, offline_clips

    project = load(path)
    missing = offline_clips(project)
    if missing:
        first = missing[0]
        more = f" (and {len(missing) - 1} more offline clips)" if len(missing) > 1 else ""
        raise StyleCutError(first.media, f"{first.reason}; needed by clip {first.clip_id} of "
                                         f"project {path}{more}")
    return project


def run(args) -> int:
    from editor.core.export import export
    from editor.core.progress import ProgressBar

    if len(args.inputs) == 1 and is_project_file(args.inputs[0]):
        project = load_project(args.inputs[0])
    else:
        for path in args.inputs:
            if is_project_file(path):
                raise StyleCutError(path, "a project cannot be combined with other inputs")
        project = project_from_clips(args.inputs)
    if args.size:
        project.settings.width, project.settings.height = parse_size(args.size)
    if args.fps:
        project.settings.fps = parse_fps(args.fps)
    with ProgressBar(f"rendering {os.path.basename(args.output)}") as bar:
        result = export(project, args.output, args.preset, progress=bar)
    for err in result.errors:
        print(f"stylecut: warning: {err}", file=sys.stderr)
    print(f"wrote {result.path}: {result.width}x{result.height}, {result.frames} frames, "
          f"{float(result.duration):.3f} s, audio {result.audio}")
    return 0
