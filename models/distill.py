"""Distil the teacher networks into the small student network (models/student.py).

The shipped weights come from three runs (one CPU thread each, about an hour together on a
shared 2-core machine):

    .venv/bin/python -m models.distill --iters 2200 --crop 128 --stop-after 1500 \
        --out models/.cache/stage1.onnx --no-catalog
    .venv/bin/python -m models.distill --init models/.cache/stage1.onnx --iters 700 \
        --crop 256 --batch 4 --lr 1e-3 --scales 256,352 --seed 20262
    (copy the result to models/.cache/stage2.onnx, with its .recipe.json)
    .venv/bin/python -m models.distill --init models/.cache/stage2.onnx --iters 800 \
        --crop 256 --batch 4 --lr 7e-4 --scales 256,352 --seed 20263 \
        --out models/.cache/stage3.onnx --no-catalog
    (copy it to models/stylecut_styles.onnx, then: .venv/bin/python -m models.shipped)

Teacher outputs on real content at three scales are computed once and cached under
models/.cache/ (never committed). One conditional-instance-norm student learns every shipped
style at once from random crops (flipped at random) with a pixel L1 loss, an L1 loss on
Gaussian-blurred outputs (the look of a region, indifferent to stroke phase) and a stability
loss ||f(x + e) - f(x)|| with e ~ N(0, (2/255)^2), so film grain and codec noise do not make
strokes jump between video frames. The first stage learns fast on small crops; the second
uses crops nearly as large as the pictures, because the teacher normalises over the whole
picture and a small crop's instance-norm statistics differ from it. Seeds are fixed; each
run writes the ONNX file and a recipe record beside it; the last also writes the catalog
and the thumbnails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from models import content as content_mod
from models import shipped, teachers

MODELS_DIR = Path(__file__).resolve().parent
CACHE_DIR = MODELS_DIR / ".cache"

SCALES = (256, 352, 480)          # short side of the content pictures the teacher sees
NOISE_SIGMA = 2.0 / 255.0         # the stability term's noise, as in the evaluation
LOWPASS_SIGMA = 2.0
TEXTURE_SIGMA = 1.0               # the blur that separates fine detail in the texture term


@dataclass
class Pair:
    """A content picture and its teacher outputs, one per style (all uint8 HxWx3)."""
    name: str
    image: np.ndarray
    targets: np.ndarray  # [S, H, W, 3]


@dataclass
class Recipe:
    iters: int = 2200
    batch: int = 8
    crop: int = 128
    lr: float = 2e-3
    seed: int = 20260
    lowpass_weight: float = 2.0
    noise_weight: float = 1.0
    stop_after: int | None = None  # end after this many iterations of the `iters` schedule
    threads: int = 1           # one thread: on a shared machine a second thread mostly waits
    extra: dict = field(default_factory=dict)


# ---------------------------------------------------------------- teacher targets

def cache_key(parts) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(repr(p).encode())
    return h.hexdigest()[:16]


def multistyle_pairs(styles: list[int], scales=SCALES, progress: bool = True) -> list[Pair]:
    """Teacher targets of the 26-style network for every training picture and scale (cached)."""
    from tqdm import tqdm

    items = content_mod.training_content()
    key = cache_key(["multistyle26", teachers.teacher_path("multistyle26").stat().st_size, styles,
                   list(scales), [(n, a.shape, int(a[::17, ::13].sum())) for n, a in items]])
    cache = CACHE_DIR / f"targets-multistyle-{key}.npz"
    if cache.is_file():
        return load_pairs(cache)
    pairs = []
    jobs = [(name, img, s) for name, img in items for s in scales]
    for name, img, s in tqdm(jobs, desc="teacher targets", disable=not progress, unit="img"):
        x = content_mod.fit_short_side(img, s)
        t = np.stack([(teachers.multistyle(x, k) * 255 + 0.5).astype(np.uint8) for k in styles])
        pairs.append(Pair(f"{name}@{s}", x, t))
    save_pairs(cache, pairs)
    return pairs


def save_pairs(path: Path, pairs: list[Pair]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    arrays = {}
    for i, p in enumerate(pairs):
        arrays[f"x{i}"] = p.image
        arrays[f"t{i}"] = p.targets
    arrays["names"] = np.array([p.name for p in pairs])
    np.savez(tmp, **arrays)
    tmp.replace(path)


def load_pairs(path: Path) -> list[Pair]:
    with np.load(path) as z:
        names = list(z["names"])
        return [Pair(str(n), z[f"x{i}"], z[f"t{i}"]) for i, n in enumerate(names)]


# ---------------------------------------------------------------- training

def gaussian_kernel(sigma: float):
    import torch

    radius = int(math.ceil(3 * sigma))
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-(x ** 2) / (2 * sigma ** 2))
    return k / k.sum()


def blur(x, kernel):
    """Separable Gaussian blur with reflection at the borders (NCHW)."""
    import torch.nn.functional as F

    c = x.shape[1]
    r = kernel.numel() // 2
    kh = kernel.view(1, 1, 1, -1).repeat(c, 1, 1, 1)
    kv = kernel.view(1, 1, -1, 1).repeat(c, 1, 1, 1)
    x = F.pad(x, (r, r, r, r), mode="reflect")
    x = F.conv2d(x, kh, groups=c)
    return F.conv2d(x, kv, groups=c)


def texture_energy(x, fine, coarse):
    """How much fine detail each region holds, whatever its phase: the magnitude of the
    high-pass part (the picture minus a slight blur), averaged over a neighbourhood. Pixel
    losses alone let a small student paint the average of the teacher's possible strokes,
    a blur; matching this energy asks for strokes as crisp as the teacher's without asking
    for them in exactly the same place."""
    return blur((x - blur(x, fine)).abs(), coarse)


def _pick_style(n_styles: int, recipe: Recipe, rng: np.random.Generator) -> int:
    """A style for one sample: uniform, or in proportion to recipe.extra["sample_weights"]
    (more batches for the styles that lag behind)."""
    weights = recipe.extra.get("sample_weights")
    if not weights:
        return int(rng.integers(n_styles))
    w = np.asarray(weights, np.float64)
    return int(rng.choice(n_styles, p=w / w.sum()))


def _batch(pairs: list[Pair], n_styles: int, recipe: Recipe, rng: np.random.Generator):
    import torch

    xs, ts, ws = [], [], []
    for _ in range(recipe.batch):
        p = pairs[rng.integers(len(pairs))]
        s = _pick_style(n_styles, recipe, rng)
        h, w = p.image.shape[:2]
        c = min(recipe.crop, h, w) // 8 * 8
        top = int(rng.integers(h - c + 1))
        left = int(rng.integers(w - c + 1))
        x = p.image[top:top + c, left:left + c]
        t = p.targets[s, top:top + c, left:left + c]
        if rng.random() < 0.5:
            x, t = x[:, ::-1], t[:, ::-1]
        if c != recipe.crop:  # a picture smaller than the crop: resize up to the batch size
            x = content_mod.resize_to(np.ascontiguousarray(x), recipe.crop, recipe.crop)
            t = content_mod.resize_to(np.ascontiguousarray(t), recipe.crop, recipe.crop)
        xs.append(np.ascontiguousarray(x))
        ts.append(np.ascontiguousarray(t))
        onehot = np.zeros(n_styles, np.float32)
        onehot[s] = 1.0
        ws.append(onehot)
    to = lambda a: torch.from_numpy(np.stack(a)).permute(0, 3, 1, 2).float() / 255.0
    return to(xs), to(ts), torch.from_numpy(np.stack(ws))


def _bank_batch(groups: dict, n_styles: int, recipe: Recipe, rng: np.random.Generator):
    """A batch of whole crop-bank samples of one shape (input and target already agree, so
    no further cropping or flipping)."""
    import torch

    shapes = sorted(groups)
    sizes = np.array([len(groups[s]) for s in shapes], np.float64)
    group = groups[shapes[int(rng.choice(len(shapes), p=sizes / sizes.sum()))]]
    xs, ts, ws, refs = [], [], [], []
    for _ in range(recipe.batch):
        sample = group[rng.integers(len(group))]
        s = _pick_style(n_styles, recipe, rng)
        xs.append(sample.image)
        ts.append(sample.targets[s])
        refs.append((sample, s))
        onehot = np.zeros(n_styles, np.float32)
        onehot[s] = 1.0
        ws.append(onehot)
    to = lambda a: torch.from_numpy(np.stack(a)).permute(0, 3, 1, 2).float() / 255.0
    return to(xs), to(ts), torch.from_numpy(np.stack(ws)), refs


class EmbeddingTerm:
    """The style-embedding loss: 1 - cosine between Magenta's style embeddings of the student's
    output and of the teacher's, on the centre square of each sample (as the evaluation
    measures whole frames). Teacher embeddings are computed once per (sample, style)."""

    def __init__(self):
        from models.embedding_loss import StylePredictor

        self.predictor = StylePredictor()
        self.targets = {}

    def __call__(self, y, refs):
        import torch

        from models.embedding_loss import cosine_loss, embed_nchw

        want = []
        for sample, s in refs:
            key = (id(sample), s)
            if key not in self.targets:  # style_embedding takes the centre square itself
                self.targets[key] = teachers.style_embedding(sample.targets[s])
            want.append(self.targets[key])
        h, w = y.shape[-2:]
        side = min(h, w)
        top, left = (h - side) // 2, (w - side) // 2
        e = embed_nchw(self.predictor, y[:, :, top:top + side, left:left + side])
        return cosine_loss(e, torch.from_numpy(np.stack(want)))


def train(pairs: list[Pair], n_styles: int, recipe: Recipe, progress: bool = True,
          checkpoint: Path | None = None, deadline: float | None = None, init: Path | None = None,
          init_style: int | list[int] | None = None):
    """Train a StyleStudent on (content, teacher output) pairs; returns (model, log).

    `deadline` (a time.time() value) ends training early for interactive use; the log's
    "done" entry tells how many iterations ran. `init` starts from the weights of an ONNX
    file this module exported (a second stage of training); with `init_style` the file is a
    multi-style student and only that style's normalisation tables are taken (a list: style i
    starts from the file's style init_style[i])."""
    import torch
    import torch.nn.functional as F
    from tqdm import tqdm

    from models.student import StyleStudent

    torch.set_num_threads(recipe.threads)
    torch.manual_seed(recipe.seed)
    rng = np.random.default_rng(recipe.seed)
    model = StyleStudent(n_styles)
    if init is not None:
        load_onnx_weights(model, init, style=init_style)
    opt = torch.optim.Adam(model.parameters(), lr=recipe.lr)
    # linear warm-up over the first 2 %, then cosine decay to 5 % of the peak rate
    warm = max(1, recipe.iters // 50)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: min(1.0, (i + 1) / warm) * (
        0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(i, recipe.iters) / recipe.iters))))
    kernel = gaussian_kernel(LOWPASS_SIGMA)
    fine = gaussian_kernel(TEXTURE_SIGMA)
    texture_weight = float(recipe.extra.get("texture_weight") or 0.0)
    embedding_weight = float(recipe.extra.get("embedding_weight") or 0.0)
    embedding = None
    if embedding_weight:
        if not isinstance(pairs, dict):
            raise ValueError("the style-embedding term needs crop-bank targets (--targets crops)")
        embedding = EmbeddingTerm()
    log = {"pixel": [], "lowpass": [], "noise": [], "style": []}
    run = {"pixel": 0.0, "lowpass": 0.0, "noise": 0.0, "style": 0.0}
    style_gap = torch.zeros(())
    bar = tqdm(range(recipe.iters), desc="distil", disable=not progress, unit="it", file=sys.stderr)
    model.train()
    done = 0
    for it in bar:
        if deadline is not None and time.time() > deadline:
            break
        if recipe.stop_after is not None and it >= recipe.stop_after:
            break
        refs = None
        if isinstance(pairs, dict):  # a crop bank grouped by shape
            x, t, w, refs = _bank_batch(pairs, n_styles, recipe, rng)
        else:
            x, t, w = _batch(pairs, n_styles, recipe, rng)
        noise = torch.zeros(())
        if recipe.noise_weight > 0:
            # half the batch again with noise added, in the same forward pass (instance norm
            # keeps samples independent)
            half = x.shape[0] // 2
            e = torch.randn_like(x[:half]) * NOISE_SIGMA
            y_all = model(torch.cat([x, x[:half] + e]), torch.cat([w, w[:half]]))
            y, y_noisy = y_all[:x.shape[0]], y_all[x.shape[0]:]
            noise = F.l1_loss(y_noisy, y[:half])
        else:
            y = model(x, w)
        pixel = F.l1_loss(y, t)
        lowpass = F.l1_loss(blur(y, kernel), blur(t, kernel))
        loss = pixel + recipe.lowpass_weight * lowpass + recipe.noise_weight * noise
        if texture_weight:
            texture = F.l1_loss(texture_energy(y, fine, kernel), texture_energy(t, fine, kernel))
            loss = loss + texture_weight * texture
        if embedding is not None:
            style_gap = embedding(y, refs)
            loss = loss + embedding_weight * style_gap
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        for k, v in (("pixel", pixel), ("lowpass", lowpass), ("noise", noise), ("style", style_gap)):
            run[k] = 0.98 * run[k] + 0.02 * float(v.detach()) if it else float(v.detach())
        if it % 50 == 0 or it == recipe.iters - 1:
            bar.set_postfix(l1=f"{run['pixel']:.4f}", low=f"{run['lowpass']:.4f}", noise=f"{run['noise']:.4f}",
                            **({"style": f"{run['style']:.4f}"} if embedding is not None else {}))
            for k in log:
                log[k].append(round(run[k], 5))
        if checkpoint is not None and (it + 1) % 500 == 0:
            checkpoint.parent.mkdir(parents=True, exist_ok=True)
            torch.save({"iter": it + 1, "model": model.state_dict()}, checkpoint)
        done = it + 1
    bar.close()
    log["done"] = done
    model.eval()
    return model, log


