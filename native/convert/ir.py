"""The converter's intermediate form: a list of native layers over numbered values.

Every value is an NCHW activation (batch 1) whose channel count is known at conversion time and
whose height and width follow from the input size. Layers name the ONNX node they came from so
errors and per-layer reports speak in the exporter's names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Value:
    id: int
    name: str          # the ONNX tensor this value stands for (used to collect calibration ranges)
    channels: int
    scale: float = 0.0     # int8 activation scale (0: kept in float)
    zero_point: int = 0


@dataclass
class Layer:
    op: str                         # see OPS below
    inputs: list[int]
    output: int
    attrs: dict = field(default_factory=dict)
    tensors: dict[str, np.ndarray] = field(default_factory=dict)
    name: str = ""                  # ONNX node name


# op -> attributes it carries (tensors in brackets)
OPS = {
    "conv2d": "kh kw stride_h stride_w pad_t pad_l pad_b pad_r dil_h dil_w groups pad_mode [weight bias]",
    "conv_transpose2d": "kh kw stride_h stride_w pad_t pad_l pad_b pad_r out_pad_h out_pad_w groups [weight bias]",
    "pad": "pad_t pad_l pad_b pad_r mode",
    "instance_norm": "eps [gamma beta] or [gamma_table beta_table] (conditional)",
    "relu": "", "leaky_relu": "alpha", "sigmoid": "", "tanh": "", "clip": "min max",
    "add": "", "concat": "",
    "resize": "mode scale_h scale_w coord nearest_mode",
    "mul": "", "sub": "", "channel_affine": "[scale bias]",
    "depth_to_space": "block mode", "space_to_depth": "block",
    "avg_pool": "kh kw stride_h stride_w pad_t pad_l pad_b pad_r count_include_pad",
    "max_pool": "kh kw stride_h stride_w pad_t pad_l pad_b pad_r",
}


@dataclass
class Network:
    name: str
    values: list[Value]
    layers: list[Layer]
    input: int                 # value id of the image
    output: int                # value id of the result
    num_styles: int = 0        # 0: no conditional instance norm
    style_input: str | None = None
    image_input: str = "image"
    size_multiple: int = 1
    min_size: int = 1

    def value(self, vid: int) -> Value:
        return self.values[vid]

    def add_value(self, name: str, channels: int) -> int:
        self.values.append(Value(len(self.values), name, int(channels)))
        return len(self.values) - 1


class ShapeError(ValueError):
    pass


def _conv_out(n: int, k: int, s: int, p0: int, p1: int, d: int = 1) -> int:
    span = d * (k - 1) + 1
    if n + p0 + p1 < span:
        raise ShapeError(f"input {n} too small for kernel {k}")
    return (n + p0 + p1 - span) // s + 1


def infer_shapes(net: Network, height: int, width: int):
    """Per value (c, h, w) and per layer multiply-accumulates, for an input of height x width.

    Raises ShapeError when the size does not fit the network (too small, mismatched adds).
    """
    if height < 1 or width < 1:
        raise ShapeError("empty input")
    shapes: dict[int, tuple[int, int, int]] = {net.input: (net.values[net.input].channels, height, width)}
    macs = []
    for layer in net.layers:
        c, h, w = shapes[layer.inputs[0]]
        a = layer.attrs
        out_c = net.values[layer.output].channels
        m = 0
        if layer.op == "conv2d":
            oh = _conv_out(h, a["kh"], a["stride_h"], a["pad_t"], a["pad_b"], a["dil_h"])
            ow = _conv_out(w, a["kw"], a["stride_w"], a["pad_l"], a["pad_r"], a["dil_w"])
            if a["pad_mode"] == "reflect" and max(a["pad_t"], a["pad_b"]) >= h or \
                    a["pad_mode"] == "reflect" and max(a["pad_l"], a["pad_r"]) >= w:
                raise ShapeError("reflect padding larger than the input")
            m = oh * ow * out_c * (c // a["groups"]) * a["kh"] * a["kw"]
            h, w = oh, ow
        elif layer.op == "conv_transpose2d":
            oh = (h - 1) * a["stride_h"] - a["pad_t"] - a["pad_b"] + a["kh"] + a["out_pad_h"]
            ow = (w - 1) * a["stride_w"] - a["pad_l"] - a["pad_r"] + a["kw"] + a["out_pad_w"]
            if oh < 1 or ow < 1:
                raise ShapeError("transposed convolution output is empty")
            m = h * w * c * (out_c // a["groups"]) * a["kh"] * a["kw"]
            h, w = oh, ow
        elif layer.op == "pad":
            if a["mode"] == "reflect" and (max(a["pad_t"], a["pad_b"]) >= h or max(a["pad_l"], a["pad_r"]) >= w):
                raise ShapeError("reflect padding larger than the input")
            h, w = h + a["pad_t"] + a["pad_b"], w + a["pad_l"] + a["pad_r"]
        elif layer.op == "resize":
            h, w = h * a["scale_h"], w * a["scale_w"]
        elif layer.op == "depth_to_space":
            h, w = h * a["block"], w * a["block"]
        elif layer.op == "space_to_depth":
            if h % a["block"] or w % a["block"]:
                raise ShapeError("size not divisible by the space-to-depth block")
            h, w = h // a["block"], w // a["block"]
        elif layer.op in ("avg_pool", "max_pool"):
            h = _conv_out(h, a["kh"], a["stride_h"], a["pad_t"], a["pad_b"])
            w = _conv_out(w, a["kw"], a["stride_w"], a["pad_l"], a["pad_r"])
        elif layer.op in ("add", "concat", "mul", "sub"):
            for other in layer.inputs[1:]:
                if shapes[other][1:] != (h, w):
                    raise ShapeError(f"{layer.op} of {h}x{w} and {shapes[other][1]}x{shapes[other][2]}")
        if h < 1 or w < 1:
            raise ShapeError("an intermediate is empty")
        shapes[layer.output] = (out_c, h, w)
        macs.append(m)
    return shapes, macs


def size_rules(net: Network) -> tuple[int, int]:
    """(size_multiple, min_size): sides that are multiples of size_multiple and >= min_size run,
    and the output has the size the network's scale factors promise."""
    def fits(side: int) -> bool:
        try:
            shapes, _ = infer_shapes(net, side, side)
        except ShapeError:
            return False
        return True

    for multiple in range(1, 65):
        sides = [multiple * k for k in range(1, 200) if fits(multiple * k)]
        if not sides:
            continue
        lo = sides[0]
        # every multiple above the first working one must also work
        if all(fits(s) for s in range(lo, lo + 8 * multiple, multiple)) and _exact_scale(net, lo, multiple):
            return multiple, lo
    raise ShapeError("no input size fits this network")


def _exact_scale(net: Network, lo: int, multiple: int) -> bool:
    """The output side must grow by the same amount for every step of `multiple` (no rounding
    in strided layers), so every accepted size maps to an output the same way."""
    outs = [infer_shapes(net, s, s)[0][net.output][1] for s in range(lo, lo + 5 * multiple, multiple)]
    steps = {b - a for a, b in zip(outs, outs[1:])}
    return len(steps) == 1
