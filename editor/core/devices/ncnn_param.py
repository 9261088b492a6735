"""Read ncnn `.param` network descriptions (text: one layer a line) into a `Network`.

Format: a magic line `7767517`, a line `layer_count blob_count`, then per layer
`Type Name n_in n_out in_blobs... out_blobs... key=value...`. Keys at or below -23300 hold
arrays (`-23300-id=count,v1,v2,...`); `-23330` is the shape hint ncnn writes for each output
(`dims,w,h,c` per output). Shapes are propagated layer by layer, so a network can be costed
at any input size; at the file's own size the propagated shapes must equal the hints, which
catches parser mistakes and corrupt files alike.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from editor.core.devices.errors import NetworkFormatError
from editor.core.devices.network import Layer, Network, conv_kind, elements

MAGIC = "7767517"
SHAPE_HINT = -23330

_CONVS = {"Convolution", "ConvolutionDepthWise", "Deconvolution", "DeconvolutionDepthWise"}
_FREE = {"Input", "Split", "Dropout", "Noop"}
# Ops that keep the shape of their (first) input.
_SAME_SHAPE = {
    "ReLU", "Swish", "HardSwish", "HardSigmoid", "Sigmoid", "TanH", "Clip", "ELU", "PReLU",
    "BatchNorm", "Scale", "Bias", "Dropout", "LRN", "Softmax", "ShuffleChannel", "InstanceNorm",
    "GroupNorm", "LayerNorm", "AbsVal", "Power", "Exp", "Log", "UnaryOp", "Mish", "GELU",
    "Noop", "Threshold", "Dequantize", "Quantize", "Requantize", "Normalize", "SELU",
}


def _parse_value(text: str):
    try:
        return int(text)
    except ValueError:
        return float(text)


def _to_chw(dims: int, w: int, h: int, c: int) -> tuple:
    if dims == 1:
        return (w, 1, 1)
    if dims == 2:
        return (1, h, w)
    return (c, h, w)


class _Line:
    """One parsed layer line."""

    def __init__(self, path, lineno, text):
        self.lineno = lineno
        tokens = text.split()
        if len(tokens) < 4:
            raise NetworkFormatError(path, f"line {lineno}: a layer needs 'Type Name n_in n_out', got {text.strip()!r}")
        self.type, self.name = tokens[0], tokens[1]
        try:
            n_in, n_out = int(tokens[2]), int(tokens[3])
        except ValueError:
            raise NetworkFormatError(path, f"line {lineno}: input/output counts of layer {tokens[1]!r} are not integers") from None
        if n_in < 0 or n_out < 0 or len(tokens) < 4 + n_in + n_out:
            raise NetworkFormatError(path, f"line {lineno}: layer {self.name!r} lists fewer blobs than its counts {n_in} {n_out}")
        self.inputs = tokens[4:4 + n_in]
        self.outputs = tokens[4 + n_in:4 + n_in + n_out]
        self.params: dict = {}
        for item in tokens[4 + n_in + n_out:]:
            key, sep, value = item.partition("=")
            try:
                k = int(key)
                if not sep:
                    raise ValueError
                if k <= -23300:
                    parts = value.split(",")
                    count = int(parts[0])
                    values = [_parse_value(v) for v in parts[1:]]
                    if count != len(values):
                        raise ValueError
                    self.params[k] = values
                else:
                    self.params[k] = _parse_value(value)
            except ValueError:
                raise NetworkFormatError(path, f"line {lineno}: layer {self.name!r} has a malformed parameter {item!r}") from None

    def get(self, key, default=None):
        return self.params.get(key, default)

    def hints(self) -> list | None:
        raw = self.params.get(SHAPE_HINT)
        if raw is None:
            return None
        if len(raw) % 4:
            return None
        return [_to_chw(*raw[i:i + 4]) for i in range(0, len(raw), 4)]


def read_param(path, size: tuple | None = None) -> Network:
    """Parse an ncnn .param file; `size` (width, height) overrides the input size."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NetworkFormatError(path, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise NetworkFormatError(path, f"cannot read as ncnn .param text: {exc}") from None
    lines = [ln for ln in text.splitlines()]
    if not lines or lines[0].strip() != MAGIC:
        raise NetworkFormatError(path, f"not an ncnn .param file (first line must be {MAGIC})")
    try:
        layer_count, _blob_count = (int(v) for v in lines[1].split())
    except (IndexError, ValueError):
        raise NetworkFormatError(path, "line 2 must be 'layer_count blob_count'") from None
    body = [(i + 3, ln) for i, ln in enumerate(lines[2:]) if ln.strip()]
    if len(body) != layer_count:
        raise NetworkFormatError(path, f"header announces {layer_count} layers but the file has {len(body)}")
    parsed = [_Line(path, lineno, ln) for lineno, ln in body]
    return _build(path, parsed, size)


