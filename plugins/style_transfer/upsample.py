"""Getting pictures to and from the network's size without losing edges.

`to_processing_size` shrinks a frame so its short side is the processing size (area
averaging, no aliasing). `pad_to_multiple` reflect-pads to the network's size multiple so
borders see mirrored content instead of black, and `crop` undoes it.

`guided_upsample` brings the network's output back to the full resolution edge-aware, as a
fast guided filter (He and Sun, 2015): at low resolution each output channel is modelled, in
every small window, as a linear function a * luma + b of the original's luma; the smoothed
coefficients are then enlarged and applied to the full-resolution luma. Edges come from the
full-resolution original, so they stay as sharp as the source, while the style's colours and
strokes come from the network.
"""

from __future__ import annotations

import cv2
import numpy as np

from .colour import luma


def processing_shape(height: int, width: int, short_side: int) -> tuple[int, int]:
    """(h, w) with the short side at most `short_side` (0: unchanged); never enlarges."""
    short = min(height, width)
    if short_side <= 0 or short_side >= short:
        return height, width
    scale = short_side / short
    return max(1, round(height * scale)), max(1, round(width * scale))


def resize(rgb: np.ndarray, height: int, width: int) -> np.ndarray:
    if rgb.shape[:2] == (height, width):
        return rgb
    shrinking = height < rgb.shape[0]
    return cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def pad_to_multiple(rgb: np.ndarray, multiple: int) -> tuple[np.ndarray, tuple[int, int]]:
    """Reflect-pad bottom and right to a multiple of `multiple`; returns the picture and (h, w)."""
    h, w = rgb.shape[:2]
    ph, pw = (-h) % multiple, (-w) % multiple
    if not (ph or pw):
        return np.ascontiguousarray(rgb), (h, w)
    # BORDER_REFLECT_101 mirrors without repeating the edge pixel (numpy's "reflect"); it needs
    # the picture to be larger than the pad, which the minimum size check guarantees.
    return cv2.copyMakeBorder(np.ascontiguousarray(rgb), 0, ph, 0, pw, cv2.BORDER_REFLECT_101), (h, w)


def crop(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    h, w = size
    if rgb.shape[:2] == (h, w):
        return rgb
    return np.ascontiguousarray(rgb[:h, :w])


def _box(x: np.ndarray, radius: int) -> np.ndarray:
    return cv2.boxFilter(x, -1, (2 * radius + 1, 2 * radius + 1), normalize=True,
                         borderType=cv2.BORDER_REFLECT)


def guided_upsample(stylized_low: np.ndarray, original_low: np.ndarray, original_full: np.ndarray,
                    radius: int = 2, eps: float = 2e-3) -> np.ndarray:
    """Enlarge `stylized_low` (uint8, the size of `original_low`) to the size of `original_full`,
    guided by the original's luma. `radius` is in low-resolution pixels; `eps` trades
    edge-following (small) against plain smooth enlargement (large)."""
    H, W = original_full.shape[:2]
    h, w = stylized_low.shape[:2]
    if (h, w) == (H, W):
        return stylized_low
    guide = luma(original_low)
    p = stylized_low.astype(np.float32) * (1.0 / 255.0)
    mean_i = _box(guide, radius)
    mean_p = _box(p, radius)
    corr_ip = _box(p * guide[..., None], radius)
    var_i = _box(guide * guide, radius) - mean_i * mean_i
    a = (corr_ip - mean_i[..., None] * mean_p) / (var_i[..., None] + eps)
    b = mean_p - a * mean_i[..., None]
    ab = np.concatenate([_box(a, radius), _box(b, radius)], axis=2)
    ab_full = cv2.resize(ab, (W, H), interpolation=cv2.INTER_LINEAR)
    guide_full = luma(original_full)
    out = ab_full[..., :3] * guide_full[..., None]
    out += ab_full[..., 3:]
    out *= 255.0
    out += 0.5
    np.clip(out, 0.0, 255.0, out=out)
    return out.astype(np.uint8)
