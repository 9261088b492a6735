"""Per-kernel-family cost on the host: what the native runtime actually runs, costed by family.

The native runtime picks a kernel per layer by its shape (an output-channel-vector kernel for
wide layers, a pixel-vector kernel for narrow ones, int8 variants, scalar reference passes)
and reports it by name, e.g. `f32_conv2d_16cx6_nhwc_avx2`: data type, op, register tile
(16 output channels x 6 pixels) and instruction set. One rate per layer kind cannot describe
that: a conv with 8 output channels in a 16-channel kernel computes 16, and the two conv
kernels differ by 2x in speed at the same MACs. So a layer whose kernel is known costs

    t = overhead (when it runs as a pass of its own)
        + work * s_work[family] + tail * s_tail[family]
        + inputs * s_in[kernel] + outputs * s_out[kernel]      (convolutions)
        + touched * s_touch[family]                              (other passes)
        + streamed * s_stream + rereads * s_reread

- family: the kernel name without its instruction set, plus the layer kind for convolutions
  (dense, 1x1 and depthwise use the same kernel at different efficiency) or the op for the
  others (the scalar reference kernel serves pad, pool and resize alike);
- work: MACs over whole register tiles of output channels (the tile read from the name);
- inputs, outputs: a conv's input elements (gathered and padded into the kernel's layout)
  and output elements (stored, some kernels through a transposing scatter); touched: the
  elements another pass reads and writes;
- streamed: the elements of layers whose working set exceeds the last-level cache share, paid
  once more at a shared rate: such layers run from memory instead of cache;
- rereads: weights of a conv too large for the cache, once per pixel block (`weight_rereads`);
- tail: the part of the work in row remainders narrower than the kernel's pixel block, which
  run on a slower path (a 28-pixel row in 24- and 8-pixel blocks leaves 4 columns).

Layers folded into another layer's pass (a resize gathered by a conv's input, an activation
or residual add applied by a norm) have families of their own ("folded:resize") and cost no
overhead. The coefficients are fitted by `calibrate.py`; a family the calibration did not
meet falls back to the per-kind rates of cost.py.
"""

from __future__ import annotations

import math
import re

import numpy as np

from editor.core.devices.network import Layer

_ISA = re.compile(r"_(avx2|avx512|neon|scalar)$")
_TILE = re.compile(r"_(\d+)c?x(\d+)(?:_|$)")
CONV_KINDS = ("conv", "pointwise", "depthwise")
# Bytes of cache a layer may use before it streams from memory: the L2 of one core plus a
# share of the L3 on this class of machine. Kept fixed (not fitted) so the term stays linear.
STREAM_BYTES = 8 << 20


def family(layer: Layer) -> str | None:
    """The cost family of a layer, or None when the kernel that runs it is not known."""
    op = "instance_norm" if layer.op == "cond_instance_norm" else layer.op
    if not layer.impl:
        # applied inside another layer's pass: a resize gathered by a conv, an activation or
        # residual add applied by a norm; what it adds is fitted per op
        return f"folded:{op}>{_ISA.sub('', layer.host_impl)}" if layer.fused else None
    base = _ISA.sub("", layer.impl)
    if layer.kind in CONV_KINDS:
        strided = ":s2" if tuple(layer.stride) != (1, 1) else ""
        return f"{base}:{layer.kind}{strided}"
    return f"{base}:{op}"


def channel_tile(impl: str) -> int:
    """Output channels one register tile computes, from the kernel name (1 when it has none)."""
    m = _TILE.search(impl)
    return int(m.group(1)) if m else 1


def pixel_step(impl: str) -> int:
    """The narrowest pixel block a kernel runs at full vector width: a 24-pixel tile is three
    8-lane vectors and ends rows in 8-pixel blocks, a 6-pixel tile ends them one pixel at a
    time. Columns past the last such block take a slower remainder path."""
    m = _TILE.search(impl)
    if not m:
        return 1
    px = int(m.group(2))
    return 8 if px % 8 == 0 else px


def tail_work(layer: Layer) -> float:
    """The part of `work` in the row remainders a kernel computes on its slow path."""
    ow = layer.out_shape[2] if len(layer.out_shape) == 3 else 0
    if layer.kind not in CONV_KINDS or not ow:
        return 0.0
    return work(layer) * (ow % pixel_step(layer.impl)) / ow


