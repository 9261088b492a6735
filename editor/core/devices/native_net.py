"""Read a native runtime model into a `Network` through the runtime's own layer table.

The runtime reports, for any input size, every layer's op, shapes, kernel, stride, groups,
MACs and parameter count, so nothing here re-derives what the C code already knows.
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
        layers.append(layer)
    return Network(name=info.name or Path(str(path)).stem, source=str(path),
                   input_shape=(info.in_channels, height, width), layers=layers,
                   int8=bool(quantized), file_bytes=info.file_size)
