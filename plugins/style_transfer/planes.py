"""The style effect on video planes, for encoders: no full-resolution RGB at all.

Decoders hand out 4:2:0 YCbCr and encoders take it back. At full strength without colour
preservation the effect can stay in that form: the network runs on a small RGB picture
scaled straight from the decoded planes, its output is turned into YCbCr at that small size,
its luma is enlarged with the guided filter guided by the decoded full-resolution luma, and
its chroma, which 4:2:0 keeps at half resolution anyway, is only resized. That skips two
full-resolution colour conversions and runs the full-resolution guided step on one plane
instead of three.

The conversion is the one FFmpeg's swscale applies by default when the export path turns RGB
into YCbCr (ITU-R BT.601, limited range), so both paths encode the same colours.
"""

from __future__ import annotations

import cv2
import numpy as np

from .upsample import guided_upsample_plane

# rows: Y, Cb, Cr; columns: R, G, B (0..255 in) and the offset
_RGB_TO_YCBCR = np.array([
    [65.481, 128.553, 24.966, 16.0 * 255],
    [-37.797, -74.203, 112.0, 128.0 * 255],
    [112.0, -93.786, -18.214, 128.0 * 255],
], np.float32) / 255.0


def rgb_to_ycbcr(rgb: np.ndarray) -> np.ndarray:
    """uint8 RGB -> uint8 (Y, Cb, Cr) per pixel, BT.601 limited range (rounded, saturated)."""
    return cv2.transform(rgb, _RGB_TO_YCBCR)


def chroma_shape(height: int, width: int) -> tuple[int, int]:
    return (height + 1) // 2, (width + 1) // 2


def stylized_planes(stylized_low: np.ndarray, luma_full: np.ndarray, radius: int = 2):
    """(Y, Cb, Cr) uint8 planes of the stylized picture for a 4:2:0 frame.

    `stylized_low` is the network's RGB output at the processing size; `luma_full` the
    original's decoded luma plane at full size (the guide)."""
    H, W = luma_full.shape
    h, w = stylized_low.shape[:2]
    ycc = rgb_to_ycbcr(stylized_low)
    guide_low = cv2.resize(luma_full, (w, h), interpolation=cv2.INTER_AREA) if (h, w) != (H, W) else luma_full
    y = guided_upsample_plane(np.ascontiguousarray(ycc[..., 0]), guide_low, luma_full, radius=radius)
    ch, cw = chroma_shape(H, W)
    chroma = ycc[..., 1:]
    if (h, w) != (ch, cw):
        chroma = cv2.resize(chroma, (cw, ch), interpolation=cv2.INTER_AREA if h > ch else cv2.INTER_LINEAR)
    return y, np.ascontiguousarray(chroma[..., 0]), np.ascontiguousarray(chroma[..., 1])
