"""Serialize a native Network to the `.scn` byte layout of docs/NATIVE_FORMAT.md (version 1)."""

from __future__ import annotations

import struct

import numpy as np

from native.convert.ir import Network

MAGIC = b"SCNMODEL"
VERSION = 1
HEADER_SIZE = 160
VALUE_SIZE = 16
TENSOR_SIZE = 32
LAYER_SIZE = 128
ALIGN = 64

OP_CODES = {
    "conv2d": 1, "conv_transpose2d": 2, "resize": 3, "depth_to_space": 4, "space_to_depth": 5,
    "pad": 6, "instance_norm": 7, "cond_instance_norm": 8, "relu": 9, "leaky_relu": 10,
    "sigmoid": 11, "tanh": 12, "clip": 13, "add": 14, "concat": 15, "avg_pool": 16,
    "max_pool": 17, "mul": 18, "sub": 19, "channel_affine": 20,
}
PAD_MODES = {"zero": 0, "reflect": 1, "edge": 2}
COORDS = {"asymmetric": 0, "half_pixel": 1, "align_corners": 2, "pytorch_half_pixel": 3}
NEAREST = {"floor": 0, "round_prefer_floor": 1, "round_prefer_ceil": 2, "ceil": 3}
DTYPES = {np.dtype(np.float32): 1, np.dtype(np.int8): 2, np.dtype(np.int32): 3}

FNV_OFFSET = 0xcbf29ce484222325
FNV_PRIME = 0x100000001b3


def fnv1a64(data: bytes) -> int:
    """The file checksum; uses the compiled runtime's implementation when it is built."""
    try:
        from native.runtime import checksum
        return checksum(data)
    except Exception:
        pass
    h = FNV_OFFSET
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


def _align(n: int, a: int) -> int:
    return (n + a - 1) // a * a


def _layer_fields(layer, add_tensor):
    """(op code, tensor ids, iattr, fattr) for one layer."""
    a, t = layer.attrs, layer.tensors
    iattr: list[int] = []
    fattr: list[float] = []
    tensors: list[int] = []
    op = layer.op
    if op == "conv2d":
        tensors = [add_tensor(t["weight"]), add_tensor(t["bias"])]
        if "weight_scale" in t:
            tensors.append(add_tensor(t["weight_scale"]))
        iattr = [a["stride_h"], a["stride_w"], a["pad_t"], a["pad_l"], a["pad_b"], a["pad_r"],
                 a["dil_h"], a["dil_w"], a["groups"], PAD_MODES[a["pad_mode"]]]
    elif op == "conv_transpose2d":
        tensors = [add_tensor(t["weight"]), add_tensor(t["bias"])]
        iattr = [a["stride_h"], a["stride_w"], a["pad_t"], a["pad_l"], a["pad_b"], a["pad_r"],
                 1, 1, a["groups"], a["out_pad_h"], a["out_pad_w"]]
    elif op == "resize":
        iattr = [0 if a["mode"] == "nearest" else 1, COORDS[a["coord"]], NEAREST[a["nearest_mode"]]]
        fattr = [float(a["scale_h"]), float(a["scale_w"])]
    elif op == "depth_to_space":
        iattr = [a["block"], 0 if a["mode"] == "DCR" else 1]
    elif op == "space_to_depth":
        iattr = [a["block"]]
    elif op == "pad":
        iattr = [a["pad_t"], a["pad_l"], a["pad_b"], a["pad_r"], PAD_MODES[a["mode"]]]
        fattr = [0.0]
    elif op == "instance_norm":
        if "gamma_table" in t:
            op = "cond_instance_norm"
            tensors = [add_tensor(t["gamma_table"]), add_tensor(t["beta_table"])]
        else:
            tensors = [add_tensor(t["gamma"]), add_tensor(t["beta"])]
        fattr = [a["eps"]]
    elif op == "leaky_relu":
        fattr = [a["alpha"]]
    elif op == "clip":
        fattr = [max(a["min"], -3.4e38), min(a["max"], 3.4e38)]
    elif op in ("avg_pool", "max_pool"):
        iattr = [a["kh"], a["kw"], a["stride_h"], a["stride_w"], a["pad_t"], a["pad_l"], a["pad_b"],
                 a["pad_r"], a.get("count_include_pad", 0), 0]
    elif op == "channel_affine":
        tensors = [add_tensor(t["scale"]), add_tensor(t["bias"])]
    return OP_CODES[op], tensors, iattr, fattr


