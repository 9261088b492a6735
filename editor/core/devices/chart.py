"""Per-layer cost chart of a prediction (matplotlib, Agg: no display needed). PNG or SVG."""

from __future__ import annotations

from pathlib import Path

from editor.core.devices.errors import NetworkFormatError
from editor.core.devices.predict import Prediction

COLORS = {"conv": "#d62728", "pointwise": "#1f77b4", "depthwise": "#2ca02c", "memory": "#ff7f0e"}
LABELS = {"conv": "dense KxK conv", "pointwise": "1x1 conv", "depthwise": "depthwise conv",
          "memory": "memory-bound (norm, act, pad, resize, pool, fc)"}


def figure(pred: Prediction, max_layers: int = 60):
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    layers = pred.layers
    if len(layers) > max_layers:
        # Keep the costliest layers, in network order, so the chart stays legible.
        keep = set(sorted(range(len(layers)), key=lambda i: -layers[i].ms)[:max_layers])
        layers = [lt for i, lt in enumerate(layers) if i in keep]
    fig = Figure(figsize=(10, max(3.0, 0.22 * len(layers) + 1.6)))
    ax = fig.add_subplot(1, 1, 1)
    names = [lt.name[-28:] for lt in layers]
    ax.barh(range(len(layers)), [lt.ms for lt in layers], color=[COLORS.get(lt.kind, "#7f7f7f") for lt in layers])
    ax.set_yticks(range(len(layers)))
    ax.set_yticklabels(names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("predicted ms")
    shown = "" if len(layers) == len(pred.layers) else f", {len(layers)} costliest of {len(pred.layers)} layers"
    ax.set_title(f"{pred.network} on {pred.device}: {pred.total_ms:.1f} ms, {pred.fps:.1f} fps "
                 f"({pred.input_size[0]}x{pred.input_size[1]}{', int8' if pred.int8 else ''}{shown})", fontsize=9)
    kinds = pred.by_kind()
    from matplotlib.patches import Patch

    ax.legend([Patch(color=COLORS[k]) for k in COLORS if k in kinds],
              [f"{LABELS[k]}: {kinds[k]:.1f} ms" for k in COLORS if k in kinds], fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def save_chart(pred: Prediction, out_path) -> Path:
    out_path = Path(out_path)
    if out_path.suffix.lower() not in (".png", ".svg"):
        raise NetworkFormatError(out_path, "the chart must be a .png or .svg file")
    fig = figure(pred)
    fig.savefig(out_path, dpi=110)
    return out_path
