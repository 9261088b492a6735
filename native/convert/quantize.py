"""int8 quantization of the convolutions: symmetric per-output-channel weights, per-tensor
asymmetric activations from calibrated ranges, int32 biases (docs/NATIVE_FORMAT.md)."""

from __future__ import annotations

import numpy as np

from native.convert.ir import Network


def activation_params(lo: float, hi: float) -> tuple[float, int]:
    """(scale, zero_point) so that [lo, hi] (widened to contain 0) maps onto -128..127."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo < 1e-12:
        return 1.0, 0
    if lo == 0.0 and abs(hi - 1.0) < 1e-6:
        return float(np.float32(1.0 / 255.0)), -128      # images in 0..1: exact for 8-bit input
    scale = float(np.float32((hi - lo) / 255.0))
    zp = int(np.clip(np.rint(-128.0 - lo / scale), -128, 127))
    return scale, zp


def quantize_weights(w: np.ndarray, bias: np.ndarray, in_scale: float):
    """(int8 weights, int32 bias, float32 per-channel weight scales)."""
    out_c = w.shape[0]
    flat = w.reshape(out_c, -1).astype(np.float64)
    max_abs = np.abs(flat).max(axis=1)
    scale = max_abs / 127.0
    # keep the int32 bias representable (a channel with near-zero weights but a real bias)
    scale = np.maximum(scale, np.abs(bias.astype(np.float64)) / (in_scale * 2.0 ** 30))
    scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
    q = np.clip(np.rint(flat / scale[:, None].astype(np.float64)), -127, 127).astype(np.int8).reshape(w.shape)
    qb = np.rint(bias.astype(np.float64) / (np.float64(np.float32(in_scale)) * scale.astype(np.float64)))
    qb = np.clip(qb, -2 ** 31, 2 ** 31 - 1).astype(np.int32)
    return q, qb, scale


def quantizable(net: Network) -> list:
    return [layer for layer in net.layers if layer.op == "conv2d"]


def quantize(net: Network, ranges: dict[str, tuple[float, float]]) -> int:
    """Quantize every convolution whose input has a calibrated range; returns how many."""
    count = 0
    for layer in quantizable(net):
        value = net.values[layer.inputs[0]]
        if value.name not in ranges:
            continue
        if value.scale == 0.0:
            value.scale, value.zero_point = activation_params(*ranges[value.name])
        q, qb, s = quantize_weights(layer.tensors["weight"], layer.tensors["bias"], value.scale)
        layer.tensors["weight"], layer.tensors["bias"], layer.tensors["weight_scale"] = q, qb, s
        count += 1
    return count
