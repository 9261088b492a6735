"""Activation ranges for int8: run the float ONNX model in onnxruntime on representative frames
(and every style of a conditional network), then pick per tensor the clipping range that
minimizes the int8 round-trip error on the values seen.

Plain min/max lets a few extreme values (one style's outliers on a residual stream) stretch the
step for every other value; searching the clip range on a sample of the real values trades a
little clipping of the tails for much finer steps everywhere else."""

from __future__ import annotations

import numpy as np

from native.convert.ir import Network


def activation_ranges(onnx_model, net: Network, frames: list[np.ndarray],
                      names: list[str]) -> dict[str, tuple[float, float]]:
    """{tensor name: (min, max)} over all frames (and, for conditional networks, all styles)."""
    import onnx
    import onnxruntime as ort

    model = onnx.ModelProto()
    model.CopyFrom(onnx_model)
    graph_inputs = {i.name for i in model.graph.input}
    existing = {o.name for o in model.graph.output}
    wanted = [n for n in names if n not in graph_inputs]
    for name in wanted:
        if name not in existing:
            model.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL  # keep every tensor
    opts.intra_op_num_threads = 2
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    out_names = [o.name for o in sess.get_outputs()]
    ranges: dict[str, list[float]] = {}
    samples: dict[str, list[np.ndarray]] = {}
    rng = np.random.default_rng(0)

    def note(name, arr):
        lo, hi = float(arr.min()), float(arr.max())
        if name in ranges:
            ranges[name][0] = min(ranges[name][0], lo)
            ranges[name][1] = max(ranges[name][1], hi)
        else:
            ranges[name] = [lo, hi]
        flat = arr.reshape(-1)
        samples.setdefault(name, []).append(flat[rng.integers(0, flat.size, min(flat.size, per_run))])

    runs = max(len(frames), net.num_styles)
    per_run = -(-SAMPLE // runs)
    for j in range(runs):
        rgb = frames[j % len(frames)]
        x = (rgb.astype(np.float32) / 255.0).transpose(2, 0, 1)[None].copy()
        feeds = {net.image_input: x}
        if net.style_input:
            w = np.zeros(net.num_styles, np.float32)
            w[j % net.num_styles] = 1.0
            shape = [d.dim_value for d in next(i for i in model.graph.input
                                               if i.name == net.style_input).type.tensor_type.shape.dim]
            feeds[net.style_input] = w.reshape(shape)
        note(net.image_input, x)
        for name, arr in zip(out_names, sess.run(out_names, feeds)):
            note(name, arr)
    out = {}
    for name in names:
        if name not in ranges:
            continue
        lo, hi = ranges[name]
        out[name] = (lo, hi) if name == net.image_input else best_clip(np.concatenate(samples[name]), lo, hi)
    return out


SAMPLE = 400000         # values kept per tensor (over all runs) for the clip search
BINS = 8192             # histogram resolution of the search


def roundtrip_error(values: np.ndarray, lo: float, hi: float, weights: np.ndarray | None = None) -> float:
    """Mean squared error of quantizing `values` to int8 over [lo, hi] and back
    (each value counted `weights` times when given)."""
    from native.convert.quantize import activation_params

    scale, zp = activation_params(lo, hi)
    q = np.clip(np.rint(values / scale) + zp, -128, 127)
    err = (scale * (q - zp) - values) ** 2
    return float(np.average(err, weights=weights))


def best_clip(values: np.ndarray, lo: float, hi: float) -> tuple[float, float]:
    """The [lo', hi'] inside [lo, hi] (both ends shrunk by the same factor) with the least
    round-trip error on `values`, evaluated on a fine histogram of them."""
    if hi - lo <= 0:
        return lo, hi
    counts, edges = np.histogram(values, bins=BINS, range=(lo, hi))
    keep = counts > 0
    centres = ((edges[:-1] + edges[1:]) / 2)[keep]
    counts = counts[keep].astype(np.float64)
    best = (roundtrip_error(centres, lo, hi, counts), lo, hi)
    for k in np.geomspace(0.02, 0.98, 60):
        err = roundtrip_error(centres, lo * k, hi * k, counts)
        if err < best[0]:
            best = (err, lo * k, hi * k)
    return best[1], best[2]
