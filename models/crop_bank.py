"""Teacher targets computed on the crops themselves.

The teacher normalises every feature map over the whole picture it is given, so its output
on a region depends on everything around that region. Cutting a crop out of the teacher's
output for a whole picture therefore asks the student for something it cannot know from the
crop alone: on real frames, teacher(picture)[crop] and teacher(crop) differ by 12-24 dB of
low-pass PSNR. Training on such pairs teaches an average of contradictory answers, which
shows as washed-out colours. Here every training sample is a crop (at a random scale, with a
random flip, sometimes softened like upscaled low-resolution video) and the teacher runs on
exactly that crop, so input and target always agree.

Samples come in a few fixed shapes so they batch; the bank is computed once per recipe and
cached under models/.cache/ (never committed).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from models import content as content_mod
from models import teachers
from models.distill import Pair, cache_key, load_pairs, save_pairs

CACHE_DIR = Path(__file__).resolve().parent / ".cache"

# (height, width) of the samples: a square and a 16:9 frame, both large enough that the
# instance-norm statistics look like those of a whole video frame.
SHAPES = ((256, 256), (256, 448))
SCALE_RANGE = (256, 560)        # short side of the picture a crop is cut from
SOFTEN_PROBABILITY = 0.25       # share of crops downscaled then upscaled (like QCIF video)


def _soften(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = img.shape[:2]
    f = float(rng.uniform(1.6, 2.6))
    small = content_mod.resize_to(img, max(8, int(h / f)), max(8, int(w / f)))
    return content_mod.resize_to(small, h, w)


def draw_crops(items, per_picture: int, seed: int, shapes=SHAPES) -> list[tuple[str, np.ndarray]]:
    """Random crops of every picture: random scale, position, shape and flip (reproducible)."""
    rng = np.random.default_rng(seed)
    crops = []
    for name, img in items:
        for k in range(per_picture):
            ch, cw = shapes[k % len(shapes)]
            need = max(ch, cw * min(img.shape[:2]) / max(img.shape[:2]))
            lo = max(SCALE_RANGE[0], int(np.ceil(need)))
            short = int(rng.integers(lo, max(lo, SCALE_RANGE[1]) + 1))
            pic = content_mod.fit_short_side(img, short)
            h, w = pic.shape[:2]
            if h < w:
                sh, sw = ch, cw
            else:  # portrait pictures give portrait crops of the wide shape
                sh, sw = cw, ch
            if h < sh or w < sw:
                sh, sw = ch, ch
            if h < sh or w < sw:
                continue
            top = int(rng.integers(h - sh + 1))
            left = int(rng.integers(w - sw + 1))
            x = pic[top:top + sh, left:left + sw]
            if rng.random() < 0.5:
                x = x[:, ::-1]
            x = np.ascontiguousarray(x)
            if rng.random() < SOFTEN_PROBABILITY:
                x = _soften(x, rng)
            crops.append((f"{name}#{k}", x))
    return crops


def crop_bank(styles: list[int], per_picture: int = 12, seed: int = 7, progress: bool = True,
              threads: int = 2) -> list[Pair]:
    """Crops of the training pictures with the multi-style teacher's output on each (cached).

    The teacher's outputs are also cached per style (targets only: the crops are redrawn,
    they are a fixed function of the seed), so a catalog that swaps one style computes that
    style alone."""
    from tqdm import tqdm

    items = content_mod.training_content()
    recipe = _recipe(items, per_picture, seed)
    key = cache_key(["crops-v1", recipe[0], styles] + recipe[1:])
    cache = CACHE_DIR / f"crops-multistyle-{key}.npz"
    if cache.is_file():
        return load_pairs(cache)
    crops = draw_crops(items, per_picture, seed)
    per_style = {}
    for k in styles:
        path = style_targets_path(k, recipe)
        if path.is_file():
            with np.load(path) as z:
                per_style[k] = [z[f"t{i}"] for i in range(len(crops))]
            continue
        outs = [(teachers.multistyle(x, k, threads) * 255 + 0.5).astype(np.uint8)
                for _, x in tqdm(crops, desc=f"teacher style {k} on crops", disable=not progress, unit="crop")]
        save_style_targets(path, outs)
        per_style[k] = outs
    samples = [Pair(name, x, np.stack([per_style[k][i] for k in styles])) for i, (name, x) in enumerate(crops)]
    save_pairs(cache, samples)
    return samples


def _recipe(items, per_picture: int, seed: int) -> list:
    """Everything a bank's content depends on besides its styles (the cache keys' parts)."""
    return [teachers.teacher_path("multistyle26").stat().st_size, per_picture, seed, SHAPES, SCALE_RANGE,
            SOFTEN_PROBABILITY, [(n, a.shape, int(a[::17, ::13].sum())) for n, a in items]]


def style_targets_path(style: int, recipe: list) -> Path:
    return CACHE_DIR / f"crops-style{style}-{cache_key(['crops-v1-style', style] + recipe)}.npz"


def save_style_targets(path: Path, outs: list[np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **{f"t{i}": t for i, t in enumerate(outs)})
    tmp.replace(path)


def by_shape(samples: list[Pair]) -> dict[tuple[int, int], list[Pair]]:
    groups: dict[tuple[int, int], list[Pair]] = {}
    for s in samples:
        groups.setdefault(s.image.shape[:2], []).append(s)
    return groups
