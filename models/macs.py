"""Multiply-accumulate count of an ONNX graph at a given input size.

Counts the ops that carry nearly all of a convolutional network's arithmetic: Conv,
ConvTranspose, MatMul and Gemm. Shapes come from ONNX shape inference after the image
input is fixed to the requested size, so the count is of the graph that actually ships.

    python -m models.macs models/stylecut_styles.onnx --size 512x512
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path

import onnx
from onnx import shape_inference

from editor.errors import StyleCutError


@dataclass
class MacReport:
    total: int
    height: int
    width: int
    per_op: list  # (node name, op type, macs)

    @property
    def per_pixel(self) -> float:
        return self.total / (self.height * self.width)


def _load(model) -> onnx.ModelProto:
    if isinstance(model, onnx.ModelProto):
        return model
    path = Path(model)
    if not path.is_file():
        raise StyleCutError(path, "model file not found")
    try:
        return onnx.load(str(path))
    except Exception as exc:  # onnx raises DecodeError and others for broken files
        raise StyleCutError(path, f"not a readable ONNX model ({exc})") from None


def _fix_input_size(model: onnx.ModelProto, height: int, width: int) -> onnx.ModelProto:
    fixed = onnx.ModelProto()
    fixed.CopyFrom(model)
    initializers = {i.name for i in fixed.graph.initializer}
    for inp in fixed.graph.input:
        if inp.name in initializers:
            continue
        dims = inp.type.tensor_type.shape.dim
        if len(dims) == 4:  # the image: N, C, H, W
            dims[0].dim_value = 1
            dims[2].dim_value = height
            dims[3].dim_value = width
    return fixed


def _shapes(model: onnx.ModelProto) -> dict:
    inferred = shape_inference.infer_shapes(model, strict_mode=False, data_prop=True)
    shapes = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
        dims = vi.type.tensor_type.shape.dim
        if all(d.HasField("dim_value") for d in dims):
            shapes[vi.name] = [d.dim_value for d in dims]
    for init in inferred.graph.initializer:
        shapes[init.name] = list(init.dims)
    return shapes


def count_macs(model, height: int, width: int) -> MacReport:
    """MACs of one inference at `height` x `width` (model path or ModelProto)."""
    proto = _fix_input_size(_load(model), height, width)
    shapes = _shapes(proto)
    if any(_node_macs_needs(node, shapes) for node in proto.graph.node):
        # Static inference gave up somewhere (pads or sizes computed at run time): take the
        # missing shapes from one run of the graph at that size instead.
        shapes.update(_shapes_by_running(proto))
    total = 0
    per_op = []
    for node in proto.graph.node:
        macs = _node_macs(node, shapes)
        if macs is None:
            continue
        total += macs
        per_op.append((node.name, node.op_type, macs))
    return MacReport(total, height, width, per_op)


def macs_per_pixel(model, height: int = 512, width: int = 512) -> float:
    return count_macs(model, height, width).per_pixel


def _node_macs_needs(node, shapes: dict) -> bool:
    if node.op_type not in ("Conv", "ConvTranspose", "MatMul", "Gemm"):
        return False
    return any(n and n not in shapes for n in (*node.input[:2], node.output[0]))


def _shapes_by_running(proto: onnx.ModelProto) -> dict:
    import numpy as np
    import onnxruntime as ort

    probe = onnx.ModelProto()
    probe.CopyFrom(proto)
    known = {o.name for o in probe.graph.output}
    for node in probe.graph.node:
        if node.op_type in ("Conv", "ConvTranspose", "MatMul", "Gemm"):
            for name in (*node.input[:2], node.output[0]):
                if name and name not in known:
                    probe.graph.output.append(onnx.ValueInfoProto(name=name))
                    known.add(name)
    initializers = {i.name for i in probe.graph.initializer}
    feeds = {}
    for inp in probe.graph.input:
        if inp.name in initializers:
            continue
        tt = inp.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else 1 for d in tt.shape.dim]
        dtype = onnx.helper.tensor_dtype_to_np_dtype(tt.elem_type)
        feeds[inp.name] = np.full(dims, 0.5, dtype=dtype)
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(probe.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return {n: list(v.shape) for n, v in zip(names, sess.run(names, feeds))}


def _need(shapes: dict, name: str, node) -> list:
    if name not in shapes:
        raise StyleCutError(node.name or node.op_type, f"shape of '{name}' could not be inferred")
    return shapes[name]


def _node_macs(node, shapes: dict):
    op = node.op_type
    if op in ("Conv", "ConvTranspose"):
        weight = _need(shapes, node.input[1], node)  # Conv: [M, C/g, kh, kw]; ConvT: [C, M/g, kh, kw]
        kernel = math.prod(weight[2:])
        if op == "Conv":
            out = _need(shapes, node.output[0], node)
            # each output element takes C/g * kh * kw multiply-adds
            return math.prod(out) * weight[1] * kernel
        inp = _need(shapes, node.input[0], node)
        # each input element scatters into M/g * kh * kw outputs
        return math.prod(inp) * weight[1] * kernel
    if op == "MatMul":
        a = _need(shapes, node.input[0], node)
        out = _need(shapes, node.output[0], node)
        return math.prod(out) * a[-1]
    if op == "Gemm":
        a = _need(shapes, node.input[0], node)
        out = _need(shapes, node.output[0], node)
        trans_a = next((at.i for at in node.attribute if at.name == "transA"), 0)
        return math.prod(out) * (a[0] if trans_a else a[-1])
    return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="count MACs of an ONNX model")
    parser.add_argument("model")
    parser.add_argument("--size", default="512x512", help="input HxW (default 512x512)")
    args = parser.parse_args(argv)
    h, w = (int(v) for v in args.size.lower().split("x"))
    report = count_macs(args.model, h, w)
    for name, op, macs in report.per_op:
        print(f"{op:14s} {macs / (h * w):10.1f} /px  {name}")
    print(f"total {report.total:,} MACs at {h}x{w} = {report.per_pixel:,.1f} per input pixel")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