def load_onnx_weights(model, path: Path, style: int | list[int] | None = None) -> None:
    """Copy the weights of an exported student (initializer names are the parameter names).
    With `style`, the model's styles start from these styles of the file: style i takes row
    style[i] of every normalisation table (a bare index: a one-style student starting from a
    shared one; a list: a new set of styles starting from the nearest old ones)."""
    import onnx
    import onnx.numpy_helper
    import torch

    from editor.errors import StyleCutError

    arrays = {i.name: onnx.numpy_helper.to_array(i) for i in onnx.load(str(path)).graph.initializer}
    state = model.state_dict()
    rows = [style] if isinstance(style, int) else style
    missing = [k for k in state if k not in arrays]
    if missing:
        raise StyleCutError(path, f"not a student of this architecture (lacks {', '.join(missing[:3])})")
    for k in state:
        one_to_one = isinstance(style, int) and arrays[k].shape[0] == state[k].shape[0]  # already one style
        if rows is not None and k.endswith((".gamma", ".beta")) and not one_to_one:
            bad = [r for r in rows if not 0 <= r < arrays[k].shape[0]]
            if bad:
                raise StyleCutError(path, f"has {arrays[k].shape[0]} styles, no style {bad[0]}")
            arrays[k] = arrays[k][rows]
        if tuple(arrays[k].shape) != tuple(state[k].shape):
            raise StyleCutError(path, f"weight {k} has shape {arrays[k].shape}, expected {tuple(state[k].shape)}")
        state[k] = torch.from_numpy(arrays[k].copy())
    model.load_state_dict(state)


