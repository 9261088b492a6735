"""ONNX -> native model converter.

    from native.convert import convert
    convert("model.onnx", "model.scn")                                  # fp32
    convert("model.onnx", "model_int8.scn", int8=True, calibration="frames/")
"""

from native.convert.onnx_import import import_graph
from native.convert.lower import lower
from native.convert.ir import Network, infer_shapes, size_rules


def to_network(source, path_hint=None) -> Network:
    """Import, fold and lower an ONNX model; fills in the size rules."""
    from native.errors import ConvertError
    from native.convert.ir import ShapeError

    graph = import_graph(source, path_hint)
    net = lower(graph)
    try:
        net.size_multiple, net.min_size = size_rules(net)
    except ShapeError as exc:
        raise ConvertError(graph.path, str(exc)) from None
    return net
