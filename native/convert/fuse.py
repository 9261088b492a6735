"""Graph rewrites on the native layer list that save memory passes at run time."""

from __future__ import annotations

from native.convert.ir import Network


def consumers(net: Network) -> dict[int, list]:
    users: dict[int, list] = {}
    for layer in net.layers:
        for v in layer.inputs:
            users.setdefault(v, []).append(layer)
    return users


def merge_axis_pads(net: Network) -> int:
    """A pad of H alone followed by a pad of W alone (or the reverse) in the same mode is one
    2-D pad: reflect and edge padding are separable by axis. Returns the number merged."""
    users = consumers(net)
    merged = 0
    drop = set()
    for layer in net.layers:
        if layer.op != "pad" or layer.output == net.output:
            continue
        readers = users.get(layer.output, [])
        if len(readers) != 1 or readers[0].op != "pad" or readers[0].attrs["mode"] != layer.attrs["mode"]:
            continue
        a, b = layer.attrs, readers[0].attrs
        a_h, a_w = a["pad_t"] or a["pad_b"], a["pad_l"] or a["pad_r"]
        b_h, b_w = b["pad_t"] or b["pad_b"], b["pad_l"] or b["pad_r"]
        if (a_h and b_h) or (a_w and b_w):
            continue                      # same axis twice: not a plain sum for reflect
        for k in ("pad_t", "pad_l", "pad_b", "pad_r"):
            b[k] += a[k]
        readers[0].inputs = list(layer.inputs)
        drop.add(id(layer))
        merged += 1
    if drop:
        net.layers = [layer for layer in net.layers if id(layer) not in drop]
        compact_values(net)
    return merged


def fuse_pad_into_conv(net: Network) -> int:
    """A PAD whose only reader is a convolution without padding of its own becomes that
    convolution's padding (the conv reads reflected/replicated/zero taps directly), saving a
    full copy of the activation. Returns the number of pads fused."""
    users = consumers(net)
    fused = 0
    keep = []
    for layer in net.layers:
        if layer.op == "pad" and layer.output != net.output:
            readers = users.get(layer.output, [])
            if len(readers) == 1 and readers[0].op == "conv2d":
                conv = readers[0]
                a = conv.attrs
                if (a["pad_t"], a["pad_l"], a["pad_b"], a["pad_r"]) == (0, 0, 0, 0) and a["dil_h"] == 1 \
                        and a["dil_w"] == 1:
                    p = layer.attrs
                    a.update(pad_t=p["pad_t"], pad_l=p["pad_l"], pad_b=p["pad_b"], pad_r=p["pad_r"],
                             pad_mode=p["mode"])
                    conv.inputs = [layer.inputs[0]]
                    fused += 1
                    continue
        keep.append(layer)
    net.layers = keep
    compact_values(net)
    return fused


def compact_values(net: Network) -> None:
    """Renumber values so that value 0 is the input and the rest follow the layer order,
    dropping values no layer produces any more."""
    order = [net.input] + [layer.output for layer in net.layers]
    remap = {old: new for new, old in enumerate(order)}
    values = []
    for new, old in enumerate(order):
        v = net.values[old]
        v.id = new
        values.append(v)
    for layer in net.layers:
        layer.inputs = [remap[v] for v in layer.inputs]
        layer.output = remap[layer.output]
    net.values = values
    net.input = 0
    net.output = remap[net.output]
