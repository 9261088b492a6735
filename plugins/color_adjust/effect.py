"""The colour adjustment effect, a small plugin that uses every kind of parameter."""

from __future__ import annotations

import os

import cv2
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
        # Contrast, brightness, saturation and tint together are one affine colour map
        # (a 3x3 matrix and an offset); the steps after clipping are per-channel curves.
        matrix, offset = _affine(params)
        post = _post_curves(params)
        if params["lut"]:
            x = _mix(frame, matrix, offset)
            x *= np.float32(1 / 255)
            x = self._load_lut(params["lut"]).apply(x)
            np.clip(x, 0.0, 1.0, out=x)
            out = _quantize(x * 255)
        elif not np.any(matrix - np.diag(np.diag(matrix))):
            # No channel mixing: each channel is a 256-entry table of the input.
            levels = np.arange(256, dtype=np.float32)
            tables = [_quantize(np.clip(matrix[c, c] * levels + offset[c], 0, 255)) for c in range(3)]
            if post is not None:
                tables = [post[c][tables[c]] for c in range(3)]
            out = np.empty_like(frame)
            for c in range(3):
                out[..., c] = tables[c][frame[..., c]]
            post = None
        else:
            out = _mix(frame, matrix, offset, quantize=True)
        if post is not None:
            for c in range(3):
                out[..., c] = post[c][out[..., c]]
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


def _affine(params) -> tuple[np.ndarray, np.ndarray]:
    """Matrix and offset of the colour map on 0..255 values.

    Per channel y = c*x + (0.5 - 0.5c + b) (contrast around mid grey, then brightness), then
    saturation luma + s*(y - luma), then the tint's per-channel gain. The luma weights sum to
    one, so saturation leaves the (grey) offset unchanged.
    """
    c, b, s = params["contrast"], params["brightness"], params["saturation"]
    tint = np.asarray(params["tint"][:3], dtype=np.float64)
    saturation = s * np.eye(3) + (1 - s) * np.outer(np.ones(3), _LUMA.astype(np.float64))
    matrix = tint[:, None] * saturation * c
    offset = tint * (0.5 - 0.5 * c + b) * 255
    return matrix.astype(np.float32), offset.astype(np.float32)


def _mix(frame: np.ndarray, matrix: np.ndarray, offset: np.ndarray, quantize: bool = False) -> np.ndarray:
    """frame (uint8) through the affine map, clipped to 0..255: float32, or uint8 if quantize.

    One OpenCV pass over the interleaved pixels (the matrix with the offset as a fourth
    column); for uint8 it saturates and rounds in the same pass, within one level of the exact
    value (OpenCV computes 8-bit pictures in reduced precision). A numpy version
    costs a plane copy and several full-size temporaries per channel, about five times as
    long at 720p.
    """
    m = np.concatenate([matrix, offset[:, None]], axis=1).astype(np.float32)
    if quantize:
        return cv2.transform(np.ascontiguousarray(frame), m)
    out = cv2.transform(frame.astype(np.float32), m)
    np.clip(out, 0, 255, out=out)
    return out


def _quantize(x: np.ndarray) -> np.ndarray:
    return (x + np.float32(0.5)).astype(np.uint8)


def _post_curves(params) -> list[np.ndarray] | None:
    """Posterize, invert and output range as one 256-entry table per channel (None: none)."""
    levels, invert, video = params["posterize"], params["invert"], params["output_range"] == "video"
    if levels >= 256 and not invert and not video:
        return None
    x = np.arange(256, dtype=np.float64) / 255
    if levels < 256:
        x = np.floor(x * (levels - 1) + 0.5) / (levels - 1)
    if invert:
        x = 1.0 - x
    if video:
        x = x * (219 / 255) + 16 / 255
    table = np.floor(x * 255 + 0.5).astype(np.uint8)
    return [table, table, table]
