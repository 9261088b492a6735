"""Export presets: container, codecs and encoder settings under one name."""

from __future__ import annotations

from dataclasses import dataclass, field

from editor.errors import StyleCutError


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    container: str                  # FFmpeg muxer name
    extension: str
    video_codec: str
    pixel_format: str
    video_options: dict = field(default_factory=dict)
    audio_codec: str = "aac"
    audio_bit_rate: int | None = 192_000
    size: tuple[int, int] | None = None   # forces the output size (the project is fitted into it)
    codec_tag: str | None = None


PRESETS: dict[str, Preset] = {p.name: p for p in [
    Preset("h264", "H.264 + AAC in MP4, plays everywhere", "mp4", ".mp4", "libx264", "yuv420p",
           {"preset": "medium", "crf": "20"}),
    Preset("h265", "H.265 (HEVC) + AAC in MP4, half the size of H.264", "mp4", ".mp4", "libx265",
           "yuv420p", {"preset": "fast", "crf": "24", "x265-params": "log-level=error"},
           codec_tag="hvc1"),
    Preset("prores", "Apple ProRes 422 + 16-bit PCM in MOV, for further editing", "mov", ".mov",
           "prores_ks", "yuv422p10le", {"profile": "2", "vendor": "apl0"},
           audio_codec="pcm_s16le", audio_bit_rate=None),
    Preset("vertical", "H.264 + AAC in MP4 at 1080x1920 for phone screens", "mp4", ".mp4",
           "libx264", "yuv420p", {"preset": "medium", "crf": "20"}, size=(1080, 1920)),
]}

DEFAULT_PRESET = "h264"


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise StyleCutError(None, f"unknown export preset '{name}' "
                                  f"(choose from: {', '.join(PRESETS)})") from None
