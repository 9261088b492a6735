"""Read an ONNX model into a `Network` at a chosen input size.

Shapes come from ONNX shape inference with the input fixed to the requested size; when that
leaves a shape unknown (ops inference cannot see through), the model is run once in
onnxruntime on a zero frame with every intermediate tensor exposed, which always yields them.

Like a phone runtime after conversion, batch norm after a convolution is folded into it and an
activation right after a convolution is fused into it, so neither costs a separate pass.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from editor.core.devices.errors import NetworkFormatError
from editor.core.devices.network import Layer, Network, conv_kind, elements

# Ops that only touch shapes or are views: no work on a phone runtime.
_FREE = {"Shape", "Constant", "ConstantOfShape", "Identity", "Dropout", "Reshape", "Flatten",
         "Squeeze", "Unsqueeze", "Cast", "Range", "Size"}
_FUSABLE_ACTIVATIONS = {"Relu", "LeakyRelu", "Clip", "Sigmoid", "HardSwish", "HardSigmoid", "Tanh"}
_TINY = 64   # tensors this small are shape arithmetic, not image data


def _attr(node, name, default):
    import onnx

    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def read_onnx(path, size: tuple | None = None, int8: bool = False) -> Network:
    import onnx

    path = Path(path)
    if not path.is_file():
        raise NetworkFormatError(path, "no such file")
    try:
        model = onnx.load(os.fspath(path))
    except Exception as exc:  # onnx raises DecodeError, ValueError, ... for corrupt files
        raise NetworkFormatError(path, f"not a readable ONNX model ({type(exc).__name__}: {exc})") from None
    graph = model.graph
    if not graph.node:
        raise NetworkFormatError(path, "the ONNX graph has no nodes")
    inits = {t.name: t for t in graph.initializer}
    inputs = [i for i in graph.input if i.name not in inits]
    # The image is the first rank-4 input; others (a style index, mixing weights) ride along.
    images = [i for i in inputs if len(i.type.tensor_type.shape.dim) == 4]
    if not images:
        raise NetworkFormatError(path, f"the graph has no NCHW image input (inputs: {[i.name for i in inputs]})")
    inputs = images[:1] + [i for i in inputs if i is not images[0]]
    dims = inputs[0].type.tensor_type.shape.dim
    if len(dims) != 4:
        raise NetworkFormatError(path, f"input {inputs[0].name!r} is not NCHW (rank {len(dims)})")
    static = [d.dim_value if d.HasField("dim_value") else None for d in dims]
    channels = static[1]
    if channels is None:
        raise NetworkFormatError(path, "the input channel count is not fixed")
    if size is None:
        if static[2] is None or static[3] is None:
            raise NetworkFormatError(path, "the input size is dynamic: give a size (WxH)")
        size = (static[3], static[2])
    width, height = size
    if width <= 0 or height <= 0:
        raise NetworkFormatError(path, f"input size {width}x{height} is empty")
    for d, v in zip(dims, (1, channels, height, width)):
        d.Clear()
        d.dim_value = v
    feeds = {inputs[0].name: np.zeros((1, channels, height, width), np.float32)}
    for extra in inputs[1:]:
        feeds[extra.name] = _zeros_for(extra)
    shapes = _infer_shapes(path, model, feeds)
    net = _build(path, model, shapes, inits, int8)
    net.input_shape = (channels, height, width)
    net.file_bytes = path.stat().st_size
    return net


def _zeros_for(value_info):
    import onnx

    tt = value_info.type.tensor_type
    dims = [d.dim_value if d.HasField("dim_value") else 1 for d in tt.shape.dim]
    return np.zeros(dims, onnx.helper.tensor_dtype_to_np_dtype(tt.elem_type))


def _infer_shapes(path, model, feeds) -> dict:
    import onnx

    shapes = {}
    try:
        inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
        for vi in list(inferred.graph.value_info) + list(inferred.graph.output) + list(inferred.graph.input):
            dims = vi.type.tensor_type.shape.dim
            vals = [d.dim_value if d.HasField("dim_value") else None for d in dims]
            if dims and all(v is not None for v in vals):
                shapes[vi.name] = tuple(vals)
    except Exception:
        pass
    for t in model.graph.initializer:
        shapes[t.name] = tuple(t.dims)
    for name, value in feeds.items():
        shapes[name] = tuple(value.shape)
    needed = {o for n in model.graph.node for o in n.output if o}
    if needed - shapes.keys():
        shapes.update(_shapes_by_running(path, model, feeds, needed - shapes.keys()))
    missing = needed - shapes.keys()
    if missing:
        raise NetworkFormatError(path, f"cannot work out the shape of tensor {sorted(missing)[0]!r}")
    return shapes


def _shapes_by_running(path, model, feeds, names) -> dict:
    import onnx
    import onnxruntime as ort

    m = onnx.ModelProto()
    m.CopyFrom(model)
    existing = {o.name for o in m.graph.output}
    for name in sorted(names):
        if name not in existing:
            m.graph.output.append(onnx.helper.make_empty_tensor_value_info(name))
    try:
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        sess = ort.InferenceSession(m.SerializeToString(), opts, providers=["CPUExecutionProvider"])
        outs = sess.run(None, feeds)
    except Exception as exc:
        raise NetworkFormatError(path, f"onnxruntime cannot run the model to find its shapes: {exc}") from None
    return {o.name: tuple(v.shape) for o, v in zip(sess.get_outputs(), outs)}


def _chw(shape: tuple) -> tuple:
    if len(shape) == 4:
        return tuple(int(v) for v in shape[1:])
    if len(shape) == 2:
        return (int(shape[1]), 1, 1)
    n = elements(shape)
    return (n, 1, 1)


def _build(path, model, shapes, inits, int8) -> Network:
    graph = model.graph
    consumers: dict = {}
    for node in graph.node:
        for i in node.input:
            consumers.setdefault(i, []).append(node)
    producer_kind: dict = {}
    layers = []
    for idx, node in enumerate(graph.node):
        name = node.name or f"{node.op_type}_{idx}"
        acts = [i for i in node.input if i and i not in inits]
        out = node.output[0] if node.output else None
        out_shape = shapes.get(out, ())
        layer = Layer(name=name, op=node.op_type, kind="memory")
        layer.in_shape = _chw(shapes[acts[0]]) if acts and acts[0] in shapes else ()
        layer.out_shape = _chw(out_shape) if out_shape else ()
        op = node.op_type
        if op in ("Conv", "ConvTranspose"):
            if len(node.input) < 2 or node.input[1] not in shapes:
                raise NetworkFormatError(path, f"node {name!r}: {op} has no weight tensor")
            wshape = shapes[node.input[1]]
            if len(wshape) != 4:
                raise NetworkFormatError(path, f"node {name!r}: {op} weight is not 4-D ({wshape})")
            groups = int(_attr(node, "group", 1))
            kh, kw = int(wshape[2]), int(wshape[3])
            cin, cout = layer.in_shape[0], layer.out_shape[0]
            if op == "Conv":
                layer.macs = cout * layer.out_shape[1] * layer.out_shape[2] * (cin // groups) * kh * kw
            else:
                layer.macs = cin * layer.in_shape[1] * layer.in_shape[2] * (cout // groups) * kh * kw
            layer.kernel, layer.groups = (kh, kw), groups
            layer.stride = tuple(int(s) for s in _attr(node, "strides", [1, 1]))
            layer.dilation = tuple(int(s) for s in _attr(node, "dilations", [1, 1]))
            layer.kind = conv_kind((kh, kw), groups, cin, cout)
            layer.weights = sum(elements(shapes[i]) for i in node.input[1:] if i in inits)
            layer.int8 = int8
        elif op in ("Gemm", "MatMul") and any(i in inits for i in node.input):
            layer.weights = sum(elements(shapes[i]) for i in node.input if i in inits)
            layer.macs = layer.weights   # batch 1: one multiply-add per weight
            layer.int8 = int8
        elif op in _FREE or (out_shape and elements(out_shape) <= _TINY and layer.out_shape[1:] == (1, 1)
                             and not any(i in inits and elements(shapes[i]) > _TINY for i in node.input)
                             and all(elements(shapes.get(i, (0,))) <= _TINY for i in acts)):
            layer.kind = "free"
        elif op == "BatchNormalization" and producer_kind.get(acts[0]) in ("conv", "pointwise", "depthwise"):
            layer.kind = "free"   # folded into the convolution
        elif (op in _FUSABLE_ACTIVATIONS and producer_kind.get(acts[0]) in ("conv", "pointwise", "depthwise")
              and len(consumers.get(acts[0], [])) == 1):
            layer.kind = "free"   # fused into the convolution
        if layer.kind != "free":
            layer.elements = sum(elements(shapes[i]) for i in acts if i in shapes) + \
                sum(elements(shapes[o]) for o in node.output if o in shapes)
            if layer.kind == "memory":
                layer.weights = layer.weights or sum(elements(shapes[i]) for i in node.input if i in inits)
        for o in node.output:
            # A folded or fused node passes its producer's kind on, so a chain conv-BN-ReLU fuses.
            producer_kind[o] = (producer_kind.get(acts[0]) if layer.kind == "free" and acts
                                and op in _FUSABLE_ACTIVATIONS | {"BatchNormalization"} else layer.kind)
        layers.append(layer)
    return Network(name=Path(path).stem, source=os.fspath(path), input_shape=(), layers=layers, int8=int8)