# ---------------------------------------------------------------- the shipped styles

def distil_shipped(recipe: Recipe, out: Path, progress: bool = True, init: Path | None = None,
                   scales=SCALES, catalog: bool = True) -> dict:
    from models.student import export_onnx, parameter_count

    styles = [s.teacher_style for s in shipped.STYLES]
    t0 = time.time()
    if recipe.extra.get("targets") == "crops":
        from models import crop_bank

        bank = crop_bank.crop_bank(styles, per_picture=recipe.extra["per_picture"], progress=progress)
        pairs = crop_bank.by_shape(bank)
        content_names = sorted({s.name.rsplit("#", 1)[0] for s in bank})
    else:
        pairs = multistyle_pairs(styles, progress=progress)
        pairs = [p for p in pairs if int(p.name.rsplit("@", 1)[1]) in scales]
        content_names = sorted({p.name.rsplit("@", 1)[0] for p in pairs})
    only = recipe.extra.get("style")
    init_style = recipe.extra.get("init_rows")
    if only is not None:
        # one style on its own: the same targets, cut down to that style's (views, no copies)
        init_style = [s.id for s in shipped.STYLES].index(only)
        one = lambda p: Pair(p.name, p.image, p.targets[init_style:init_style + 1])
        if isinstance(pairs, dict):
            pairs = {shape: [one(p) for p in group] for shape, group in pairs.items()}
        else:
            pairs = [one(p) for p in pairs]
        styles = [styles[init_style]]
    t1 = time.time()
    minutes = recipe.extra.get("minutes")
    model, log = train(pairs, len(styles), recipe, progress=progress,
                       checkpoint=CACHE_DIR / f"{out.stem}.checkpoint.pt", init=init, init_style=init_style,
                       deadline=None if minutes is None else time.time() + 60 * minutes)
    t2 = time.time()
    export_onnx(model, out)
    record = {
        "command": "python -m models.distill " + " ".join(sys.argv[1:]),
        "recipe": {k: v for k, v in recipe.__dict__.items() if k != "extra"},
        "iterations_run": log["done"],
        "teacher": "multistyle26", "teacher_styles": styles, "style": only,
        "targets": recipe.extra.get("targets", "pictures"),
        "texture_weight": recipe.extra.get("texture_weight", 0.0),
        "embedding_weight": recipe.extra.get("embedding_weight", 0.0),
        "per_picture": recipe.extra.get("per_picture"),
        "scales": list(scales), "init": None if init is None else str(init), "init_rows": recipe.extra.get("init_rows"),
        "sample_weights": recipe.extra.get("sample_weights"), "noise_sigma": NOISE_SIGMA, "lowpass_sigma": LOWPASS_SIGMA,
        "content": content_names,
        "parameters": parameter_count(model),
        "seconds": {"targets": round(t1 - t0, 1), "training": round(t2 - t1, 1)},
        "loss_every_50": log,
        "torch": __import__("torch").__version__,
    }
    recipe_file = out.with_suffix(".recipe.json")
    if init is not None and Path(init).with_suffix(".recipe.json").is_file():
        record["previous_stage"] = json.loads(Path(init).with_suffix(".recipe.json").read_text())
    recipe_file.write_text(json.dumps(record, indent=1) + "\n")
    if catalog:
        shipped.write_catalog(out)
    return record


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="distil the shipped styles into one small network")
    d = Recipe()
    parser.add_argument("--iters", type=int, default=d.iters)
    parser.add_argument("--batch", type=int, default=d.batch)
    parser.add_argument("--crop", type=int, default=d.crop)
    parser.add_argument("--lr", type=float, default=d.lr)
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--noise-weight", type=float, default=d.noise_weight)
    parser.add_argument("--lowpass-weight", type=float, default=d.lowpass_weight)
    parser.add_argument("--threads", type=int, default=d.threads)
    parser.add_argument("--out", type=Path, default=MODELS_DIR / "stylecut_styles.onnx")
    parser.add_argument("--stop-after", type=int, default=None,
                        help="end after this many iterations, keeping the learning-rate schedule of --iters")
    parser.add_argument("--init", type=Path, default=None,
                        help="start from the weights of an exported student (a second stage)")
    parser.add_argument("--scales", default=",".join(map(str, SCALES)),
                        help="content short sides to train on, among " + ",".join(map(str, SCALES)))
    parser.add_argument("--targets", choices=("pictures", "crops"), default="pictures",
                        help="teacher outputs on whole pictures (cropped afterwards) or on the crops themselves")
    parser.add_argument("--per-picture", type=int, default=12, help="crops per picture with --targets crops")
    parser.add_argument("--texture-weight", type=float, default=0.0,
                        help="weight of the phase-free texture-energy term (0: off)")
    parser.add_argument("--embedding-weight", type=float, default=0.0,
                        help="weight of the style-embedding term, 1 - cosine of Magenta's style embeddings "
                             "of student and teacher outputs (0: off; needs --targets crops)")
    parser.add_argument("--minutes", type=float, default=None,
                        help="end after this much training time, keeping the schedule of --iters")
    parser.add_argument("--style", choices=[s.id for s in shipped.STYLES],
                        help="train a one-style network for this shipped style only (with --init from the "
                             "many-style network, it starts from that style's part of it)")
    parser.add_argument("--init-rows", default=None,
                        help="with --init: for each shipped style, the style of the --init network it starts "
                             "from (comma-separated indices; for a changed set of styles)")
    parser.add_argument("--sample-weights", default=None,
                        help="relative share of batches per shipped style (comma-separated; default equal)")
    parser.add_argument("--no-catalog", action="store_true", help="do not rewrite catalog.json and thumbnails")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    scales = tuple(int(v) for v in args.scales.split(","))
    if not set(scales) <= set(SCALES):
        parser.error(f"--scales must be among {SCALES}")
    recipe = Recipe(iters=args.iters, batch=args.batch, crop=args.crop, lr=args.lr, seed=args.seed,
                    noise_weight=args.noise_weight, lowpass_weight=args.lowpass_weight,
                    threads=args.threads, stop_after=args.stop_after,
                    extra={"targets": args.targets, "per_picture": args.per_picture, "minutes": args.minutes,
                           "texture_weight": args.texture_weight, "style": args.style,
                           "embedding_weight": args.embedding_weight,
                           "init_rows": None if args.init_rows is None else [int(v) for v in args.init_rows.split(",")],
                           "sample_weights": None if args.sample_weights is None
                           else [float(v) for v in args.sample_weights.split(",")]})
    record = distil_shipped(recipe, args.out, progress=not args.quiet, init=args.init, scales=scales,
                            catalog=not args.no_catalog and args.style is None)
    print(f"wrote {args.out} ({record['parameters']} parameters, "
          f"{record['seconds']['training']:.0f} s training)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
