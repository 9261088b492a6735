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
