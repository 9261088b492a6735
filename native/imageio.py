"""Reading and writing the frames and tensors `stylecut runtime run` accepts.

RGB frames: binary PPM (P6, maxval 255, written and parsed here) and PNG (through Pillow).
Tensors: .npy holding float32 [1, C, H, W].
"""

from __future__ import annotations

import os

import numpy as np

from native.errors import NativeRunError


def _ppm_tokens(data: bytes, count: int, path: str):
    """The first `count` whitespace-separated header tokens (skipping # comments) and the offset
    of the byte after the single whitespace that ends the header."""
    tokens, pos, n = [], 0, len(data)
    while len(tokens) < count:
        while pos < n and data[pos:pos + 1].isspace():
            pos += 1
        if pos < n and data[pos:pos + 1] == b"#":
            while pos < n and data[pos:pos + 1] not in (b"\n", b"\r"):
                pos += 1
            continue
        start = pos
        while pos < n and not data[pos:pos + 1].isspace() and data[pos:pos + 1] != b"#":
            pos += 1
        if start == pos:
            raise NativeRunError(path, "truncated PPM header")
        tokens.append(data[start:pos])
    if pos >= n or not data[pos:pos + 1].isspace():
        raise NativeRunError(path, "truncated PPM header")
    return tokens, pos + 1


def read_ppm(path) -> np.ndarray:
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise NativeRunError(path, f"cannot read ({exc.strerror})") from None
    if not data.startswith(b"P6"):
        raise NativeRunError(path, "not a binary PPM (P6) file")
    tokens, offset = _ppm_tokens(data, 4, path)
    try:
        width, height, maxval = (int(t) for t in tokens[1:4])
    except ValueError:
        raise NativeRunError(path, "PPM header has a non-numeric size") from None
    if width < 1 or height < 1:
        raise NativeRunError(path, f"PPM image is empty ({width}x{height})")
    if maxval != 255:
        raise NativeRunError(path, f"PPM maxval {maxval} is not supported (only 8-bit, 255)")
    need = width * height * 3
    if len(data) - offset < need:
        raise NativeRunError(path, f"PPM pixel data is truncated ({len(data) - offset} of {need} bytes)")
    return np.frombuffer(data, np.uint8, need, offset).reshape(height, width, 3).copy()


def write_ppm(path, rgb: np.ndarray) -> None:
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w = rgb.shape[:2]
    _atomic_write(path, b"P6\n%d %d\n255\n" % (w, h) + rgb.tobytes())


def _atomic_write(path, data: bytes) -> None:
    path = os.fspath(path)
    tmp = path + ".part"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise NativeRunError(path, f"cannot write ({exc.strerror})") from None


def read_rgb(path) -> np.ndarray:
    path = os.fspath(path)
    if path.lower().endswith(".ppm"):
        return read_ppm(path)
    if not os.path.isfile(path):
        raise NativeRunError(path, "no such image file")
    from PIL import Image

    try:
        with Image.open(path) as img:
            return np.ascontiguousarray(np.asarray(img.convert("RGB")))
    except OSError as exc:
        raise NativeRunError(path, f"cannot read image ({exc})") from None


def write_rgb(path, rgb: np.ndarray) -> None:
    path = os.fspath(path)
    if path.lower().endswith(".ppm"):
        return write_ppm(path, rgb)
    if not path.lower().endswith(".png"):
        raise NativeRunError(path, "output image must be .png or .ppm")
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8), "RGB").save(buf, format="PNG")
    _atomic_write(path, buf.getvalue())


def read_tensor(path) -> np.ndarray:
    path = os.fspath(path)
    try:
        arr = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise NativeRunError(path, "no such tensor file") from None
    except (OSError, ValueError) as exc:
        raise NativeRunError(path, f"not a readable .npy tensor ({exc})") from None
    if arr.dtype != np.float32 or arr.ndim != 4 or arr.shape[0] != 1:
        raise NativeRunError(path, f"tensor must be float32 [1, C, H, W], got {arr.dtype} {list(arr.shape)}")
    return np.ascontiguousarray(arr)


def write_tensor(path, arr: np.ndarray) -> None:
    import io

    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    _atomic_write(path, buf.getvalue())
