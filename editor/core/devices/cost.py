"""The per-layer cost model.

A layer's time on a device is a per-layer overhead plus one work term, chosen by its kind:

    t = overhead + spread * work / rate(kind, dtype)

- dense KxK conv: MACs / dense rate; 3x3 stride-1 layers that the runtime runs with Winograd
  F(m x m, 3 x 3) count the multiplies Winograd does: (m+2)^2 per m x m output tile per input/
  output channel pair, over whole tiles, so small feature maps (7x7 in a 6x6 tile grid) pay
  for their padding. `winograd_tile` m is a property of the runtime (ncnn on ARM: 6; 0: none);
- 1x1 conv: MACs / pointwise rate;  depthwise conv: MACs / depthwise rate;
- memory-bound ops (normalization, activation, resize, padding, pooling, eltwise, concat,
  fully connected): bytes moved / bandwidth;
- int8 layers: the fp32 rate times a fitted factor, one for dense convs (Winograd and fp16
  arithmetic help fp32 there, so int8 is often slower) and one for 1x1 and depthwise convs;
- `lanes`: kernels compute output channels in SIMD groups of `lanes` (ncnn fp32 on ARM: 4;
  onnxruntime's NCHWc convs on AVX2: 8), so a conv with 3 output channels pays for 4 or 8;
- `conv_traffic`: runtimes that reorder or unfold activations around their convolutions
  (onnxruntime: im2col, NCHW <-> NCHWc) also pay a conv's input and output bytes at the
  bandwidth; ncnn's phone benchmarks fit better without this term, the host chooses by its fit;
- `strided`, `strided_dw`: a runtime whose stride-2 convolutions run at another rate than
  stride-1 ones gets a factor on their MACs, dense and depthwise (fitted for the host, whose calibration times both; the phone
  benchmarks hold too few strided convs to tell, so phones keep 1);
- `spread`: runtimes split a layer's output channels among threads in packs of `pack` (single
  channels when `pack` does not divide them); a layer with fewer units than threads leaves
  cores idle, so its work takes threads / units longer.

The model is linear in the inverse rates, which is what lets a device be fitted by
non-negative least squares to whole-network latencies (fit.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from editor.core.devices.network import Layer, Network

# Order of the linear parameters (seconds per unit) in every feature vector.
TERMS = ("overhead", "dense", "pointwise", "depthwise", "memory")


@dataclass
class Rates:
    """A device's fitted parameters, in the units people read."""

    overhead_us: float          # per layer
    dense_gmacs: float          # effective GMAC/s of dense KxK conv (Winograd-eligible MACs divided first)
    pointwise_gmacs: float
    depthwise_gmacs: float
    bandwidth_gbs: float        # GB/s for memory-bound layers
    int8_dense: float = 1.0     # int8 time factor on dense convs (>1: int8 slower than fp32)
    int8_light: float = 1.0     # int8 time factor on 1x1 and depthwise convs
    winograd_tile: int = 6      # Winograd output tile of 3x3 s1 convs in this runtime (0: none)
    winograd_tile_int8: int = 2  # the same for int8 convs
    threads: int = 1
    pack: int = 4               # output channels per unit of work handed to a thread
    lanes: int = 4              # output channels computed together by one SIMD kernel
    min_lanes: int = 0          # fewest output channels any conv pays for (0: `lanes`)
    conv_traffic: bool = False  # convolutions also pay their activation bytes at the bandwidth
    strided: float = 1.0        # time factor on dense convs with stride > 1 (fitted on the host)
    strided_dw: float = 1.0     # the same for depthwise convs
    # Host on the native runtime only: costs per kernel family (kernel_cost.py), used for every
    # layer whose kernel is known; the rates above cover the rest.
    kernels: dict = field(default_factory=dict)   # coefficient -> seconds per unit (kernel_cost.py)

    def seconds_per_unit(self) -> np.ndarray:
        def inv(rate, scale):
            return 0.0 if not rate or math.isinf(rate) else 1.0 / (rate * scale)
        return np.array([self.overhead_us * 1e-6, inv(self.dense_gmacs, 1e9),
                         inv(self.pointwise_gmacs, 1e9), inv(self.depthwise_gmacs, 1e9),
                         inv(self.bandwidth_gbs, 1e9)])

    @classmethod
    def from_seconds(cls, theta, **kw) -> "Rates":
        def rate(v, scale):
            return float("inf") if v <= 0 else 1.0 / (v * scale)
        return cls(overhead_us=float(theta[0]) * 1e6, dense_gmacs=rate(theta[1], 1e9),
                   pointwise_gmacs=rate(theta[2], 1e9), depthwise_gmacs=rate(theta[3], 1e9),
                   bandwidth_gbs=rate(theta[4], 1e9), **kw)

    def to_json(self) -> dict:
        def num(v):
            return None if math.isinf(v) else round(float(v), 6)
        return {"overhead_us": num(self.overhead_us), "dense_gmacs": num(self.dense_gmacs),
                "pointwise_gmacs": num(self.pointwise_gmacs), "depthwise_gmacs": num(self.depthwise_gmacs),
                "bandwidth_gbs": num(self.bandwidth_gbs), "int8_dense": num(self.int8_dense),
                "int8_light": num(self.int8_light), "winograd_tile": self.winograd_tile, "winograd_tile_int8": self.winograd_tile_int8,
                "threads": self.threads, "pack": self.pack, "lanes": self.lanes, "min_lanes": self.min_lanes,
                "conv_traffic": self.conv_traffic, "strided": round(float(self.strided), 6),
                "strided_dw": round(float(self.strided_dw), 6),
                # kernel costs in nanoseconds per unit
                **({"kernels_ns": {k: round(v * 1e9, 7) for k, v in self.kernels.items()}}
                   if self.kernels else {})}

    @classmethod
    def from_json(cls, d: dict) -> "Rates":
        def num(v):
            return float("inf") if v is None else float(v)
        return cls(overhead_us=float(d["overhead_us"]), dense_gmacs=num(d["dense_gmacs"]),
                   pointwise_gmacs=num(d["pointwise_gmacs"]), depthwise_gmacs=num(d["depthwise_gmacs"]),
                   bandwidth_gbs=num(d["bandwidth_gbs"]), int8_dense=float(d.get("int8_dense", 1.0)),
                   int8_light=float(d.get("int8_light", 1.0)), winograd_tile=int(d.get("winograd_tile", 6)),
                   winograd_tile_int8=int(d.get("winograd_tile_int8", 2)),
                   threads=int(d.get("threads", 1)), pack=int(d.get("pack", 4)),
                   lanes=int(d.get("lanes", 4)),
                   min_lanes=int(d.get("min_lanes", 0)), conv_traffic=bool(d.get("conv_traffic", False)),
                   strided=float(d.get("strided", 1.0)), strided_dw=float(d.get("strided_dw", 1.0)),
                   kernels={str(k): float(v) * 1e-9 for k, v in dict(d.get("kernels_ns") or {}).items()})


