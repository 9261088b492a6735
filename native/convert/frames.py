"""Representative RGB frames for int8 calibration: from a video file or a folder of images."""

from __future__ import annotations

import os

import numpy as np

from native.errors import ConvertError

IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".ppm", ".bmp", ".webp", ".tif", ".tiff")


def _fit(rgb: np.ndarray, max_side: int, multiple: int, min_size: int) -> np.ndarray:
    """Scale so the long side is at most max_side, then crop to a multiple of `multiple`."""
    from PIL import Image

    h, w = rgb.shape[:2]
    k = min(1.0, max_side / max(h, w))
    if k < 1.0:
        rgb = np.asarray(Image.fromarray(rgb).resize((max(1, round(w * k)), max(1, round(h * k))),
                                                     Image.BILINEAR))
    h, w = rgb.shape[:2]
    h2, w2 = h - h % multiple, w - w % multiple
    if h2 < min_size or w2 < min_size:
        return None
    return np.ascontiguousarray(rgb[:h2, :w2])


def load_frames(source, count: int = 16, max_side: int = 320, multiple: int = 1, min_size: int = 1):
    """Up to `count` uint8 H x W x 3 frames, evenly spread over a video or a sorted image folder."""
    path = os.fspath(source)
    if os.path.isdir(path):
        names = sorted(n for n in os.listdir(path) if n.lower().endswith(IMAGE_EXTS))
        if not names:
            raise ConvertError(path, "the calibration folder holds no images "
                                     f"({', '.join(IMAGE_EXTS)})")
        picks = [names[int(i)] for i in np.linspace(0, len(names) - 1, min(count, len(names)))]
        frames = [_read_image(os.path.join(path, n)) for n in dict.fromkeys(picks)]
    elif os.path.isfile(path):
        frames = _read_video(path, count)
    else:
        raise ConvertError(path, "calibration source not found (give a video file or a folder of images)")
    fitted = [f for f in (_fit(fr, max_side, multiple, min_size) for fr in frames) if f is not None]
    if not fitted:
        raise ConvertError(path, f"no calibration frame is at least {min_size} pixels on each side")
    return fitted


def _read_image(path: str) -> np.ndarray:
    if path.lower().endswith(".ppm"):
        from native.imageio import read_ppm
        return read_ppm(path)
    from PIL import Image

    try:
        with Image.open(path) as img:
            return np.asarray(img.convert("RGB"))
    except OSError as exc:
        raise ConvertError(path, f"cannot read calibration image ({exc})") from None


def _read_video(path: str, count: int) -> list[np.ndarray]:
    import av

    try:
        with av.open(path) as container:
            if not container.streams.video:
                raise ConvertError(path, "the calibration file has no video stream")
            frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    except (av.error.FFmpegError, OSError) as exc:
        raise ConvertError(path, f"cannot decode calibration video ({exc})") from None
    if not frames:
        raise ConvertError(path, "the calibration video has no frames")
    idx = np.unique(np.linspace(0, len(frames) - 1, min(count, len(frames))).round().astype(int))
    return [frames[i] for i in idx]