def serialize(net: Network) -> bytes:
    """The complete file as bytes."""
    arrays: list[np.ndarray] = []

    def add_tensor(arr: np.ndarray) -> int:
        arr = np.ascontiguousarray(arr)
        if arr.dtype not in DTYPES:
            raise TypeError(f"tensor dtype {arr.dtype} has no file encoding")
        if not 1 <= arr.ndim <= 4:
            raise ValueError(f"tensor of rank {arr.ndim}")
        arrays.append(arr)
        return len(arrays) - 1

    layer_rows = []
    for layer in net.layers:
        code, tids, iattr, fattr = _layer_fields(layer, add_tensor)
        if len(layer.inputs) > 8:
            raise ValueError(f"layer {layer.name} has {len(layer.inputs)} inputs (at most 8)")
        ins = list(layer.inputs) + [-1] * (8 - len(layer.inputs))
        tids = tids + [-1] * (6 - len(tids))
        iattr = [int(v) for v in iattr] + [0] * (12 - len(iattr))
        fattr = [float(v) for v in fattr] + [0.0] * (3 - len(fattr))
        layer_rows.append(struct.pack("<II8iI6i12i3f", code, len(layer.inputs), *ins, layer.output,
                                      *tids, *iattr, *fattr))

    value_off = HEADER_SIZE
    tensor_off = _align(value_off + VALUE_SIZE * len(net.values), 8)
    layer_off = _align(tensor_off + TENSOR_SIZE * len(arrays), 8)
    data_off = _align(layer_off + LAYER_SIZE * len(layer_rows), ALIGN)
    offsets = []
    pos = data_off
    for arr in arrays:
        offsets.append(pos)
        pos = _align(pos + arr.nbytes, ALIGN)
    file_size = offsets[-1] + arrays[-1].nbytes if arrays else data_off

    buf = bytearray(file_size)
    for v in net.values:
        scale = float(getattr(v, "scale", 0.0) or 0.0)
        zp = int(getattr(v, "zero_point", 0) or 0)
        struct.pack_into("<IIfi", buf, value_off + VALUE_SIZE * v.id, v.channels, 0, scale, zp)
    for i, (arr, off) in enumerate(zip(arrays, offsets)):
        dims = list(arr.shape) + [1] * (4 - arr.ndim)
        struct.pack_into("<II4IQ", buf, tensor_off + TENSOR_SIZE * i, DTYPES[arr.dtype], arr.ndim, *dims, off)
        buf[off:off + arr.nbytes] = arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
    for i, row in enumerate(layer_rows):
        buf[layer_off + LAYER_SIZE * i: layer_off + LAYER_SIZE * (i + 1)] = row

    is_int8 = any(layer.op == "conv2d" and layer.tensors["weight"].dtype == np.int8 for layer in net.layers)
    name = net.name.encode("utf-8")[:32]
    struct.pack_into("<8sIIQQ", buf, 0, MAGIC, VERSION, HEADER_SIZE, file_size, 0)
    struct.pack_into("<13I4f7I32s", buf, 32,
                     1 if is_int8 else 0, net.values[net.input].channels, net.values[net.output].channels,
                     net.size_multiple, net.min_size, net.num_styles, len(net.values), len(arrays),
                     len(net.layers), net.output, value_off, tensor_off, layer_off,
                     np.float32(1.0 / 255.0), 0.0, 255.0, 0.0, *([0] * 7), name)
    struct.pack_into("<Q", buf, 24, fnv1a64(bytes(buf[32:])))
    return bytes(buf)
