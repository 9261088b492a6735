"""ONNX -> native model converter.

    from native.convert import convert
    convert("model.onnx", "model.scn")                                        # fp32
    convert("model.onnx", "model_int8.scn", int8=True, calibration="clip.mp4")
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from native.convert.ir import Network, infer_shapes, size_rules
from native.convert.lower import lower
from native.convert.onnx_import import import_graph, load_onnx


@dataclass
class ConvertReport:
    layers: int
    pads_fused: int
    quantized: int
    num_styles: int
    size_multiple: int
    min_size: int
    bytes: int
    verification: object = None     # native.convert.verify.Verification when verified


def to_network(source, path_hint=None, fuse: bool = True) -> Network:
    """Import, fold and lower an ONNX model; fills in the size rules."""
    from native.convert.fuse import fuse_pad_into_conv, merge_axis_pads
    from native.convert.ir import ShapeError
    from native.errors import ConvertError

    graph = import_graph(source, path_hint)
    net = lower(graph)
    if fuse:
        merge_axis_pads(net)
        fuse_pad_into_conv(net)
    try:
        net.size_multiple, net.min_size = size_rules(net)
    except ShapeError as exc:
        raise ConvertError(graph.path, str(exc)) from None
    if not net.name or net.name in ("main_graph", "torch_jit", "model"):
        base = graph.path if not graph.path.startswith("<") else "model"
        net.name = os.path.splitext(os.path.basename(base))[0]
    return net


def convert_to_bytes(source, int8: bool = False, calibration=None, frames=None,
                     path_hint=None, check: bool = False) -> tuple[bytes, ConvertReport]:
    """The native file as bytes. check=True runs the result through the compiled runtime:
    fp32 against onnxruntime, int8 against the fp32 conversion (on a calibration frame)."""
    from native.convert.writer import serialize
    from native.errors import ConvertError

    model, path = load_onnx(source, path_hint)
    net = to_network(model, path)
    quantized = 0
    if int8:
        from native.convert.calibrate import activation_ranges
        from native.convert.frames import load_frames
        from native.convert.quantize import quantizable, quantize

        if frames is None:
            if calibration is None:
                raise ConvertError(path, "int8 conversion needs calibration frames (--calibration)")
            frames = load_frames(calibration, multiple=net.size_multiple, min_size=net.min_size)
        names = sorted({net.values[layer.inputs[0]].name for layer in quantizable(net)})
        ranges = activation_ranges(model, net, frames, names)
        quantized = quantize(net, ranges)
    data = serialize(net)
    pads = sum(1 for layer in net.layers if layer.op == "conv2d" and layer.attrs["pad_mode"] != "zero")
    report = ConvertReport(len(net.layers), pads, quantized, net.num_styles, net.size_multiple,
                           net.min_size, len(data))
    if check:
        from native.convert.verify import verify

        onnx_bytes = model.SerializeToString()
        fp32 = serialize(to_network(model, path)) if int8 else None
        report.verification = verify(onnx_bytes, data, fp32, frames if int8 else None)
    return data, report


def convert(source, out_path, int8: bool = False, calibration=None, frames=None,
            check: bool = False) -> ConvertReport:
    """Convert and write atomically (a temporary file beside the target, then a rename)."""
    from native.errors import ConvertError

    data, report = convert_to_bytes(source, int8=int8, calibration=calibration, frames=frames, check=check)
    out_path = os.fspath(out_path)
    tmp = out_path + ".part"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, out_path)
    except OSError as exc:
        raise ConvertError(out_path, f"cannot write ({exc.strerror})") from None
    return report