def _build(path, parsed: list, size) -> Network:
    shapes: dict = {}
    layers: list = []
    input_shape = None
    int8_any = False
    for line in parsed:
        for blob in line.inputs:
            if blob not in shapes:
                raise NetworkFormatError(path, f"line {line.lineno}: layer {line.name!r} reads blob {blob!r} that no earlier layer produces")
        ins = [shapes[b] for b in line.inputs]
        try:
            outs, layer = _infer(line, ins, size)
        except (ZeroDivisionError, IndexError, TypeError, ValueError) as exc:
            raise NetworkFormatError(path, f"line {line.lineno}: cannot work out the output shape of {line.type} {line.name!r} ({exc})") from None
        if outs is None:
            hints = line.hints()
            if hints is None or size is not None:
                raise NetworkFormatError(path, f"line {line.lineno}: unsupported layer type {line.type!r} ({line.name!r})")
            outs = hints
        if len(outs) != len(line.outputs):
            raise NetworkFormatError(path, f"line {line.lineno}: layer {line.name!r} has {len(line.outputs)} outputs but its shapes give {len(outs)}")
        for shape in outs:
            if any(int(d) <= 0 for d in shape):
                raise NetworkFormatError(path, f"line {line.lineno}: layer {line.name!r} would produce an empty tensor {tuple(shape)} at this input size")
        hints = line.hints()
        if size is None and hints is not None and [tuple(h) for h in hints] != [tuple(o) for o in outs]:
            raise NetworkFormatError(path, f"line {line.lineno}: layer {line.name!r} declares output shape {hints} but its parameters give {outs}")
        for blob, shape in zip(line.outputs, outs):
            shapes[blob] = tuple(int(d) for d in shape)
        if line.type == "Input":
            input_shape = shapes[line.outputs[0]]
        layer.name, layer.op = line.name, line.type
        layer.in_shape = tuple(ins[0]) if ins else ()
        layer.out_shape = shapes[line.outputs[0]] if line.outputs else ()
        if not layer.elements:
            layer.elements = sum(elements(s) for s in ins) + sum(elements(s) for s in outs)
        int8_any = int8_any or layer.int8
        layers.append(layer)
    if input_shape is None:
        raise NetworkFormatError(path, "the network has no Input layer")
    return Network(name=Path(path).stem, source=os.fspath(path), input_shape=input_shape,
                   layers=layers, int8=int8_any)


def _conv_out(n, k, s, d, p0, p1):
    if p0 in (-233, -234):  # SAME padding
        return math.ceil(n / s)
    return (n + p0 + p1 - d * (k - 1) - 1) // s + 1