def element_bytes(int8: bool) -> int:
    return 1 if int8 else 4


def spread(layer: Layer, threads: int, pack: int) -> float:
    """How much longer a layer takes because it has too few channel packs to feed every thread."""
    if threads <= 1 or layer.kind not in ("conv", "pointwise", "depthwise"):
        return 1.0
    # Channels split into packs only when they divide evenly; otherwise one channel a unit.
    packs = layer.cout // pack if pack > 1 and layer.cout % pack == 0 else layer.cout
    return threads / min(threads, max(1, packs))


def winograd_macs(layer: Layer, tile: int) -> int:
    """Multiplies of a 3x3 stride-1 conv done as Winograd F(tile, 3) over whole output tiles."""
    _, oh, ow = layer.out_shape
    tiles = math.ceil(oh / tile) * math.ceil(ow / tile)
    return (layer.cin // layer.groups) * layer.cout * tiles * (tile + 2) ** 2


def lane_waste(layer: Layer, lanes: int, min_lanes: int = 0) -> float:
    """Work done on padding lanes: a 3-channel output in 4-wide kernels computes 4 channels.

    `min_lanes` covers runtimes whose narrow-output convolutions leave their blocked kernels
    for a slower general path: they cost as much as `min_lanes` channels would."""
    if lanes <= 1 or layer.kind not in ("conv", "pointwise") or not layer.cout:
        return 1.0
    padded = math.ceil(max(layer.cout, min_lanes) / lanes) * lanes
    return padded / layer.cout


def layer_features(layer: Layer, winograd_tile: int, threads: int, pack: int, lanes: int = 1,
                   conv_traffic: bool = False, min_lanes: int = 0, strided: float = 1.0,
                   strided_dw: float = 1.0) -> np.ndarray:
    """Units of each term this layer uses: [1, dense MACs, 1x1 MACs, depthwise MACs, bytes].

    int8 layers are not scaled here; `network_features` and `layer_seconds` keep them apart so
    the fit and the prediction can apply the int8 factors.
    """
    f = np.zeros(len(TERMS))
    if layer.kind == "free":
        return f
    f[0] = 1.0
    s = spread(layer, threads, pack) * lane_waste(layer, lanes, min_lanes)
    if layer.kind == "conv":
        macs = layer.macs
        if winograd_tile and layer.winograd_eligible():
            macs = min(macs, winograd_macs(layer, winograd_tile))
        if layer.stride != (1, 1):
            macs *= strided
        f[1] = s * macs
    elif layer.kind == "pointwise":
        f[2] = s * layer.macs
    elif layer.kind == "depthwise":
        f[3] = s * layer.macs * (strided_dw if layer.stride != (1, 1) else 1.0)
    if layer.kind != "memory":
        if conv_traffic:
            f[4] = layer.elements * element_bytes(layer.int8)
    else:
        f[4] = layer.elements * element_bytes(layer.int8) + layer.weights * element_bytes(layer.int8)
    return f


def network_features(net: Network, rates: Rates) -> tuple:
    """Summed features of the fp32 layers and of the int8 layers, each [len(TERMS)]."""
    fp, q = np.zeros(len(TERMS)), np.zeros(len(TERMS))
    for layer in net.layers:
        if layer.int8 and layer.kind in ("conv", "pointwise", "depthwise"):
            q += layer_features(layer, rates.winograd_tile_int8, rates.threads, rates.pack, rates.lanes,
                                 rates.conv_traffic, rates.min_lanes, rates.strided,
                                 rates.strided_dw)
        else:
            fp += layer_features(layer, rates.winograd_tile, rates.threads, rates.pack, rates.lanes,
                                 rates.conv_traffic, rates.min_lanes, rates.strided,
                                 rates.strided_dw)
    return fp, q


def layer_seconds(layer: Layer, rates: Rates) -> float:
    if rates.kernels:
        from editor.core.devices import kernel_cost

        t = kernel_cost.layer_seconds(layer, rates.kernels)
        if t is not None:
            return t
    theta = rates.seconds_per_unit()
    quantized = layer.int8 and layer.kind in ("conv", "pointwise", "depthwise")
    tile = rates.winograd_tile_int8 if quantized else rates.winograd_tile
    f = layer_features(layer, tile, rates.threads, rates.pack, rates.lanes,
                       rates.conv_traffic, rates.min_lanes, rates.strided,
                                 rates.strided_dw)
    if quantized:
        factor = rates.int8_dense if layer.kind == "conv" else rates.int8_light
        return float(f[0] * theta[0] + factor * (f[1:] @ theta[1:]))
    return float(f @ theta)
