"""The colour adjustment effect, a small plugin that uses every kind of parameter."""

from __future__ import annotations

import os

import numpy as np

from editor.core.plugin_api import (
    BoolParam,
    ChoiceParam,
    ColourParam,
    EffectPlugin,
    FloatParam,
    IntParam,
    PathParam,
    StringParam,
)

from .cube_lut import CubeLut, read_cube

# Rec. 709 luma weights: saturation keeps this weighted brightness.
_LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
_CHANNEL_INDEX = {"r": 0, "g": 1, "b": 2}


class ColorAdjust(EffectPlugin):
    id = "org.stylecut.color_adjust"
    version = "1.0.0"
    name = "Colour adjust"
    description = "Brightness, contrast, saturation and tint, with optional posterize, invert and LUT."
    thread_safe = True
    params = (
        FloatParam("brightness", 0.0, -1.0, 1.0, hint="added to every channel"),
        FloatParam("contrast", 1.0, 0.0, 4.0, hint="spread around mid grey"),
        FloatParam("saturation", 1.0, 0.0, 4.0, hint="0 is grey, 1 unchanged"),
        ColourParam("tint", (1.0, 1.0, 1.0), hint="multiplies each channel"),
        IntParam("posterize", 256, 2, 256, hint="levels per channel; 256 is off"),
        BoolParam("invert", False),
        ChoiceParam("output_range", "full", ("full", "video"), hint="video squeezes to 16-235"),
        StringParam("channels", "rgb", pattern=r"(?!.*(.).*\1)[rgb]{1,3}", hint="channels the adjustment changes"),
        PathParam("lut", "", extensions=(".cube",), hint="a .cube look-up table applied after the adjustments"),
    )

    def __init__(self) -> None:
        # Per-instance cache: the parsed LUT, keyed by path and modification time.
        self._lut_key: tuple[str, float] | None = None
        self._lut: CubeLut | None = None

    def is_identity(self, params, time) -> bool:
        return (
            params["brightness"] == 0.0
            and params["contrast"] == 1.0
            and params["saturation"] == 1.0
            and all(c == 1.0 for c in params["tint"])
            and params["posterize"] == 256
            and not params["invert"]
            and params["output_range"] == "full"
            and not params["lut"]
        )

    def prepare(self, context) -> None:
        if context.params.get("lut"):
            self._load_lut(context.params["lut"])

    def render(self, frame, time, params, render_scale):
        x = frame.astype(np.float32) * np.float32(1 / 255)
        if params["contrast"] != 1.0:
            x = (x - 0.5) * np.float32(params["contrast"]) + 0.5
        if params["brightness"] != 0.0:
            x += np.float32(params["brightness"])
        if params["saturation"] != 1.0:
            luma = (x @ _LUMA)[..., None]
            x = luma + (x - luma) * np.float32(params["saturation"])
        if any(c != 1.0 for c in params["tint"]):
            x *= np.asarray(params["tint"][:3], dtype=np.float32)
        np.clip(x, 0.0, 1.0, out=x)
        if params["lut"]:
            x = self._load_lut(params["lut"]).apply(x)
            np.clip(x, 0.0, 1.0, out=x)
        levels = params["posterize"]
        if levels < 256:
            x = np.floor(x * np.float32(levels - 1) + 0.5) / np.float32(levels - 1)
        if params["invert"]:
            x = 1.0 - x
        if params["output_range"] == "video":
            x = x * np.float32(219 / 255) + np.float32(16 / 255)
        out = (x * 255 + 0.5).astype(np.uint8)
        if params["channels"] != "rgb":
            keep = [c for c in range(3) if "rgb"[c] not in params["channels"]]
            out[..., keep] = frame[..., keep]
        return out

    def _load_lut(self, path: str) -> CubeLut:
        try:
            key = (path, os.stat(path).st_mtime)
        except OSError:
            key = (path, -1.0)  # read_cube reports the problem with the file's name
        if key != self._lut_key:
            self._lut = read_cube(path)
            self._lut_key = key
        return self._lut
