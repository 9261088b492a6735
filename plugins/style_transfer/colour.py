"""Strength and colour preservation in Oklab, a perceptual colour space.

A plain RGB fade between the original and the stylized picture passes through greyish,
muddy mixtures; in Oklab equal steps of strength look like equal steps of change and hues
travel the short way. Preserving the original colours keeps the original's chroma (a, b)
and takes only the stylized lightness (L): the brush strokes without the palette.

sRGB decoding and encoding go through tables (256 entries in, 4096 out) because the
transfer curve's power function is the slowest step at full resolution. The cube root runs
as OpenCV's vectorized power (numpy's cbrt is about nine times slower at 720p); it is exact
enough (round trips stay within one 8-bit level) and LMS is never negative for sRGB input.
"""

from __future__ import annotations

import cv2
import numpy as np

# Linear sRGB -> LMS and LMS' -> Oklab (Björn Ottosson's published matrices).
_RGB_TO_LMS = np.array([[0.4122214708, 0.5363325363, 0.0514459929],
                        [0.2119034982, 0.6806995451, 0.1073969566],
                        [0.0883024619, 0.2817188376, 0.6299787005]], np.float32)
_LMS_TO_LAB = np.array([[0.2104542553, 0.7936177850, -0.0040720468],
                        [1.9779984951, -2.4285922050, 0.4505937099],
                        [0.0259040371, 0.7827717662, -0.8086757660]], np.float32)
_LAB_TO_LMS = np.linalg.inv(_LMS_TO_LAB.astype(np.float64)).astype(np.float32)
_LMS_TO_RGB = np.linalg.inv(_RGB_TO_LMS.astype(np.float64)).astype(np.float32)


def _srgb_to_linear(v: np.ndarray) -> np.ndarray:
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def _linear_to_srgb(v: np.ndarray) -> np.ndarray:
    v = np.clip(v, 0.0, 1.0)
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055)


_DECODE = _srgb_to_linear(np.arange(256, dtype=np.float64) / 255.0).astype(np.float32)
_ENCODE_STEPS = 4096
_ENCODE = np.round(_linear_to_srgb(np.arange(_ENCODE_STEPS + 1, dtype=np.float64) / _ENCODE_STEPS) * 255.0
                   ).astype(np.uint8)


_DECODE_LUT = _DECODE.reshape(1, 256)


def rgb_to_oklab(rgb: np.ndarray) -> np.ndarray:
    """uint8 HxWx3 sRGB -> float32 HxWx3 Oklab (L 0..1, a and b about -0.4..0.4)."""
    linear = cv2.LUT(np.ascontiguousarray(rgb), _DECODE_LUT)
    lms = cv2.transform(linear, _RGB_TO_LMS)
    cv2.pow(lms, 1.0 / 3.0, dst=lms)
    return cv2.transform(lms, _LMS_TO_LAB)


def oklab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """float32 HxWx3 Oklab -> uint8 HxWx3 sRGB (out-of-gamut colours clipped per channel)."""
    lms = cv2.transform(np.ascontiguousarray(lab, np.float32), _LAB_TO_LMS)
    cube = cv2.multiply(lms, lms)
    cv2.multiply(cube, lms, dst=cube)
    linear = cv2.transform(cube, _LMS_TO_RGB)
    # table index: linear * steps + 0.5, clipped, truncated (all in place)
    linear *= _ENCODE_STEPS
    linear += 0.5
    np.clip(linear, 0, _ENCODE_STEPS, out=linear)
    return np.take(_ENCODE, linear.astype(np.uint16))


def blend(original: np.ndarray, stylized: np.ndarray, strength: float, preserve_colours: bool) -> np.ndarray:
    """The stylized picture at `strength` (0 = original, 1 = fully stylized) over the original.

    Both are uint8 HxWx3 of the same shape. With `preserve_colours` the stylized picture
    contributes only its lightness.
    """
    strength = float(min(max(strength, 0.0), 1.0))
    if strength >= 1.0 and not preserve_colours:
        return stylized
    if strength <= 0.0:
        return original
    orig = rgb_to_oklab(original)
    styl = rgb_to_oklab(stylized)
    if preserve_colours:
        styl[..., 1:] = orig[..., 1:]
    if strength < 1.0:
        # orig + (styl - orig) * s, computed in place to keep full-resolution temporaries few
        styl -= orig
        styl *= strength
        styl += orig
    return oklab_to_rgb(styl)


_LUMA_ROW = np.array([[0.2126, 0.7152, 0.0722]], np.float32) / 255.0


def luma(rgb: np.ndarray) -> np.ndarray:
    """Rec. 709 luma of a uint8 picture as float32 0..1 (the guide for upsampling)."""
    # cv2.transform keeps the input's depth, so the picture goes in as float (uint8 would round)
    return cv2.transform(rgb.astype(np.float32), _LUMA_ROW)
