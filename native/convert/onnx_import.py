"""Read an ONNX model into a plain, constant-folded node list the pattern matcher can walk.

torch.onnx leaves whole subgraphs that only compute constants (reflect-pad amounts built from
ConstantOfShape/Concat/Slice/Transpose/Cast, reshape targets, ...). They are folded here by
evaluating each node whose inputs are all known with onnx's reference evaluator, so the
lowering pass only ever sees the operations that touch activations or the style weights.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from native.errors import ConvertError

MIN_OPSET = 13


@dataclass
class Node:
    op: str
    name: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict

    def describe(self) -> str:
        return f"{self.op} node '{self.name}'" if self.name else f"{self.op} node producing '{self.outputs[0]}'"


@dataclass
class ImportedGraph:
    """The folded graph: nodes in topological order, known constants, graph inputs/outputs."""

    path: str
    nodes: list[Node]
    constants: dict[str, np.ndarray]
    inputs: dict[str, tuple]       # name -> shape (ints or None for symbolic dims)
    outputs: list[str]
    opset: int
    name: str = ""
    consumers: dict[str, list[Node]] = field(default_factory=dict)

    def index_consumers(self) -> None:
        self.consumers = {}
        for node in self.nodes:
            for name in dict.fromkeys(node.inputs):   # a node reading x twice (x * x) counts once
                if name:
                    self.consumers.setdefault(name, []).append(node)
        for name in self.outputs:
            self.consumers.setdefault(name, [])


def load_onnx(source, path_hint: str | None = None):
    """Load an ONNX ModelProto from a path, bytes or an existing ModelProto."""
    import onnx

    path = path_hint
    if isinstance(source, onnx.ModelProto):
        return source, path or "<onnx model>"
    if isinstance(source, (bytes, bytearray)):
        try:
            return onnx.load_from_string(bytes(source)), path or "<onnx bytes>"
        except Exception as exc:  # protobuf raises several unrelated types
            raise ConvertError(path or "<onnx bytes>", f"not a readable ONNX model ({exc})") from None
    path = os.fspath(source)
    if not os.path.isfile(path):
        raise ConvertError(path, "no such ONNX file")
    try:
        model = onnx.load(path)
    except Exception as exc:
        raise ConvertError(path, f"not a readable ONNX model ({type(exc).__name__}: {exc})") from None
    return model, path


def _attr_dict(node_proto) -> dict:
    from onnx import helper

    out = {}
    for attr in node_proto.attribute:
        value = helper.get_attribute_value(attr)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        out[attr.name] = value
    return out


def _shape_of(value_info) -> tuple:
    dims = []
    for d in value_info.type.tensor_type.shape.dim:
        dims.append(d.dim_value if d.HasField("dim_value") else None)
    return tuple(dims)


def _evaluate(node_proto, values: list, opset: int):
    """Evaluate one ONNX node on numpy inputs with the onnx reference implementation."""
    from onnx import helper
    from onnx.reference import ReferenceEvaluator

    in_names = [f"i{k}" if name else "" for k, name in enumerate(node_proto.input)]
    single = helper.make_node(node_proto.op_type, in_names, [f"o{k}" for k in range(len(node_proto.output))],
                              domain=node_proto.domain or None)
    single.attribute.extend(node_proto.attribute)
    evaluator = ReferenceEvaluator(single, opsets={"": opset})
    feeds = {n: v for n, v in zip(in_names, values) if n}
    return evaluator.run(None, feeds)


def import_graph(source, path_hint: str | None = None) -> ImportedGraph:
    """Load, validate and constant-fold an ONNX model."""
    from onnx import numpy_helper

    model, path = load_onnx(source, path_hint)
    opset = 0
    for imp in model.opset_import:
        if imp.domain in ("", "ai.onnx"):
            opset = imp.version
    if opset < MIN_OPSET:
        raise ConvertError(path, f"ONNX opset {opset} is too old; export with opset {MIN_OPSET} or later")
    graph = model.graph
    constants: dict[str, np.ndarray] = {}
    for init in graph.initializer:
        if init.data_location == 1:  # EXTERNAL
            raise ConvertError(path, f"initializer '{init.name}' is stored in an external file; "
                                     "export with external_data=False")
        constants[init.name] = numpy_helper.to_array(init)
    inputs = {vi.name: _shape_of(vi) for vi in graph.input if vi.name not in constants}
    outputs = [vi.name for vi in graph.output]
    if not inputs:
        raise ConvertError(path, "the graph has no inputs")
    if len(outputs) != 1:
        raise ConvertError(path, f"the graph must have exactly one output, it has {len(outputs)}")

    nodes: list[Node] = []
    for proto in graph.node:
        if proto.domain not in ("", "ai.onnx"):
            raise ConvertError(path, f"unsupported op {proto.domain}.{proto.op_type} "
                                     f"in node '{proto.name or proto.output[0]}'")
        attrs = _attr_dict(proto)
        if proto.op_type == "Constant":
            if "value" in attrs:
                constants[proto.output[0]] = numpy_helper.to_array(attrs["value"]) \
                    if not isinstance(attrs["value"], np.ndarray) else attrs["value"]
            else:
                key, val = next(iter(attrs.items()))
                constants[proto.output[0]] = np.asarray(val, dtype=np.float32 if "float" in key else np.int64)
            continue
        if proto.op_type in ("Identity", "Dropout") and proto.input[0] in constants:
            constants[proto.output[0]] = constants[proto.input[0]]
            continue
        known = all((not name) or name in constants for name in proto.input)
        if known and proto.input:
            try:
                results = _evaluate(proto, [constants[n] if n else None for n in proto.input], opset)
            except Exception as exc:
                raise ConvertError(path, f"cannot fold constant {proto.op_type} node "
                                         f"'{proto.name or proto.output[0]}': {exc}") from None
            for name, value in zip(proto.output, results):
                constants[name] = np.asarray(value)
            continue
        nodes.append(Node(proto.op_type, proto.name, list(proto.input), list(proto.output), attrs))
    imported = ImportedGraph(path, nodes, constants, inputs, outputs, opset, graph.name)
    _drop_dead(imported)
    imported.index_consumers()
    return imported


def _drop_dead(g: ImportedGraph) -> None:
    """Remove nodes whose outputs nothing uses (torch leaves a few after folding)."""
    live = set(g.outputs)
    kept = []
    for node in reversed(g.nodes):
        if any(o in live for o in node.outputs):
            kept.append(node)
            live.update(i for i in node.inputs if i)
    g.nodes = kept[::-1]
