"""Original | desktop | phone, for the viewer: side by side, or one picture split in three.

Side by side shrinks the three versions to thirds of the frame's width, letterboxed in the
frame's size, so the viewer shows them without changing its canvas. Split keeps the full
picture and shows each version in its own vertical band (a wipe), which makes seams between
desktop and phone output easy to spot. Both label the panels. `difference` reports how far
the phone output is from the desktop one, in 8-bit levels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from .colour import blend

LAYOUTS = ("side-by-side", "split")


@dataclass
class Comparison:
    frame: np.ndarray                  # the composed picture, the input's size
    panels: dict[str, np.ndarray]      # name -> full-size version
    mean_abs_diff: float               # phone vs desktop, mean absolute difference (0..255)
    max_abs_diff: int


def compare(effect, frame: np.ndarray, params: dict[str, Any], layout: str = "side-by-side",
            phone_backend: str | None = None, labels: bool = True) -> Comparison:
    """The original, the desktop and the phone rendering of `frame` composed for display.

    `effect` is a StyleTransfer instance (its sessions are reused); the phone backend is the
    effect's own when it is a phone backend, else `phone`."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout {layout!r} is not one of {', '.join(LAYOUTS)}")
    phone = phone_backend or (params["backend"] if params["backend"].startswith("phone") else "phone")
    versions = {"original": frame}
    for name, backend in (("desktop", "desktop"), (phone, phone)):
        styled = effect.stylize(frame, params, backend=backend)
        versions[name] = blend(frame, styled, params["strength"], params["preserve_colors"])
    desk, ph = versions["desktop"].astype(np.int16), versions[phone].astype(np.int16)
    diff = np.abs(desk - ph)
    h, w = frame.shape[:2]
    if layout == "side-by-side":
        out = _side_by_side(list(versions.items()), h, w, labels)
    else:
        out = _split(list(versions.items()), h, w, labels)
    return Comparison(out, versions, float(diff.mean()), int(diff.max()))


def _side_by_side(items, h: int, w: int, labels: bool) -> np.ndarray:
    canvas = np.zeros((h, w, 3), np.uint8)
    n = len(items)
    panel_w = w // n
    panel_h = max(1, round(h * panel_w / w))
    top = (h - panel_h) // 2
    for k, (name, picture) in enumerate(items):
        small = cv2.resize(picture, (panel_w, panel_h), interpolation=cv2.INTER_AREA)
        canvas[top:top + panel_h, k * panel_w:(k + 1) * panel_w] = small
        if labels:
            _label(canvas, name, k * panel_w + 4, top + 4, panel_w)
    return canvas


def _split(items, h: int, w: int, labels: bool) -> np.ndarray:
    canvas = np.empty((h, w, 3), np.uint8)
    n = len(items)
    edges = [round(w * k / n) for k in range(n + 1)]
    for k, (name, picture) in enumerate(items):
        canvas[:, edges[k]:edges[k + 1]] = picture[:, edges[k]:edges[k + 1]]
        if k:
            canvas[:, edges[k]] = 255  # a one-pixel white seam marks each cut
        if labels:
            _label(canvas, name, edges[k] + 4, 4, edges[k + 1] - edges[k])
    return canvas


def _label(canvas: np.ndarray, text: str, x: int, y: int, width: int) -> None:
    scale = max(0.3, min(1.0, canvas.shape[0] / 720))
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    if tw + 8 > width or th + base + 8 > canvas.shape[0]:
        return  # too small to label legibly
    cv2.rectangle(canvas, (x, y), (x + tw + 6, y + th + base + 6), (0, 0, 0), thickness=-1)
    cv2.putText(canvas, text, (x + 3, y + th + 3), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1,
                cv2.LINE_AA)
