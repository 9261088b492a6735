"""Any painting as a style: distil Magenta's arbitrary stylization network, steered by the
painting's style embedding, into a one-style student, and install it in the user's library.

    stylecut style train --image PAINTING.jpg --name "My Painting"

The teacher only takes 384x384 pictures, so the training content is 384x384 views of the
same real pictures the shipped styles learn from (whole pictures and crops of enlarged ones).
The student is the shipped architecture with a single style (its `style_weights` input has
length 1), so it runs everywhere a shipped style runs, on both runtimes.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from editor.errors import StyleCutError
from models import catalog, content, teachers

DEFAULT_ITERS = 1500
DEFAULT_MINUTES = 14.0


def slug(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not s:
        raise StyleCutError(name, "a style name needs at least one letter or digit")
    return s[:48]


def load_painting(path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise StyleCutError(path, "painting not found")
    try:
        with Image.open(path) as im:
            rgb = np.asarray(im.convert("RGB"))
    except (UnidentifiedImageError, OSError) as exc:
        raise StyleCutError(path, f"not a readable picture ({exc})") from None
    if min(rgb.shape[:2]) < 64:
        raise StyleCutError(path, f"picture is too small ({rgb.shape[1]}x{rgb.shape[0]}); "
                                  "at least 64 pixels a side")
    return rgb


def content_views(seed: int = 0) -> list[np.ndarray]:
    """384x384 views of the training pictures: the centre of each, plus one random crop of a
    1.5x enlargement (finer detail at the teacher's fixed size)."""
    size = teachers.ARBITRARY_SIZE
    rng = np.random.default_rng(seed)
    views = []
    for _, img in content.training_content(bunny_step=6):
        for short in (size, int(size * 1.5)):
            x = content.fit_short_side(img, short)
            h, w = x.shape[:2]
            if short == size:
                top, left = (h - size) // 2, (w - size) // 2
            else:
                top, left = int(rng.integers(h - size + 1)), int(rng.integers(w - size + 1))
            views.append(np.ascontiguousarray(x[top:top + size, left:left + size]))
    return views


def painting_pairs(embedding: np.ndarray, progress: bool = True, seed: int = 0, views: int | None = None):
    from tqdm import tqdm

    from models.distill import Pair

    pairs = []
    chosen = content_views(seed)
    if views:
        chosen = chosen[::max(1, len(chosen) // views)][:views]
    for i, v in enumerate(tqdm(chosen, desc="teacher targets", unit="img", disable=not progress)):
        t = (teachers.arbitrary(v, embedding) * 255 + 0.5).astype(np.uint8)
        pairs.append(Pair(f"view{i}", v, t[None]))
    return pairs


def train_painting(painting: Path, name: str, iters: int = DEFAULT_ITERS, minutes: float = DEFAULT_MINUTES,
                   library: Path | None = None, force: bool = False, progress: bool = True,
                   seed: int = 20261, views: int | None = None) -> catalog.Style:
    """Train, export and install a painting style; returns its catalog entry.
    `views` limits the number of content views (fewer teacher runs, for quick trials)."""
    from PIL import Image

    from models.distill import Recipe, train
    from models.macs import macs_per_pixel
    from models.runner import StyleNetwork
    from models.shipped import thumbnail_source, THUMB_SIZE
    from models.student import export_onnx

    painting = Path(painting)
    style_id = slug(name)
    library = catalog.library_dir() if library is None else Path(library)
    target = library / style_id
    taken = {s.id for s in catalog.load_catalog()} if catalog.CATALOG.is_file() else set()
    if style_id in taken:
        raise StyleCutError(name, f"the id {style_id!r} belongs to a shipped style; choose another name")
    if target.exists() and not force:
        raise StyleCutError(target, "a library style with this name exists (use --force to replace it)")
    pic = load_painting(painting)
    t0 = time.time()
    embedding = teachers.style_embedding(pic)
    pairs = painting_pairs(embedding, progress=progress, seed=seed, views=views)
    # Whole 384x384 views, never crops of them: the teacher normalises over the picture it
    # sees, so a crop of its output is not what it would paint on the crop alone.
    # The time limit covers the whole job: teacher targets, training and export (~1 min).
    recipe = Recipe(iters=iters, batch=2, crop=teachers.ARBITRARY_SIZE, lr=3e-3, seed=seed,
                    extra={"deadline": t0 + minutes * 60 - 60 if minutes else None})
    model, log = train(pairs, 1, recipe, progress=progress, deadline=recipe.extra["deadline"])
    library.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{style_id}-", dir=library))
    try:
        export_onnx(model, work / "model.onnx")
        net = StyleNetwork(work / "model.onnx")
        thumb = content.resize_to(thumbnail_source(), THUMB_SIZE[1] * 4, THUMB_SIZE[0] * 4)
        Image.fromarray(net.stylize(thumb, net.one_hot(0))).resize(THUMB_SIZE, Image.LANCZOS).save(
            work / "thumbnail.png", optimize=True)
        side = min(pic.shape[:2])
        Image.fromarray(pic).resize((max(1, pic.shape[1] * 128 // side), max(1, pic.shape[0] * 128 // side)),
                                    Image.LANCZOS).save(work / "painting.png", optimize=True)
        entry = {
            "id": style_id, "name": name, "model": "model.onnx", "style_index": 0, "style_count": 1,
            "teacher": {"name": "arbitrary", "style": painting.name},
            "macs_per_pixel": round(macs_per_pixel(work / "model.onnx", 512, 512), 1),
            "licence": teachers.LICENCE,
            "attribution": teachers.ARBITRARY_ATTRIBUTION + f"; style picture {painting.name} "
                                                            "(its own licence applies)",
            "thumbnail": "thumbnail.png", "painting": "painting.png",
            "embedding": [round(float(v), 6) for v in embedding],
            "training": {"iterations": recipe.iters, "completed_iterations": log.get("done"),
                         "seconds": round(time.time() - t0, 1), "seed": seed, "views": len(pairs),
                         "final_l1": log["pixel"][-1] if log["pixel"] else None},
        }
        (work / catalog.STYLE_FILE).write_text(json.dumps(entry, indent=2) + "\n")
        if target.exists():
            shutil.rmtree(target)
        work.rename(target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    styles, _ = catalog.load_library(library)
    return next(s for s in styles if s.id == style_id)


def held_out_fidelity(style_dir, step: int = 20) -> dict:
    """Low-pass PSNR and embedding cosine of a trained painting style against its teacher on
    384x384 centre views of held-out frames (footage training never saw)."""
    from models import metrics
    from models.runner import StyleNetwork

    style_dir = Path(style_dir)
    entry = json.loads((style_dir / catalog.STYLE_FILE).read_text())
    embedding = np.asarray(entry["embedding"], np.float32)
    net = StyleNetwork(style_dir / entry["model"])
    size = teachers.ARBITRARY_SIZE
    lp, cos = [], []
    for _, frame in content.held_out_frames(step=step):
        x = content.fit_short_side(frame, size)
        h, w = x.shape[:2]
        x = np.ascontiguousarray(x[(h - size) // 2:(h - size) // 2 + size, (w - size) // 2:(w - size) // 2 + size])
        t = teachers.arbitrary(x, embedding)
        s = net.run_float(metrics.as_float(x), net.one_hot(0))
        lp.append(metrics.lowpass_psnr(s, t))
        cos.append(metrics.embedding_cosine(s, t))
    return {"frames": len(lp), "lowpass_psnr": float(np.mean(lp)), "cosine": float(np.mean(cos))}


if __name__ == "__main__":
    import sys

    for d in sys.argv[1:]:
        r = held_out_fidelity(d)
        print(f"{d}: {r['frames']} held-out frames, low-pass PSNR {r['lowpass_psnr']:.2f} dB, "
              f"embedding cosine {r['cosine']:.4f}")
