"""The demo project a new user sees: a short real clip with a style applied.

The clip is the bundled one under editor/demo/ when it is there, else Big Buck Bunny from the
shared media folder beside the repository. The effect is the style-transfer plugin when one is
installed with at least one style, else a colour adjustment so the picture still
shows an effect at work. The style runs as the phone would run it (the native runtime, int8,
at 360p processing): it is what the app is for, it is fast enough to play at the clip's rate,
and its model loads from the on-disk cache in milliseconds. Without the compiled runtime the
demo falls back to onnxruntime.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from editor.core.project.model import Clip, Effect, Project, Settings, Track, new_id
from editor.errors import StyleCutError

from .styles_list import installed_styles, style_plugin

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "editor" / "demo"
SHARED = REPO.parent / "shared" / "media" / "bigbuckbunny.mp4"
COLOR_ADJUST = "org.stylecut.color_adjust"


def demo_media() -> Path:
    """The demo clip: the first video file in editor/demo/, else the shared Big Buck Bunny."""
    if BUNDLED.is_dir():
        for path in sorted(BUNDLED.iterdir()):
            if path.suffix.lower() in (".mp4", ".mov", ".mkv", ".webm"):
                return path
    if SHARED.is_file():
        return SHARED
    raise StyleCutError(BUNDLED, "no demo clip is installed (expected a video file in this folder)")


def demo_project_file() -> Path | None:
    """A demo project shipped beside the clip, if there is one."""
    path = BUNDLED / "demo.stylecut.json"
    return path if path.is_file() else None


DEMO_SIZE = 360


def demo_backend() -> str:
    """phone-int8 when the native runtime is built, else the desktop runtime."""
    try:
        from native.runtime import available
    except Exception:  # the native package itself is missing
        return "desktop"
    return "phone-int8" if available() else "desktop"


def demo_style_params(styles) -> dict:
    return {"style": styles[0].id, "backend": demo_backend(), "size": DEMO_SIZE}


def demo_effect(registry) -> Effect:
    plugin = style_plugin(registry)
    styles, _ = installed_styles()
    if plugin is not None and styles:
        return Effect(new_id("effect"), plugin.id, demo_style_params(styles))
    return Effect(new_id("effect"), COLOR_ADJUST, {"saturation": 1.6, "contrast": 1.2, "tint": (1.0, 0.9, 0.75)})


def build_demo(registry, pool) -> Project:
    """The shipped demo project when there is one, else the whole clip on a video track.

    When styles are installed, each video clip gets the style effect first in its stack.
    """
    shipped = demo_project_file()
    if shipped is not None:
        from editor.core.project import document

        project = document.load(shipped)
        plugin = style_plugin(registry)
        styles, _ = installed_styles()
        if plugin is not None and styles:
            for _, clip in project.clips():
                clip.effects.insert(0, Effect(new_id("effect"), plugin.id, demo_style_params(styles)))
        return project
    media = demo_media()
    info = pool.info(str(media))
    video = info.video
    if video is None:
        raise StyleCutError(media, "the demo clip has no video")
    settings = Settings(width=video.display_width, height=video.display_height, fps=video.fps)
    if info.audio is not None:
        settings.sample_rate = info.audio.sample_rate if info.audio.sample_rate in (44100, 48000) else 48000
    clip = Clip(new_id("clip"), str(media), Fraction(0), video.duration, Fraction(0),
                [demo_effect(registry)], name=media.stem, media_duration=video.duration)
    tracks = [Track(new_id("track"), "audio"), Track(new_id("track"), "video", [clip])]
    return Project(settings, tracks, "Demo")
