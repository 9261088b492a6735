"""Real content pictures for distillation and evaluation.

Training uses the stills that ship inside scikit-image, scikit-learn and matplotlib plus
frames 0-99 of bigbuckbunny.mp4. Evaluation uses only footage training never sees: every
frame of carphone_pristine.mp4 and bigbuckbunny frames from 100 on.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from editor.errors import MediaError

REPO = Path(__file__).resolve().parent.parent
MEDIA = REPO.parent / "shared" / "media"
BUNNY = MEDIA / "bigbuckbunny.mp4"
CARPHONE = MEDIA / "carphone_pristine.mp4"

# First bigbuckbunny frame reserved for evaluation; earlier frames may be used for training.
BUNNY_HELD_OUT_FROM = 100

SKIMAGE_STILLS = ("astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field",
                  "immunohistochemistry", "retina", "camera", "coins", "brick", "grass",
                  "gravel", "moon")


def _rgb(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype != np.uint8:
        a = (np.clip(a.astype(np.float64), 0, 1) * 255 + 0.5).astype(np.uint8) if a.max() <= 1 else a.astype(np.uint8)
    if a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    return np.ascontiguousarray(a[:, :, :3])


def stills() -> list[tuple[str, np.ndarray]]:
    """(name, HxWx3 uint8) for every bundled still picture that is installed."""
    out = []
    import skimage.data

    for name in SKIMAGE_STILLS:
        fn = getattr(skimage.data, name, None)
        if fn is None:
            continue
        try:
            out.append((f"skimage:{name}", _rgb(fn())))
        except Exception:  # a still that needs a download this machine cannot make
            continue
    from sklearn.datasets import load_sample_images

    for name, img in zip(("china", "flower"), load_sample_images().images):
        out.append((f"sklearn:{name}", _rgb(img)))
    import matplotlib.cbook as cbook
    from PIL import Image

    for name in ("grace_hopper.jpg",):
        try:
            with cbook.get_sample_data(name) as fh:
                out.append((f"matplotlib:{name}", _rgb(np.asarray(Image.open(fh).convert("RGB")))))
        except (OSError, ValueError):
            continue
    return out


def video_frames(path: Path, indices) -> list[np.ndarray]:
    """Decoded RGB frames of `path` at the given indices (in decode order)."""
    import av

    wanted = set(indices)
    frames = []
    try:
        with av.open(str(path)) as container:
            for i, frame in enumerate(container.decode(video=0)):
                if i in wanted:
                    frames.append(frame.to_ndarray(format="rgb24"))
                if i >= max(wanted):
                    break
    except (OSError, av.FFmpegError) as exc:
        raise MediaError(path, f"cannot decode video frames ({exc})") from None
    if not frames:
        raise MediaError(path, "no video frames decoded")
    return frames


def training_content(bunny_step: int = 3) -> list[tuple[str, np.ndarray]]:
    """All training pictures: stills plus every `bunny_step`-th bunny frame below 100."""
    items = stills()
    idx = list(range(0, BUNNY_HELD_OUT_FROM, bunny_step))
    for i, f in zip(idx, video_frames(BUNNY, idx)):
        items.append((f"bigbuckbunny:{i}", f))
    return items


def held_out_frames(step: int = 1) -> list[tuple[str, np.ndarray]]:
    """Evaluation frames training never saw: carphone (all) and bunny frames >= 100."""
    items = []
    idx = list(range(0, 120, step))
    for i, f in zip(idx, video_frames(CARPHONE, idx)):
        items.append((f"carphone:{i}", f))
    idx = list(range(BUNNY_HELD_OUT_FROM, 132, step))
    for i, f in zip(idx, video_frames(BUNNY, idx)):
        items.append((f"bigbuckbunny:{i}", f))
    return items


def resize_to(img: np.ndarray, height: int, width: int) -> np.ndarray:
    from PIL import Image

    if img.shape[:2] == (height, width):
        return img
    return np.asarray(Image.fromarray(img).resize((width, height), Image.LANCZOS))


def fit_short_side(img: np.ndarray, short: int, multiple: int = 8) -> np.ndarray:
    """Resize so the shorter side is about `short` and both sides divide by `multiple`."""
    h, w = img.shape[:2]
    scale = short / min(h, w)
    nh = max(multiple, int(round(h * scale / multiple)) * multiple)
    nw = max(multiple, int(round(w * scale / multiple)) * multiple)
    return resize_to(img, nh, nw)