def _infer(line: _Line, ins: list, size):
    """Output shapes (C, H, W) and the Layer record for one line; None for unknown types."""
    t, g = line.type, line.get
    layer = Layer(name=line.name, op=t, kind="memory")
    if t == "Input":
        w, h, c = g(0, 0), g(1, 0), g(2, 0)
        if size is not None:
            w, h = size
        layer.kind = "free"
        return [(c, h, w)], layer
    if t in _CONVS:
        cin, ih, iw = ins[0]
        cout = g(0)
        kw = g(1, 0)
        kh = g(11, kw)
        dw = g(2, 1)
        dh = g(12, dw)
        sw = g(3, 1)
        sh = g(13, sw)
        groups = g(7, 1) if t.endswith("DepthWise") else 1
        if t.startswith("Deconvolution"):
            pl = g(4, 0)
            pr, pt = g(15, pl), g(14, pl)
            pb = g(16, pt)
            ow = (iw - 1) * sw + dw * (kw - 1) + 1 - pl - pr + g(18, 0)
            oh = (ih - 1) * sh + dh * (kh - 1) + 1 - pt - pb + g(19, 0)
            if g(20, 0) > 0 and g(21, 0) > 0 and size is None:
                ow, oh = g(20), g(21)
            macs = cin * ih * iw * (cout // groups) * kh * kw
        else:
            pl = g(4, 0)
            pr, pt = g(15, pl), g(14, pl)
            pb = g(16, pt)
            ow = _conv_out(iw, kw, sw, dw, pl, pr)
            oh = _conv_out(ih, kh, sh, dh, pt, pb)
            macs = cout * oh * ow * (cin // groups) * kh * kw
        layer.kind = conv_kind((kh, kw), groups, cin, cout)
        layer.kernel, layer.stride, layer.dilation, layer.groups = (kh, kw), (sh, sw), (dh, dw), groups
        layer.macs = macs
        layer.weights = g(6, cout * (cin // groups) * kh * kw)
        layer.int8 = bool(g(8, 0))
        return [(cout, oh, ow)], layer
    if t == "InnerProduct":
        cout = g(0)
        cin = elements(ins[0])
        layer.macs = cin * cout
        layer.weights = g(2, cin * cout)
        layer.int8 = bool(g(8, 0))
        return [(cout, 1, 1)], layer
    if t == "Pooling":
        c, h, w = ins[0]
        if g(4, 0):
            return [(c, 1, 1)], layer
        if g(7, 0):  # adaptive pooling
            ow = g(8, 0)
            return [(c, g(18, ow), ow)], layer
        kw = g(1, 0)
        kh = g(11, kw)
        sw = g(2, 1)
        sh = g(12, sw)
        pl = g(3, 0)
        pr, pt = g(14, pl), g(13, pl)
        pb = g(15, pt)
        mode = g(5, 0)
        layer.kernel, layer.stride = (kh, kw), (sh, sw)

        def out(n, k, s, p0, p1):
            if mode in (2, 3):
                return math.ceil(n / s)
            tail = 0
            if mode == 0 and (n + p0 + p1 - k) % s:
                tail = s - (n + p0 + p1 - k) % s
            return (n + p0 + p1 + tail - k) // s + 1

        return [(c, out(h, kh, sh, pt, pb), out(w, kw, sw, pl, pr))], layer
    if t == "Split":
        layer.kind = "free"
        return [ins[0]] * len(line.outputs), layer
    if t in ("Eltwise", "BinaryOp"):
        return [max(ins, key=elements)], layer
    if t == "Concat":
        axis = g(0, 0)
        rank = 3
        axis = axis + rank if axis < 0 else axis
        out = list(ins[0])
        out[axis] = sum(s[axis] for s in ins)
        return [tuple(out)], layer
    if t == "Slice":
        axis = g(1, 0)
        axis = axis + 3 if axis < 0 else axis
        slices = g(-23300, [])
        total = ins[0][axis]
        fixed = [s for s in slices if s != -233]
        rest = total - sum(fixed)
        n_rest = len(slices) - len(fixed)
        outs = []
        for s in slices:
            shape = list(ins[0])
            shape[axis] = s if s != -233 else rest // n_rest
            outs.append(tuple(shape))
        return outs, layer
    if t == "Reshape":
        n = elements(ins[0])
        w, h, c = g(0, -233), g(1, -233), g(2, -233)
        dims = [d for d in (w, h, c) if d != -233]
        known = 1
        for d in dims:
            if d not in (-1, 0):
                known *= d
        dims = [n // known if d == -1 else d for d in dims]
        if len(dims) == 1:
            return [(dims[0], 1, 1)], layer
        if len(dims) == 2:
            return [(1, dims[1], dims[0])], layer
        return [(dims[2], dims[1], dims[0])], layer
    if t == "Flatten":
        return [(elements(ins[0]), 1, 1)], layer
    if t == "Padding":
        c, h, w = ins[0]
        return [(c + g(7, 0) + g(8, 0), h + g(0, 0) + g(1, 0), w + g(2, 0) + g(3, 0))], layer
    if t == "Interp":
        c, h, w = ins[0]
        oh, ow = g(3, 0), g(4, 0)
        if not (oh and ow):
            oh, ow = int(h * g(1, 1.0)), int(w * g(2, 1.0))
        return [(c, oh, ow)], layer
    if t == "PixelShuffle":
        c, h, w = ins[0]
        r = g(0, 1)
        return [(c // (r * r), h * r, w * r)], layer
    if t in _SAME_SHAPE:
        if t in _FREE:
            layer.kind = "free"
        return [ins[0]], layer
    return None, layer
