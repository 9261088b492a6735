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

import threading

import cv2
import numpy as np



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


def _box(x: np.ndarray, radius: int, dst: np.ndarray | None = None) -> np.ndarray:
    return cv2.boxFilter(x, -1, (2 * radius + 1, 2 * radius + 1), dst=dst, normalize=True,
                         borderType=cv2.BORDER_REFLECT)


def gray(rgb: np.ndarray) -> np.ndarray:
    """The guide: luma (OpenCV's fixed-point Rec. 601 weights), uint8."""
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def _coefficients(p: np.ndarray, guide: np.ndarray, radius: int, eps: float):
    """Per-window linear fit p ~ a * guide + b (all at low resolution), smoothed.

    `p` is uint8 (h, w) or (h, w, c), `guide` uint8 (h, w); the fit runs in 8-bit levels
    (OpenCV box-filters and multiplies uint8 straight into float32, so no conversion pass),
    `eps` is in the usual 0..1 units. Returns a per guide level (dimensionless) and b in
    levels, ready to enlarge. Both live in per-thread scratch buffers: use them before the
    next call."""
    channels = 1 if p.ndim == 2 else p.shape[2]
    shape = p.shape
    g = guide if channels == 1 else cv2.merge([guide] * channels, dst=_buffer("c.g", shape, np.uint8))

    def box(src, name):
        return cv2.boxFilter(src, cv2.CV_32F, (2 * radius + 1, 2 * radius + 1), dst=_buffer(name, shape, np.float32),
                             normalize=True, borderType=cv2.BORDER_REFLECT)

    mean_g = box(g, "c.mean_g")
    mean_p = box(p, "c.mean_p")
    tmp = _buffer("c.tmp", shape, np.float32)
    cov = box(cv2.multiply(p, g, dst=tmp, dtype=cv2.CV_32F), "c.cov")     # mean(p g)
    var = box(cv2.multiply(g, g, dst=tmp, dtype=cv2.CV_32F), "c.var")     # mean(g g)
    cv2.subtract(cov, cv2.multiply(mean_g, mean_p, dst=tmp), dst=cov)
    cv2.subtract(var, cv2.multiply(mean_g, mean_g, dst=tmp), dst=var)
    cv2.add(var, eps * 255.0 * 255.0, dst=var)
    a = cv2.divide(cov, var, dst=cov)
    b = cv2.subtract(mean_p, cv2.multiply(a, mean_g, dst=tmp), dst=mean_p)
    a = box(a, "c.a")
    b = box(b, "c.b")
    return a, b


_workspace = threading.local()


def _buffer(name: str, shape: tuple, dtype) -> np.ndarray:
    """A scratch array kept per thread: fresh full-resolution arrays cost more in page faults
    (the allocator hands big blocks back to the system) than the arithmetic done in them."""
    store = getattr(_workspace, "buffers", None)
    if store is None:
        store = _workspace.buffers = {}
    key = (name, shape, np.dtype(dtype).str)
    buf = store.get(key)
    if buf is None:
        if len(store) > 16:  # sizes changed (another clip): forget the old ones
            store.clear()
        buf = store[key] = np.empty(shape, dtype)
    return buf


def _apply(a: np.ndarray, b: np.ndarray, guide_full: np.ndarray) -> np.ndarray:
    """a * guide + b at the guide's (full) resolution, rounded and saturated to uint8."""
    H, W = guide_full.shape[:2]
    shape = (H, W) + a.shape[2:]
    a_full = cv2.resize(a, (W, H), dst=_buffer("a", shape, np.float32), interpolation=cv2.INTER_LINEAR)
    b_full = cv2.resize(b, (W, H), dst=_buffer("b", shape, np.float32), interpolation=cv2.INTER_LINEAR)
    g = guide_full if a.ndim == 2 else cv2.merge([guide_full] * a.shape[2], dst=_buffer("g", shape, np.uint8))
    # the product in float (in place), then one saturating add that rounds to uint8
    cv2.multiply(a_full, g, dst=a_full, dtype=cv2.CV_32F)
    return cv2.add(a_full, b_full, dtype=cv2.CV_8U)


def _find_native():
    try:
        from native import runtime
    except ImportError:
        return None
    return runtime.guided_upsample if runtime.available() else None


# The native runtime's single-pass version when it is built (the same filter, within a level;
# half the time for RGB and about 0.4 for one plane, 640x360 to 720p on one core:
# bench/bench_guided_upsample.py); `guided_upsample_reference` otherwise.
_native = _find_native()


def guided_upsample_plane(plane_low: np.ndarray, guide_low: np.ndarray, guide_full: np.ndarray,
                          radius: int = 2, eps: float = 2e-3) -> np.ndarray:
    """One uint8 plane (or an h x w x c picture) enlarged to `guide_full`'s size, guided by it.

    `guide_low` is the guide at the plane's size; all are uint8."""
    if plane_low.shape[:2] == guide_full.shape[:2]:
        return plane_low
    if _native is not None:
        return _native(plane_low, guide_low, guide_full, radius, eps)
    return guided_upsample_reference(plane_low, guide_low, guide_full, radius, eps)


def guided_upsample_reference(plane_low: np.ndarray, guide_low: np.ndarray, guide_full: np.ndarray,
                              radius: int = 2, eps: float = 2e-3) -> np.ndarray:
    """The guided enlargement in OpenCV passes: what the native version is held to."""
    if plane_low.shape[:2] == guide_full.shape[:2]:
        return plane_low
    a, b = _coefficients(np.ascontiguousarray(plane_low), np.ascontiguousarray(guide_low), radius, eps)
    return _apply(a, b, guide_full)


def guided_upsample(stylized_low: np.ndarray, original_low: np.ndarray, original_full: np.ndarray,
                    radius: int = 2, eps: float = 2e-3) -> np.ndarray:
    """Enlarge `stylized_low` (uint8 RGB, the size of `original_low`) to the size of
    `original_full`, guided by the original's luma. `radius` is in low-resolution pixels;
    `eps` trades edge-following (small) against plain smooth enlargement (large)."""
    if stylized_low.shape[:2] == original_full.shape[:2]:
        return stylized_low
    return guided_upsample_plane(stylized_low, gray(original_low), gray(original_full), radius, eps)
