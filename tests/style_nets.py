"""Small multi-style networks for the style-transfer tests, built like the shipped one.

`models.student.StyleStudent` with deterministic random weights, exported with the project's
own exporter, and written as a style library (one `style.json` per style, the form
`models.catalog.load_library` reads). Each style gets its own normalisation table row, so the
styles look different from each other, as trained ones do.
"""

from __future__ import annotations

import json
from pathlib import Path

STYLE_IDS = ("test-ember", "test-frost", "test-moss")


def build_network(path: Path, n_styles: int = len(STYLE_IDS), seed: int = 7) -> Path:
    import torch

    from models.student import StyleStudent, export_onnx

    torch.manual_seed(seed)
    net = StyleStudent(n_styles)
    with torch.no_grad():
        for name, p in net.named_parameters():
            if name.endswith("gamma"):
                p.copy_(1.0 + 0.6 * torch.randn(p.shape))
            elif name.endswith("beta"):
                p.copy_(0.5 * torch.randn(p.shape))
            elif p.dim() > 1:
                p.copy_(torch.randn(p.shape) * (2.0 / p[0].numel()) ** 0.5)
            else:
                p.copy_(0.05 * torch.randn(p.shape))
    export_onnx(net, path, size=64)
    return path


def write_library(folder: Path, model: Path, ids=STYLE_IDS) -> Path:
    """One sub-folder per style, each pointing at the same multi-style network."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, style_id in enumerate(ids):
        sub = folder / style_id
        sub.mkdir(exist_ok=True)
        entry = {"id": style_id, "name": style_id.replace("-", " ").title(),
                 "model": str(model), "style_index": i, "style_count": len(ids),
                 "teacher": None, "macs_per_pixel": 1800.0, "licence": "test"}
        (sub / "style.json").write_text(json.dumps(entry))
    return folder


def _source_digest() -> str:
    import hashlib

    import models.student

    digest = hashlib.sha256()
    for path in (Path(models.student.__file__), Path(__file__)):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cached_network(cache_root: Path) -> Path:
    """The test network, exported once and kept while the student's code stays the same
    (exporting takes the better part of a minute on two cores)."""
    folder = Path(cache_root) / _source_digest()
    path = folder / "test_styles.onnx"
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / "building.onnx"
        build_network(tmp)
        tmp.replace(path)
    return path


def style_environment(request, tmp_path_factory):
    """Point the style library and the model cache at scratch folders for the whole run;
    returns (library folder, network path, cache folder)."""
    import os

    net = cached_network(request.config.cache.mkdir("style_nets"))
    library = write_library(tmp_path_factory.mktemp("style_library"), net)
    cache = tmp_path_factory.mktemp("style_cache")
    saved = {k: os.environ.get(k) for k in ("STYLECUT_LIBRARY", "STYLECUT_CACHE_DIR")}
    os.environ["STYLECUT_LIBRARY"] = str(library)
    os.environ["STYLECUT_CACHE_DIR"] = str(cache)

    def restore():
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

    request.addfinalizer(restore)
    return library, net, cache
