"""The picture shown where a clip's media is offline or cannot be decoded.

Dark red diagonal stripes with "MEDIA OFFLINE" in block letters: unmistakable in a preview
and in an exported file, and drawn with numpy alone (the core has no font renderer).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

# 5x7 block letters for the words on the card.
_GLYPHS = {
    "M": ["10001", "11011", "10101", "10101", "10001", "10001", "10001"],
    "E": ["11111", "10000", "10000", "11110", "10000", "10000", "11111"],
    "D": ["11110", "10001", "10001", "10001", "10001", "10001", "11110"],
    "I": ["11111", "00100", "00100", "00100", "00100", "00100", "11111"],
    "A": ["01110", "10001", "10001", "11111", "10001", "10001", "10001"],
    "O": ["01110", "10001", "10001", "10001", "10001", "10001", "01110"],
    "F": ["11111", "10000", "10000", "11110", "10000", "10000", "10000"],
    "L": ["10000", "10000", "10000", "10000", "10000", "10000", "11111"],
    "N": ["10001", "11001", "10101", "10011", "10001", "10001", "10001"],
    " ": ["00000"] * 7,
}
TEXT = "MEDIA OFFLINE"
BACKGROUND = (40, 0, 0)
STRIPE = (120, 0, 0)
INK = (255, 255, 255)


def _text_mask(text: str) -> np.ndarray:
    rows = []
    for r in range(7):
        rows.append([int(bit) for ch in text for bit in _GLYPHS[ch][r] + "0"])
    return np.array(rows, dtype=bool)[:, :-1]


@lru_cache(maxsize=8)
def offline_card(width: int, height: int) -> np.ndarray:
    """A read-only RGB card of the given size."""
    y, x = np.mgrid[0:height, 0:width]
    period = max(8, min(width, height) // 8)
    stripes = ((x + y) // (period // 2)) % 2 == 0
    card = np.empty((height, width, 3), np.uint8)
    card[:] = BACKGROUND
    card[stripes] = STRIPE
    mask = _text_mask(TEXT)
    scale = max(1, min(width * 3 // 4 // mask.shape[1], height // 4 // mask.shape[0]))
    big = np.kron(mask, np.ones((scale, scale), dtype=bool))
    h, w = big.shape
    if h <= height and w <= width:
        top, left = (height - h) // 2, (width - w) // 2
        region = card[top:top + h, left:left + w]
        region[big] = INK
    card.flags.writeable = False
    return card
