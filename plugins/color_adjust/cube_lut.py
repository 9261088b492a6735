"""Reading and applying `.cube` colour look-up tables (1D and 3D, as Resolve writes them)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from editor.errors import PluginError

_MAX_3D = 256
_MAX_1D = 65536


@dataclass(frozen=True)
class CubeLut:
    table: np.ndarray  # 1D: (N, 3); 3D: (N, N, N, 3) indexed [blue, green, red]
    domain_min: np.ndarray
    domain_max: np.ndarray

    @property
    def is_3d(self) -> bool:
        return self.table.ndim == 4

    def apply(self, rgb: np.ndarray) -> np.ndarray:
        """Map float RGB in 0..1 (H, W, 3) through the table, interpolating linearly."""
        x = (rgb - self.domain_min) / (self.domain_max - self.domain_min)
        np.clip(x, 0.0, 1.0, out=x)
        n = self.table.shape[0]
        pos = x * (n - 1)
        i0 = np.minimum(pos.astype(np.int32), n - 2)
        f = pos - i0
        if not self.is_3d:
            out = np.empty_like(x)
            for c in range(3):
                lo = self.table[i0[..., c], c]
                hi = self.table[i0[..., c] + 1, c]
                out[..., c] = lo + (hi - lo) * f[..., c]
            return out
        r0, g0, b0 = i0[..., 0], i0[..., 1], i0[..., 2]
        fr, fg, fb = f[..., 0:1], f[..., 1:2], f[..., 2:3]
        t = self.table
        # Trilinear: interpolate along red, then green, then blue.
        c00 = t[b0, g0, r0] + (t[b0, g0, r0 + 1] - t[b0, g0, r0]) * fr
        c01 = t[b0, g0 + 1, r0] + (t[b0, g0 + 1, r0 + 1] - t[b0, g0 + 1, r0]) * fr
        c10 = t[b0 + 1, g0, r0] + (t[b0 + 1, g0, r0 + 1] - t[b0 + 1, g0, r0]) * fr
        c11 = t[b0 + 1, g0 + 1, r0] + (t[b0 + 1, g0 + 1, r0 + 1] - t[b0 + 1, g0 + 1, r0]) * fr
        c0 = c00 + (c01 - c00) * fg
        c1 = c10 + (c11 - c10) * fg
        return c0 + (c1 - c0) * fb


def read_cube(path: str | os.PathLike) -> CubeLut:
    """Parse a .cube file; PluginError naming the file and line on any problem."""
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8", errors="strict") as f:
            lines = f.readlines()
    except FileNotFoundError:
        raise PluginError(path, "LUT file not found") from None
    except UnicodeDecodeError:
        raise PluginError(path, "not a .cube LUT (not text)") from None
    except OSError as exc:
        raise PluginError(path, f"LUT cannot be read: {exc.strerror or exc}") from None
    size = None
    dims = 0
    lo, hi = [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]
    rows: list[tuple[float, float, float]] = []
    for number, line in enumerate(lines, 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        key = words[0].upper()
        try:
            if key in ("LUT_1D_SIZE", "LUT_3D_SIZE"):
                if size is not None:
                    raise ValueError("a second table size")
                dims = 1 if key == "LUT_1D_SIZE" else 3
                size = int(words[1])
                limit = _MAX_1D if dims == 1 else _MAX_3D
                if not 2 <= size <= limit:
                    raise ValueError(f"table size {size} is outside 2..{limit}")
            elif key == "DOMAIN_MIN":
                lo = [float(w) for w in words[1:4]]
            elif key == "DOMAIN_MAX":
                hi = [float(w) for w in words[1:4]]
            elif key in ("LUT_1D_INPUT_RANGE", "LUT_3D_INPUT_RANGE"):
                lo, hi = [float(words[1])] * 3, [float(words[2])] * 3
            elif key[0].isalpha():
                continue  # other keywords are allowed by the format and ignored
            else:
                if len(words) != 3:
                    raise ValueError(f"expected three numbers, found {len(words)} values")
                rows.append((float(words[0]), float(words[1]), float(words[2])))
        except (ValueError, IndexError) as exc:
            raise PluginError(path, f"line {number}: {exc if str(exc) else 'malformed'}") from None
    if size is None:
        raise PluginError(path, "not a .cube LUT (no LUT_1D_SIZE or LUT_3D_SIZE line)")
    expected = size if dims == 1 else size ** 3
    if len(rows) != expected:
        raise PluginError(path, f"the table has {len(rows)} entries; LUT size {size} needs {expected}")
    if len(lo) != 3 or len(hi) != 3 or any(a >= b for a, b in zip(lo, hi)):
        raise PluginError(path, "DOMAIN_MIN must be below DOMAIN_MAX for every channel")
    table = np.asarray(rows, dtype=np.float32)
    if not np.isfinite(table).all():
        raise PluginError(path, "the table holds a value that is not a finite number")
    if dims == 3:
        table = table.reshape(size, size, size, 3)  # red varies fastest: [b][g][r]
    return CubeLut(table, np.asarray(lo, np.float32), np.asarray(hi, np.float32))
