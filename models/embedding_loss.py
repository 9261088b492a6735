"""Magenta's style predictor as a differentiable torch module, for a style-embedding loss.

The evaluation judges a student by the cosine between the style embeddings (Magenta's
arbitrary-stylization predictor, a quantized MobileNetV2) of its output and of the teacher's.
Pixel and texture losses only approach that measure from the side; this module lets training
ask for it directly. It runs the predictor's own ONNX graph, op by op, with torch:

- weights are dequantized once, when the module is built;
- activations keep the graph's 8-bit rounding (QuantizeLinear / DequantizeLinear pairs), so
  the embedding is the one onnxruntime computes, and gradients pass the rounding unchanged
  (the straight-through estimator).

Only the ops this graph uses are implemented; anything else is a clear error.
"""

from __future__ import annotations

from models import teachers

EMBED_SIZE = teachers.EMBED_SIZE


def _attrs(node) -> dict:
    import onnx

    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _per_axis(a, axis: int, ndim: int):
    """Broadcast a per-channel quantization parameter along `axis` of an `ndim` tensor."""
    if a.dim() == 0:
        return a
    shape = [1] * ndim
    shape[axis % ndim] = a.numel()
    return a.reshape(shape)


# Each op takes (inputs, attributes) and returns its one output.

def _quantize(ins, a):
    import torch

    x, scale, zero = ins
    lo, hi = (0, 255) if zero.dtype == torch.uint8 else (-128, 127)
    q = x / scale + zero.float()
    return q + (q.round().clamp(lo, hi) - q).detach()  # integer values, gradient passes


def _dequantize(ins, a):
    """Weights (integer, per channel along `axis`) and activations (float holding integer
    values, one scale) alike."""
    q, scale, zero = ins
    axis = a.get("axis", 1)
    return (q.float() - _per_axis(zero, axis, q.dim()).float()) * _per_axis(scale, axis, q.dim())


def _conv(ins, a):
    import torch.nn.functional as F

    x, w = ins[0], ins[1]
    b = ins[2] if len(ins) > 2 else None
    top, left, bottom, right = a.get("pads", [0, 0, 0, 0])
    if (top, left) == (bottom, right):
        pad = (top, left)
    else:
        x = F.pad(x, (left, right, top, bottom))
        pad = 0
    return F.conv2d(x, w, b, stride=tuple(a.get("strides", [1, 1])), padding=pad,
                    dilation=tuple(a.get("dilations", [1, 1])), groups=a.get("group", 1))


OPS = {
    "QuantizeLinear": _quantize,
    "DequantizeLinear": _dequantize,
    "Conv": _conv,
    "Clip": lambda ins, a: ins[0].clamp(float(ins[1]), float(ins[2])),
    "Add": lambda ins, a: ins[0] + ins[1],
    "Transpose": lambda ins, a: ins[0].permute(*a["perm"]),
    # the graph's shapes say batch 1: keep the batch, reshape the rest
    "Reshape": lambda ins, a: ins[0].reshape([ins[0].shape[0]] + [int(v) for v in ins[1].tolist()[1:]]),
    "GlobalAveragePool": lambda ins, a: ins[0].mean(dim=(2, 3), keepdim=True),
}


class StylePredictor:
    """Callable: x [N, 256, 256, 3] float in 0..1 (the graph's own NHWC layout) -> [N, 100]."""

    def __init__(self, path=None):
        import onnx
        import onnx.numpy_helper
        import torch

        from editor.errors import StyleCutError

        path = path or teachers.teacher_path("arbitrary_predict")
        graph = onnx.load(str(path)).graph
        self.consts = {i.name: torch.from_numpy(onnx.numpy_helper.to_array(i).copy()) for i in graph.initializer}
        self.input = graph.input[0].name
        self.output = graph.output[0].name
        self.nodes = []
        for node in graph.node:
            a = _attrs(node)
            if node.op_type == "DequantizeLinear" and all(i in self.consts for i in node.input):
                # a weight or bias: dequantize once
                self.consts[node.output[0]] = _dequantize([self.consts[i] for i in node.input], a)
                continue
            if node.op_type not in OPS:
                raise StyleCutError(path, f"style predictor uses op {node.op_type}, which this module lacks")
            self.nodes.append((OPS[node.op_type], list(node.input), node.output[0], a))

    def __call__(self, x):
        values = dict(self.consts)
        values[self.input] = x
        for op, inputs, output, a in self.nodes:
            values[output] = op([values[i] for i in inputs], a)
        return values[self.output].reshape(x.shape[0], -1)


def embed_nchw(predictor: StylePredictor, y):
    """Embeddings of student outputs y [N, 3, S, S] in 0..1: resized to the predictor's size
    as the evaluation does (an antialiased reduction), rounded to 8 bits as the evaluation's
    uint8 pictures are (straight through)."""
    import torch.nn.functional as F

    if y.shape[-1] != EMBED_SIZE or y.shape[-2] != EMBED_SIZE:
        y = F.interpolate(y, size=(EMBED_SIZE, EMBED_SIZE), mode="bicubic", antialias=True, align_corners=False)
    y = y.clamp(0, 1)
    y = y + ((y * 255).round() / 255 - y).detach()
    return predictor(y.permute(0, 2, 3, 1))


def cosine_loss(e, target):
    """Mean of 1 - cosine similarity between rows of e and target ([N, 100] each)."""
    import torch.nn.functional as F

    return (1.0 - F.cosine_similarity(e, target, dim=1)).mean()

