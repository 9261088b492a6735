"""The pictures inside a pack: the sample frame, PPM bytes, PNG thumbnails.

Samples are binary PPM (P6) because a phone developer can read them with twenty lines of C
(native/examples/stylecut_stylize.c does) and compare outputs with `cmp`; the header is written
exactly as `stylecut runtime run` writes it, so the files compare byte for byte.
"""

from __future__ import annotations

import io

import numpy as np

from editor.core.stylepack.errors import PackError

THUMB_SIZE = (160, 90)      # width, height
MAX_THUMB_SIDE = 1024


def ppm_bytes(rgb: np.ndarray) -> bytes:
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w = rgb.shape[:2]
    return b"P6\n%d %d\n255\n" % (w, h) + rgb.tobytes()


def parse_ppm(pack: str, name: str, data: bytes) -> np.ndarray:
    """A PPM written by `ppm_bytes` (the only form a pack holds)."""
    parts = data.split(b"\n", 3)
    try:
        if len(parts) != 4 or parts[0] != b"P6" or parts[2] != b"255":
            raise ValueError
        w, h = (int(v) for v in parts[1].split(b" "))
    except ValueError:
        raise PackError(pack, f"{name}: not a binary PPM with the header 'P6\\nW H\\n255\\n'") from None
    if not (1 <= w <= 16384 and 1 <= h <= 16384) or len(parts[3]) != w * h * 3:
        raise PackError(pack, f"{name}: PPM size {w}x{h} disagrees with its {len(parts[3])} pixel bytes")
    return np.frombuffer(parts[3], np.uint8).reshape(h, w, 3).copy()


def png_bytes(rgb: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8), "RGB").save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def check_png(pack: str, name: str, data: bytes) -> tuple[int, int]:
    """A thumbnail must be a PNG of sane size; the size is read from the header before any
    pixel is decoded, so a decompression bomb is refused without inflating it."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format != "PNG":
                raise PackError(pack, f"{name}: thumbnail is {img.format}, not PNG")
            w, h = img.size
            if not (1 <= w <= MAX_THUMB_SIDE and 1 <= h <= MAX_THUMB_SIDE):
                raise PackError(pack, f"{name}: thumbnail is {w}x{h}, larger than {MAX_THUMB_SIDE} pixels a side")
            img.load()
    except PackError:
        raise
    except Exception as exc:  # Pillow raises many types for broken images
        raise PackError(pack, f"{name}: not a readable PNG ({exc})") from None
    return w, h


def thumbnail(rgb: np.ndarray) -> bytes:
    """A 16:9 thumbnail of a stylized frame (centre crop, then scaled)."""
    from PIL import Image

    h, w = rgb.shape[:2]
    tw, th = THUMB_SIZE
    if w * th > h * tw:
        cw, ch = h * tw // th, h
    else:
        cw, ch = w, w * th // tw
    x0, y0 = (w - cw) // 2, (h - ch) // 2
    img = Image.fromarray(np.ascontiguousarray(rgb[y0:y0 + ch, x0:x0 + cw]), "RGB")
    return png_bytes(np.asarray(img.resize(THUMB_SIZE, Image.LANCZOS)))


def default_sample(width: int, height: int) -> np.ndarray:
    """A real photograph, cropped to the sample's aspect and scaled: natural content exercises
    the network the way camera frames do, which flat test patterns would not. NASA's
    public-domain astronaut portrait from scikit-image, else the Grace Hopper portrait that
    matplotlib ships (scikit-image is an optional dependency)."""
    problems = []
    try:
        import skimage.data

        return fit(np.asarray(skimage.data.astronaut())[:, :, :3], width, height)
    except Exception as exc:  # not installed, or a trimmed installation without its data
        problems.append(f"scikit-image: {exc}")
    try:
        import matplotlib.cbook as cbook
        from PIL import Image

        with cbook.get_sample_data("grace_hopper.jpg") as fh:
            return fit(np.asarray(Image.open(fh).convert("RGB")), width, height)
    except Exception as exc:
        problems.append(f"matplotlib: {exc}")
    raise PackError("sample picture", f"no default sample picture is installed ({'; '.join(problems)}); "
                                      "pass --sample IMAGE")


def fit(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """Centre-crop `rgb` to width:height and scale it to exactly that size."""
    from PIL import Image

    h, w = rgb.shape[:2]
    if w * height > h * width:
        cw, ch = h * width // height, h
    else:
        cw, ch = w, w * height // width
    x0, y0 = (w - cw) // 2, (h - ch) // 2
    crop = np.ascontiguousarray(rgb[y0:y0 + ch, x0:x0 + cw, :3].astype(np.uint8))
    return np.asarray(Image.fromarray(crop, "RGB").resize((width, height), Image.LANCZOS))