def work(layer: Layer) -> float:
    """MACs including the idle lanes of partly filled channel tiles."""
    if layer.kind not in CONV_KINDS or not layer.macs:
        return 0.0
    tile = channel_tile(layer.impl)
    groups = max(1, layer.groups)
    per_group = max(1, layer.cout // groups)
    return layer.macs * (math.ceil(per_group / tile) * tile) / per_group


def touched(layer: Layer) -> float:
    """Elements read and written: a conv's input (gathered, padded) or a pass's tensors."""
    if layer.kind in CONV_KINDS:
        n = 1
        for d in layer.in_shape:
            n *= int(d)
        return float(n)
    return float(layer.elements)


def bytes_of(layer: Layer) -> float:
    size = 1 if layer.int8 else 4
    if layer.kind in CONV_KINDS:
        outs = 1
        for d in layer.out_shape:
            outs *= int(d)
        return (touched(layer) + outs) * size
    return touched(layer) * size


def weight_rereads(layer: Layer) -> float:
    """Weight elements a conv re-reads from beyond the cache: the kernels sweep all of a
    channel tile's weights once per pixel block, which costs nothing while the weights stay
    in cache and dominates when they do not (a 512-channel 3x3 conv carries 9 MB)."""
    if layer.kind not in CONV_KINDS or not layer.weights:
        return 0.0
    if layer.weights * (2 if layer.int8 else 4) <= STREAM_BYTES:
        return 0.0
    m = _TILE.search(layer.impl)
    px = int(m.group(2)) if m else 1
    _, oh, ow = layer.out_shape
    return float(layer.weights * oh * math.ceil(ow / px))


def features(layer: Layer) -> dict | None:
    """{coefficient name: units} for one layer, or None when its kernel is not known.

    Coefficients: `overhead`, `stream`, `weight_reread` shared by all layers; `<family>:work`
    and `<family>:tail` per conv family (its MAC rate, and that of its row remainders);
    `<kernel>:in` and `<kernel>:out` per conv kernel (the input gather and the output stores
    work the same for its dense, 1x1, depthwise and strided uses, so they pool their data);
    `<family>:touch` for every other pass."""
    fam = family(layer)
    if fam is None:
        return None
    f = {"overhead": 0.0 if layer.fused else 1.0}
    if bytes_of(layer) > STREAM_BYTES:
        f["stream"] = touched(layer)
    if layer.kind in CONV_KINDS and layer.impl:
        base = _ISA.sub("", layer.impl)
        f[f"{fam}:work"] = work(layer)
        f[f"{base}:in"] = touched(layer)
        f[f"{base}:out"] = float(np.prod(layer.out_shape))
        tail = tail_work(layer)
        if tail:
            f[f"{fam}:tail"] = tail
        reread = weight_rereads(layer)
        if reread:
            f["weight_reread"] = reread
    else:
        f[f"{fam}:touch"] = touched(layer)
    return f


def layer_seconds(layer: Layer, coefficients: dict) -> float | None:
    """Seconds of one layer, or None when a coefficient it needs was not calibrated."""
    f = features(layer)
    if f is None:
        return None
    total = 0.0
    for name, units in f.items():
        name = _calibrated(name, coefficients)
        if name not in coefficients:
            # An op folded into another pass with no calibrated cost of its own (an activation
            # applied as a conv stores its output) adds nothing; an unknown kernel is unknown.
            if units and name not in SHARED and not name.startswith("folded:"):
                return None
            continue
        total += units * coefficients[name]
    return total


SHARED = ("overhead", "stream", "weight_reread")


def _calibrated(name: str, coefficients: dict) -> str:
    """The nearest calibrated stand-in for a coefficient the calibration did not meet: a
    family's row remainders at its own work rate, a strided family at the unstrided rate."""
    candidates = [name]
    if name.endswith(":tail"):
        candidates.append(name[:-5] + ":work")
    for c in list(candidates):
        if ":s2:" in c:
            candidates.append(c.replace(":s2:", ":"))
    return next((c for c in candidates if c in coefficients), name)


def fit(measured: list) -> dict | None:
    """{coefficient name: seconds per unit} by non-negative least squares on relative
    residuals of [(network, seconds[, weight])], or None when the networks do not say which
    kernels ran them."""
    from scipy.optimize import nnls

    rows, names, weights = [], list(SHARED), []
    for item in measured:
        net, seconds = item[0], item[1]
        weights.append(item[2] if len(item) > 2 else 1.0)
        row = {}
        for layer in net.layers:
            f = features(layer)
            if f is None:
                return None
            for k, v in f.items():
                row[k] = row.get(k, 0.0) + v
                if k not in names:
                    names.append(k)
        rows.append((row, seconds))
    if len(names) == len(SHARED):
        return None
    A = np.zeros((len(rows), len(names)))
    y = np.zeros(len(rows))
    for i, (row, seconds) in enumerate(rows):
        # relative residuals, floored for sub-microsecond layers, times the row's weight
        w = weights[i] / (seconds + 20e-6)
        for k, v in row.items():
            A[i, names.index(k)] = v * w
        y[i] = seconds * w
    scale = A.max(axis=0)
    scale[scale == 0] = 1
    theta, _ = nnls(A / scale, y)
    theta = theta / scale
    # a coefficient no measurement exercised stays out, so its layers fall back to per-kind rates
    return {k: float(theta[i]) for i, k in enumerate(names) if A[:, i].any()}
