"""Read a native runtime model into a `Network` through the runtime's own layer table.

The runtime reports, for any input size, every layer's op, shapes, kernel, stride, groups,
MACs and parameter count, so nothing here re-derives what the C code already knows. One run
at a small size also tells which kernel executes each layer and which layers it folds into
another's pass (the host profile costs layers by kernel family).

ONNX files go through the native converter when it accepts them, so a network is described
by the layers the runtime runs (an instance norm spelled as ReduceMean/Sub/Mul/... becomes one
norm layer; reflect padding becomes part of the convolution).
"""

from __future__ import annotations

import os
from pathlib import Path

from editor.core.devices.errors import NetworkFormatError
from editor.core.devices.network import Layer, Network, conv_kind, elements

_CONV_OPS = {"conv": "Conv", "conv_transpose": "ConvTranspose"}


def read_native(path, size: tuple | None = None, int8: bool | None = None) -> Network:
    path = Path(path)
    try:
        from native import runtime
    except ImportError as exc:
        raise NetworkFormatError(path, f"the native runtime is not installed ({exc})") from None
    if not runtime.available():
        raise NetworkFormatError(path, "the native runtime is not built: run .ci/setup")
    try:
        model = runtime.Model.load(path)
    except Exception as exc:  # the runtime raises its own StyleCutError subclasses
        raise NetworkFormatError(path, f"cannot read as a native model: {exc}") from None
    return network_from_model(model, path, size, int8)


PROBE_SIDE = 64     # kernel choice depends on channels and taps, not on the image size


def probe_kernels(model, width: int, height: int) -> list:
    """[(kernel name, fused, kernel of the layer that runs it)] per layer, from one run of
    `model` at a small size.

    [] when the model cannot be run (a network that is not image-to-image at that size)."""
    import numpy as np

    from native import runtime

    info = model.info
    mult = max(1, info.size_multiple)

    def side(n):
        n = max(min(n, PROBE_SIDE), info.min_size, 1)
        return -(-n // mult) * mult
    w, h = side(width), side(height)
    try:
        session = runtime.Session(model, threads=1)
        session.run(np.zeros((1, info.in_channels, h, w), np.float32))
        timings = session.layer_timings()
        return [(t.kernel, t.fused_into >= 0, timings[t.fused_into].kernel if t.fused_into >= 0 else "")
                for t in timings]
    except Exception:  # the runtime's own errors: this size or input is refused
        return []


def native_bytes_from_onnx(source, int8: bool = False) -> bytes:
    """Convert an ONNX model (path or ModelProto) to the native format.

    int8 quantizes every convolution with a fixed activation range: the kernels and their
    speed do not depend on the range, so no calibration frames are needed to cost the model."""
    from native.convert import to_network
    from native.convert.onnx_import import load_onnx
    from native.convert.writer import serialize

    model, hint = load_onnx(source)
    net = to_network(model, hint)
    if int8:
        from native.convert.quantize import quantizable, quantize

        quantize(net, {net.values[layer.inputs[0]].name: (-1.0, 1.0) for layer in quantizable(net)})
    return serialize(net)


def read_onnx_through_native(path, size: tuple | None, int8: bool = False) -> Network | None:
    """The network the native runtime would run for an ONNX file, or None when the runtime is
    not built, the converter refuses the model, or no size is known."""
    path = Path(path)
    try:
        from native import runtime
    except ImportError:
        return None
    if size is None or not runtime.available():
        return None
    try:
        model = runtime.Model.load(native_bytes_from_onnx(os.fspath(path), int8))
        model.output_shape(size[1], size[0])
    except Exception:  # ConvertError, NativeModelError, NativeRunError: describe the raw ONNX instead
        return None
    net = network_from_model(model, path, size, True if int8 else None)
    net.name = path.stem
    net.file_bytes = path.stat().st_size
    return net


def network_from_model(model, path, size: tuple | None = None, int8: bool | None = None) -> Network:
    """The cost model's view of a loaded `native.runtime.Model` at an input size (W, H)."""
    info = model.info
    try:
        if size is None:
            side = max(info.min_size, 256)
            side -= side % max(1, info.size_multiple)
            size = (side, side)
        width, height = size
        table = model.layers(height, width)
    except Exception as exc:
        raise NetworkFormatError(path, f"cannot lay out the native model at {size[0]}x{size[1]}: {exc}") from None
    quantized = info.is_int8 if int8 is None else int8
    probed = probe_kernels(model, width, height)
    layers = []
    for li in table:
        if li.op in _CONV_OPS:
            kind = conv_kind(li.kernel, li.groups, li.in_shape[0], li.out_shape[0])
            layer = Layer(name=f"{li.index}:{li.op}", op=_CONV_OPS[li.op], kind=kind,
                          in_shape=li.in_shape, out_shape=li.out_shape, kernel=li.kernel,
                          stride=li.stride, groups=li.groups, macs=li.macs, weights=li.params,
                          int8=li.is_int8 or (quantized and int8 is not None),
                          elements=elements(li.in_shape) + elements(li.out_shape))
        else:
            # Layers the runtime fuses into a convolution still move their bytes on a phone
            # runtime that does not fuse them, so they stay memory-bound layers here.
            layer = Layer(name=f"{li.index}:{li.op}", op=li.op, kind="memory",
                          in_shape=li.in_shape, out_shape=li.out_shape, kernel=li.kernel,
                          stride=li.stride, groups=li.groups, weights=li.params,
                          elements=elements(li.in_shape) + elements(li.out_shape))
        if probed:
            layer.impl, layer.fused, layer.host_impl = probed[li.index]
        layers.append(layer)
    return Network(name=info.name or Path(str(path)).stem, source=str(path),
                   input_shape=(info.in_channels, height, width), layers=layers,
                   int8=bool(quantized), file_bytes=info.file_size)
