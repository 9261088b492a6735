"""Open any network the cost model understands: ncnn .param, ONNX, or a native runtime model."""

from __future__ import annotations

from pathlib import Path

from editor.core.devices.errors import NetworkFormatError
from editor.core.devices.network import Network


def parse_size(text: str | None) -> tuple | None:
    """'640x360' -> (640, 360)."""
    if text is None:
        return None
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise NetworkFormatError(None, f"size {text!r} is not WIDTHxHEIGHT") from None
    if w <= 0 or h <= 0:
        raise NetworkFormatError(None, f"size {text!r} is empty")
    return (w, h)


def as_int8(net: Network) -> Network:
    """The same network with every convolution and fully connected layer quantized."""
    for layer in net.layers:
        if layer.kind in ("conv", "pointwise", "depthwise") or layer.weights:
            layer.int8 = True
    net.int8 = True
    return net


def load_network(path, size: tuple | None = None, int8: bool = False) -> Network:
    path = Path(path)
    if not path.exists():
        raise NetworkFormatError(path, "no such file")
    suffix = path.suffix.lower()
    if suffix == ".param":
        from editor.core.devices.ncnn_param import read_param

        net = read_param(path, size)
        return as_int8(net) if int8 else net
    if suffix == ".onnx":
        from editor.core.devices.native_net import read_onnx_through_native
        from editor.core.devices.onnx_net import read_onnx

        # The layers the native runtime runs when it takes the model; the ONNX graph's own
        # nodes otherwise. Reading the ONNX first also checks the file and gives its size.
        net = read_onnx(path, size, int8)
        c, h, w = net.input_shape
        return read_onnx_through_native(path, (w, h), int8) or net
    with open(path, "rb") as f:
        head = f.read(16)
    if head.startswith(b"7767517"):
        from editor.core.devices.ncnn_param import read_param

        net = read_param(path, size)
        return as_int8(net) if int8 else net
    from editor.core.devices.native_net import read_native

    return read_native(path, size, True if int8 else None)
