"""Lower a folded ONNX graph to native layers by recognizing the patterns torch exports.

Walks the nodes in order. Nodes that touch only the style weights are tracked symbolically
(style_affine). Multi-node patterns (decomposed instance norm) are matched from their first
node and consume the rest; single nodes map one to one; BatchNormalization and constant
scale/bias after a convolution are folded into its weights. The first node that fits nothing
stops the conversion with an error naming the op and the node.
"""

from __future__ import annotations

import numpy as np

from native.errors import ConvertError
from native.convert import style_affine
from native.convert.ir import Layer, Network
from native.convert.onnx_import import ImportedGraph, Node
from native.convert.style_affine import NotLinear, StyleAffine

ELEMENTWISE = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh"}


class Lowering:
    def __init__(self, g: ImportedGraph):
        self.g = g
        self.c = g.constants
        self.consumed: set[int] = set()
        self.act: dict[str, int] = {}           # ONNX tensor -> value id
        self.sym: dict[str, StyleAffine] = {}  # ONNX tensor -> style-linear value
        self.producer: dict[int, Layer] = {}    # value id -> layer that wrote it
        self.net: Network | None = None

    # ---- helpers -------------------------------------------------------------------------
    def fail(self, node: Node, problem: str):
        raise ConvertError(self.g.path, f"{node.describe()}: {problem}")

    def const(self, node: Node, name: str, what: str) -> np.ndarray:
        if name not in self.c:
            self.fail(node, f"{what} must be a constant")
        return np.asarray(self.c[name])

    def value_of(self, node: Node, name: str) -> int:
        if name not in self.act:
            if name in self.c:
                self.fail(node, "an operand that is a constant tensor is not supported here")
            self.fail(node, f"input '{name}' is not an image-shaped activation")
        return self.act[name]

    def users(self, name: str) -> list[Node]:
        return self.g.consumers.get(name, [])

    def only_user(self, name: str, op: str | tuple) -> Node | None:
        users = self.users(name)
        ops = (op,) if isinstance(op, str) else op
        if len(users) == 1 and users[0].op in ops and name not in self.g.outputs:
            return users[0]
        return None

    def emit(self, op: str, inputs: list[int], out_name: str, channels: int, node: Node,
             attrs: dict | None = None, tensors: dict | None = None) -> Layer:
        vid = self.net.add_value(out_name, channels)
        layer = Layer(op, inputs, vid, attrs or {}, tensors or {}, node.name or out_name)
        self.net.layers.append(layer)
        self.act[out_name] = vid
        self.producer[vid] = layer
        return layer

    def channels(self, vid: int) -> int:
        return self.net.values[vid].channels

    # ---- driver --------------------------------------------------------------------------
    def run(self) -> Network:
        g = self.g
        image, style = self._classify_inputs()
        chans = g.inputs[image][1]
        if not chans:
            raise ConvertError(g.path, f"input '{image}' must have a fixed channel count")
        self.net = Network(g.name or "model", [], [], 0, 0, image_input=image, style_input=style)
        self.net.input = self.net.add_value(image, chans)
        self.act[image] = self.net.input
        if style:
            shape = g.inputs[style]
            n = int(np.prod([d for d in shape]))
            self.net.num_styles = n
            self.sym[style] = StyleAffine.identity(n, tuple(shape))
        self._track_style_weights()
        for index, node in enumerate(g.nodes):
            if index in self.consumed:
                continue
            self.lower(index, node)
        out = g.outputs[0]
        if out not in self.act:
            raise ConvertError(g.path, f"the output '{out}' is not an image-shaped activation")
        self.net.output = self.act[out]
        return self.net

    def _track_style_weights(self):
        """Evaluate symbolically, up front, every node computed from the style weights alone, so
        pattern matching finds gamma and beta whatever order the exporter listed nodes in."""
        for index, node in enumerate(self.g.nodes):
            ins = [i for i in node.inputs if i]
            if ins and any(i in self.sym for i in ins) and all(i in self.sym or i in self.c for i in ins):
                self.lower(index, node)
                self.consumed.add(index)

    def _classify_inputs(self):
        image = style = None
        for name, shape in self.g.inputs.items():
            if len(shape) == 4:
                if image:
                    raise ConvertError(self.g.path, "the graph has more than one image input")
                image = name
            elif len(shape) in (1, 2) and all(d for d in shape):
                if style:
                    raise ConvertError(self.g.path, "the graph has more than one style-weight input")
                style = name
            else:
                raise ConvertError(self.g.path, f"input '{name}' of shape {shape} is neither an NCHW "
                                                "image nor a style-weight vector")
        if image is None:
            raise ConvertError(self.g.path, "the graph has no NCHW image input")
        if self.g.inputs[image][0] not in (1, None):
            raise ConvertError(self.g.path, f"input '{image}' must have batch size 1")
        return image, style

    def lower(self, index: int, node: Node):
        op = node.op
        ins = node.inputs
        # style-weight arithmetic stays symbolic
        if any(i in self.sym for i in ins if i):
            if not all((not i) or i in self.sym or i in self.c for i in ins):
                if op in ("Mul", "Add"):
                    return self.fail(node, "style-dependent scale or shift that is not part of an "
                                           "instance norm")
                return self.fail(node, "mixes style weights with image data")
            args = [self.sym.get(i, self.c.get(i)) if i else None for i in ins]
            try:
                self.sym[node.outputs[0]] = style_affine.apply(node, args, self.c)
            except NotLinear:
                self.fail(node, "unsupported computation on the style weights")
            except ValueError as exc:
                self.fail(node, f"inconsistent style-weight shapes ({exc})")
            return
        handler = getattr(self, f"op_{op}", None)
        if handler is None:
            self.fail(node, "unsupported op")
        handler(index, node)

    # ---- single ops ----------------------------------------------------------------------
    def op_Identity(self, index, node):
        self.act[node.outputs[0]] = self.value_of(node, node.inputs[0])

    op_Dropout = op_Identity

    def op_Relu(self, index, node):
        x = self.value_of(node, node.inputs[0])
        self.emit("relu", [x], node.outputs[0], self.channels(x), node)

    def op_Sigmoid(self, index, node):
        x = self.value_of(node, node.inputs[0])
        self.emit("sigmoid", [x], node.outputs[0], self.channels(x), node)

    def op_Tanh(self, index, node):
        x = self.value_of(node, node.inputs[0])
        self.emit("tanh", [x], node.outputs[0], self.channels(x), node)

    def op_LeakyRelu(self, index, node):
        x = self.value_of(node, node.inputs[0])
        self.emit("leaky_relu", [x], node.outputs[0], self.channels(x), node,
                  {"alpha": float(node.attrs.get("alpha", 0.01))})

    def op_Clip(self, index, node):
        x = self.value_of(node, node.inputs[0])
        lo, hi = node.attrs.get("min", -np.inf), node.attrs.get("max", np.inf)
        if len(node.inputs) > 1 and node.inputs[1]:
            lo = float(self.const(node, node.inputs[1], "the minimum"))
        if len(node.inputs) > 2 and node.inputs[2]:
            hi = float(self.const(node, node.inputs[2], "the maximum"))
        self.emit("clip", [x], node.outputs[0], self.channels(x), node, {"min": float(lo), "max": float(hi)})

    # ---- reflect/edge padding spelled as Slice + Concat ------------------------------------
    def op_Slice(self, index, node):
        """A Slice is only accepted as part of padding built from slices of a tensor and the
        tensor itself, concatenated along H or W (torch.cat([x[..., 1:p+1].flip(), x, ...]))."""
        concat = self._concat_above(node)
        if concat is None or not self._lower_pad_concat(concat):
            self.fail(node, "unsupported op (slicing is only recognized inside reflect/edge padding)")

    def _concat_above(self, node):
        seen = 0
        while seen < 8:
            users = self.users(node.outputs[0])
            if len(users) != 1:
                return None
            node = users[0]
            if node.op == "Concat":
                return node
            if node.op != "Slice":
                return None
            seen += 1
        return None

    def _slice_chain(self, name):
        """(source activation, [slice nodes from the source outwards]) or None."""
        chain = []
        producer = {o: n for n in self.g.nodes for o in n.outputs}
        while name not in self.act:
            node = producer.get(name)
            if node is None or node.op != "Slice" or len(chain) > 8:
                return None
            chain.append(node)
            name = node.inputs[0]
        return name, chain[::-1]

    def _apply_slice(self, node, idx, axis):
        if node.attrs:                                   # opset < 10 attribute form
            return None
        get = lambda k: [int(v) for v in self.c[node.inputs[k]].reshape(-1)] \
            if len(node.inputs) > k and node.inputs[k] and node.inputs[k] in self.c else None
        starts, ends, axes, steps = get(1), get(2), get(3), get(4)
        if starts is None or ends is None:
            return None
        axes = [a % 4 for a in (axes or list(range(len(starts))))]
        steps = steps or [1] * len(starts)
        if axes != [axis]:
            return None
        n, st, en, sp = len(idx), starts[0], ends[0], steps[0]
        st = st + n if st < 0 else st
        en = en + n if en < 0 else en
        if sp > 0:
            st, en = min(max(st, 0), n), min(max(en, 0), n)
            return idx[st:en:sp]
        st, en = min(max(st, 0), n - 1), min(max(en, -1), n - 1)
        return idx[st:en if en >= 0 else None:sp]

    def _lower_pad_concat(self, concat) -> bool:
        axis = concat.attrs.get("axis", 1) % 4
        if axis not in (2, 3):
            return False
        parts = [self._slice_chain(i) for i in concat.inputs]
        if any(p is None for p in parts) or len({p[0] for p in parts}) != 1:
            return False
        src = parts[0][0]
        found = None
        for size in (23, 29):                            # two sizes: the rule must not depend on it
            rows = []
            for _, chain in parts:
                idx = np.arange(size)
                for sl in chain:
                    idx = self._apply_slice(sl, idx, axis)
                    if idx is None:
                        return False
                rows.append(idx)
            got = np.concatenate(rows)
            extra = len(got) - size
            match = None
            for before in range(max(extra, -1) + 1):
                for mode in ("reflect", "edge"):
                    want = np.pad(np.arange(size), (before, extra - before), mode=mode)
                    if len(want) == len(got) and np.array_equal(want, got):
                        match = (before, extra - before, mode)
            if match is None or (found is not None and match != found):
                return False
            found = match
        before, after, mode = found
        nodes = [concat] + [sl for _, chain in parts for sl in chain]
        for n_ in nodes:
            self.consumed.add(self.g.nodes.index(n_))
        x = self.act[src]
        pads = dict(pad_t=0, pad_l=0, pad_b=0, pad_r=0, mode=mode)
        if axis == 2:
            pads.update(pad_t=before, pad_b=after)
        else:
            pads.update(pad_l=before, pad_r=after)
        self.emit("pad", [x], concat.outputs[0], self.channels(x), concat, pads)
        return True

    def op_Concat(self, index, node):
        axis = node.attrs.get("axis", 1)
        if axis % 4 in (2, 3) and self._lower_pad_concat(node):
            return
        if axis not in (1, -3):
            self.fail(node, f"concatenation along axis {axis}; only channels (axis 1) are supported")
        xs = [self.value_of(node, i) for i in node.inputs]
        self.emit("concat", xs, node.outputs[0], sum(self.channels(x) for x in xs), node)

    def op_Add(self, index, node):
        a, b = node.inputs
        if a in self.act and b in self.act:
            return self._binary(node, "add")
        x, k = (a, b) if a in self.act else (b, a)
        self._fold_affine(node, self.value_of(node, x), None, self.const(node, k, "the addend"))

    def _binary(self, node, op):
        xa, xb = self.act[node.inputs[0]], self.act[node.inputs[1]]
        if self.channels(xa) != self.channels(xb):
            self.fail(node, f"operands have {self.channels(xa)} and {self.channels(xb)} channels")
        self.emit(op, [xa, xb], node.outputs[0], self.channels(xa), node)

    def op_Sub(self, index, node):
        a, b = node.inputs
        if a in self.act and b in self.act:
            self._binary(node, "sub")
        elif a in self.act and b in self.c:
            self._fold_affine(node, self.act[a], None, -self.c[b])
        else:
            self.fail(node, "subtraction of an activation from a constant")

    def op_Mul(self, index, node):
        a, b = node.inputs
        if a in self.act and b in self.act:
            return self._binary(node, "mul")
        x, k = (a, b) if a in self.act else (b, a)
        self._fold_affine(node, self.value_of(node, x), self.const(node, k, "the factor"), None)

    def op_Div(self, index, node):
        a, b = node.inputs
        if a in self.act and b in self.c:
            self._fold_affine(node, self.act[a], 1.0 / self.c[b].astype(np.float64), None)
        else:
            self.fail(node, "division other than of an activation by a constant")

    def _per_channel(self, node, k, channels):
        k = np.asarray(k, dtype=np.float64)
        if k.size == 1:
            return np.full(channels, float(k.reshape(-1)[0]))
        squeezed = k.reshape(-1)
        if k.ndim >= 3 and squeezed.size == channels and k.shape[-1] == 1 and k.shape[-2] == 1:
            return squeezed
        self.fail(node, f"constant of shape {list(k.shape)} is not a per-channel value")

    def _fold_affine(self, node, x, scale, shift):
        """y = x * scale + shift with per-channel constants, folded into the producing conv."""
        layer = self.producer.get(x)
        src_name = self.net.values[x].name
        c = self.channels(x)
        if layer is None or layer.op != "conv2d" or len(self.users(src_name)) != 1:
            # not foldable: a per-channel affine layer of its own
            s = np.ones(c) if scale is None else self._per_channel(node, scale, c)
            t = np.zeros(c) if shift is None else self._per_channel(node, shift, c)
            self.emit("channel_affine", [x], node.outputs[0], c, node, {},
                      {"scale": s.astype(np.float32), "bias": t.astype(np.float32)})
            return
        w = layer.tensors["weight"].astype(np.float64)
        bias = layer.tensors["bias"].astype(np.float64)
        if scale is not None:
            s = self._per_channel(node, scale, c)
            w = w * s[:, None, None, None]
            bias = bias * s
        if shift is not None:
            bias = bias + self._per_channel(node, shift, c)
        layer.tensors["weight"] = w.astype(np.float32)
        layer.tensors["bias"] = bias.astype(np.float32)
        self.net.values[x].name = node.outputs[0]
        self.act[node.outputs[0]] = x

    def op_Conv(self, index, node):
        x = self.value_of(node, node.inputs[0])
        w = self.const(node, node.inputs[1], "the weight").astype(np.float32)
        if w.ndim != 4:
            self.fail(node, f"only 2-D convolutions are supported (weight rank {w.ndim})")
        b = self.const(node, node.inputs[2], "the bias").astype(np.float32) \
            if len(node.inputs) > 2 and node.inputs[2] else np.zeros(w.shape[0], np.float32)
        groups = int(node.attrs.get("group", 1))
        cin = self.channels(x)
        if w.shape[1] * groups != cin or w.shape[0] % groups:
            self.fail(node, f"weight {list(w.shape)} with {groups} groups does not fit {cin} input channels")
        kh, kw = w.shape[2], w.shape[3]
        strides = node.attrs.get("strides", [1, 1])
        dil = node.attrs.get("dilations", [1, 1])
        pads = self._pads(node, kh, kw, strides, dil)
        attrs = dict(kh=kh, kw=kw, stride_h=strides[0], stride_w=strides[1], pad_t=pads[0], pad_l=pads[1],
                     pad_b=pads[2], pad_r=pads[3], dil_h=dil[0], dil_w=dil[1], groups=groups, pad_mode="zero")
        out = self.emit("conv2d", [x], node.outputs[0], w.shape[0], node, attrs, {"weight": w, "bias": b})
        # BatchNormalization right after: fold it now
        bn = self.only_user(node.outputs[0], "BatchNormalization")
        if bn is not None:
            self._fold_batchnorm(bn, out)

    def _pads(self, node, kh, kw, strides, dil):
        auto = node.attrs.get("auto_pad", "NOTSET")
        if auto in ("NOTSET", ""):
            p = list(node.attrs.get("pads", [0, 0, 0, 0]))
            return [p[0], p[1], p[2], p[3]]
        if auto == "VALID":
            return [0, 0, 0, 0]
        # SAME_UPPER / SAME_LOWER are only size-independent for stride 1
        if strides != [1, 1] and list(strides) != [1, 1]:
            self.fail(node, f"auto_pad={auto} with stride {list(strides)} depends on the input size")
        out = []
        for k, d in ((kh, dil[0]), (kw, dil[1])):
            total = d * (k - 1)
            small, big = total // 2, total - total // 2
            out.append((small, big) if auto == "SAME_UPPER" else (big, small))
        return [out[0][0], out[1][0], out[0][1], out[1][1]]

    def _fold_batchnorm(self, bn: Node, layer: Layer):
        idx = self.g.nodes.index(bn)
        scale, bias, mean, var = (self.const(bn, n, "a batch-norm parameter").astype(np.float64)
                                  for n in bn.inputs[1:5])
        eps = float(bn.attrs.get("epsilon", 1e-5))
        k = scale / np.sqrt(var + eps)
        layer.tensors["weight"] = (layer.tensors["weight"].astype(np.float64) * k[:, None, None, None]).astype(np.float32)
        layer.tensors["bias"] = ((layer.tensors["bias"].astype(np.float64) - mean) * k + bias).astype(np.float32)
        self.net.values[layer.output].name = bn.outputs[0]
        self.act[bn.outputs[0]] = layer.output
        self.consumed.add(idx)

    def op_BatchNormalization(self, index, node):
        # Not right after a convolution: a per-channel affine layer.
        x = self.value_of(node, node.inputs[0])
        c = self.channels(x)
        scale, bias, mean, var = (self.const(node, n, "a batch-norm parameter").astype(np.float64)
                                  for n in node.inputs[1:5])
        k = scale / np.sqrt(var + float(node.attrs.get("epsilon", 1e-5)))
        self.emit("channel_affine", [x], node.outputs[0], c, node, {},
                  {"scale": k.astype(np.float32), "bias": (bias - mean * k).astype(np.float32)})

    def op_ConvTranspose(self, index, node):
        x = self.value_of(node, node.inputs[0])
        w = self.const(node, node.inputs[1], "the weight").astype(np.float32)
        if w.ndim != 4:
            self.fail(node, "only 2-D transposed convolutions are supported")
        groups = int(node.attrs.get("group", 1))
        cin = self.channels(x)
        if w.shape[0] != cin or cin % groups:
            self.fail(node, f"weight {list(w.shape)} does not fit {cin} input channels")
        cout = w.shape[1] * groups
        b = self.const(node, node.inputs[2], "the bias").astype(np.float32) \
            if len(node.inputs) > 2 and node.inputs[2] else np.zeros(cout, np.float32)
        if node.attrs.get("auto_pad", "NOTSET") not in ("NOTSET", "") or "output_shape" in node.attrs:
            self.fail(node, "auto_pad/output_shape on a transposed convolution is not supported")
        if node.attrs.get("dilations", [1, 1]) != [1, 1]:
            self.fail(node, "dilated transposed convolution is not supported")
        s = node.attrs.get("strides", [1, 1])
        p = node.attrs.get("pads", [0, 0, 0, 0])
        op_ = node.attrs.get("output_padding", [0, 0])
        attrs = dict(kh=w.shape[2], kw=w.shape[3], stride_h=s[0], stride_w=s[1], pad_t=p[0], pad_l=p[1],
                     pad_b=p[2], pad_r=p[3], out_pad_h=op_[0], out_pad_w=op_[1], groups=groups)
        self.emit("conv_transpose2d", [x], node.outputs[0], cout, node, attrs, {"weight": w, "bias": b})

    def op_Pad(self, index, node):
        x = self.value_of(node, node.inputs[0])
        mode = node.attrs.get("mode", "constant")
        if len(node.inputs) > 1 and node.inputs[1]:
            pads = [int(v) for v in self.const(node, node.inputs[1], "the pad amounts").reshape(-1)]
        else:
            pads = list(node.attrs.get("pads", []))
        if len(node.inputs) > 3 and node.inputs[3]:
            # opset 18: pads are [begins..., ends...] for the listed axes only
            axes = [int(a) % 4 for a in self.const(node, node.inputs[3], "the pad axes").reshape(-1)]
            if len(pads) != 2 * len(axes):
                self.fail(node, f"{len(pads)} pad amounts for {len(axes)} axes")
            full = [0] * 8
            for i, ax in enumerate(axes):
                full[ax], full[4 + ax] = pads[i], pads[len(axes) + i]
            pads = full
        value = 0.0
        if len(node.inputs) > 2 and node.inputs[2]:
            value = float(self.const(node, node.inputs[2], "the pad value").reshape(-1)[0])
        if len(pads) != 8:
            self.fail(node, f"expected 8 pad amounts for NCHW, got {len(pads)}")
        if any(pads[i] for i in (0, 1, 4, 5)):
            self.fail(node, "padding of the batch or channel axis is not supported")
        if any(v < 0 for v in pads):
            self.fail(node, "negative padding (cropping) is not supported")
        if mode not in ("constant", "reflect", "edge"):
            self.fail(node, f"pad mode '{mode}' is not supported")
        if mode == "constant" and value != 0.0:
            self.fail(node, f"constant padding with value {value} (only 0 is supported)")
        attrs = dict(pad_t=pads[2], pad_l=pads[3], pad_b=pads[6], pad_r=pads[7],
                     mode={"constant": "zero"}.get(mode, mode))
        self.emit("pad", [x], node.outputs[0], self.channels(x), node, attrs)

    def op_Resize(self, index, node):
        x = self.value_of(node, node.inputs[0])
        scales = None
        if len(node.inputs) > 2 and node.inputs[2] and node.inputs[2] in self.c and self.c[node.inputs[2]].size:
            scales = self.c[node.inputs[2]].reshape(-1)
        elif len(node.inputs) > 3 and node.inputs[3]:
            self.fail(node, "resizing to a fixed size is not supported; use scale factors")
        if scales is None or len(scales) != 4 or scales[0] != 1 or scales[1] != 1:
            self.fail(node, "needs constant NCHW scale factors that keep batch and channels")
        self._resize(node, x, scales[2], scales[3], node.attrs.get("mode", "nearest"),
                     node.attrs.get("coordinate_transformation_mode", "half_pixel"),
                     node.attrs.get("nearest_mode", "round_prefer_floor"))

    def op_Upsample(self, index, node):
        x = self.value_of(node, node.inputs[0])
        scales = self.const(node, node.inputs[1], "the scales").reshape(-1)
        self._resize(node, x, scales[2], scales[3], node.attrs.get("mode", "nearest"), "asymmetric", "floor")

    COORDS = {"asymmetric": 0, "half_pixel": 1, "align_corners": 2, "pytorch_half_pixel": 3}
    NEAREST = {"floor": 0, "round_prefer_floor": 1, "round_prefer_ceil": 2, "ceil": 3}

    def _resize(self, node, x, sh, sw, mode, coord, nearest_mode):
        if sh != int(sh) or sw != int(sw) or sh < 1 or sw < 1:
            self.fail(node, f"scale factors {sh}x{sw} are not positive integers")
        if mode not in ("nearest", "linear"):
            self.fail(node, f"resize mode '{mode}' is not supported")
        if coord not in self.COORDS:
            self.fail(node, f"resize coordinate mode '{coord}' is not supported")
        if mode == "nearest" and nearest_mode not in self.NEAREST:
            self.fail(node, f"nearest rounding '{nearest_mode}' is not supported")
        self.emit("resize", [x], node.outputs[0], self.channels(x), node,
                  {"mode": mode, "scale_h": int(sh), "scale_w": int(sw), "coord": coord,
                   "nearest_mode": nearest_mode if mode == "nearest" else "floor"})

    def op_DepthToSpace(self, index, node):
        x = self.value_of(node, node.inputs[0])
        b = int(node.attrs["blocksize"])
        if self.channels(x) % (b * b):
            self.fail(node, f"{self.channels(x)} channels are not divisible by {b * b}")
        self.emit("depth_to_space", [x], node.outputs[0], self.channels(x) // (b * b), node,
                  {"block": b, "mode": node.attrs.get("mode", "DCR")})

    def op_SpaceToDepth(self, index, node):
        x = self.value_of(node, node.inputs[0])
        b = int(node.attrs["blocksize"])
        self.emit("space_to_depth", [x], node.outputs[0], self.channels(x) * b * b, node, {"block": b})

    def _pool(self, node, kind):
        x = self.value_of(node, node.inputs[0])
        if node.attrs.get("ceil_mode", 0):
            self.fail(node, "ceil_mode pooling is not supported")
        if node.attrs.get("auto_pad", "NOTSET") not in ("NOTSET", ""):
            self.fail(node, "auto_pad pooling is not supported")
        k = node.attrs["kernel_shape"]
        s = node.attrs.get("strides", [1, 1])
        p = node.attrs.get("pads", [0, 0, 0, 0])
        attrs = dict(kh=k[0], kw=k[1], stride_h=s[0], stride_w=s[1], pad_t=p[0], pad_l=p[1], pad_b=p[2], pad_r=p[3])
        if kind == "avg_pool":
            attrs["count_include_pad"] = int(node.attrs.get("count_include_pad", 0))
        self.emit(kind, [x], node.outputs[0], self.channels(x), node, attrs)

    def op_AveragePool(self, index, node):
        self._pool(node, "avg_pool")

    def op_MaxPool(self, index, node):
        if len(node.outputs) > 1 and node.outputs[1]:
            self.fail(node, "max pooling with indices is not supported")
        self._pool(node, "max_pool")

    def op_InstanceNormalization(self, index, node):
        x = self.value_of(node, node.inputs[0])
        c = self.channels(x)
        gamma = self.const(node, node.inputs[1], "the scale").astype(np.float64).reshape(-1)
        beta = self.const(node, node.inputs[2], "the bias").astype(np.float64).reshape(-1)
        if gamma.size != c or beta.size != c:
            self.fail(node, f"scale/bias sizes {gamma.size}/{beta.size} do not match {c} channels")
        self._emit_norm(node, [], x, float(node.attrs.get("epsilon", 1e-5)), node.outputs[0], gamma, beta)

    # ---- decomposed instance norm ---------------------------------------------------------
    def op_ReduceMean(self, index, node):
        match = self._match_instance_norm(node)
        if match is None:
            self.fail(node, "a mean that is not part of a recognized instance normalization")
        nodes, x, eps, out_name = match
        c = self.channels(x)
        self._emit_norm(node, nodes, x, eps, out_name, np.ones(c), np.zeros(c))

    def _as_pair(self, node, val, c):
        """A per-channel operand as (style table [N, C] or None, vector [C])."""
        if isinstance(val, StyleAffine):
            if val.b.size != c or val.a.shape[0] * c != val.a.size:
                self.fail(node, f"style-dependent operand of shape {list(val.shape)} is not per-channel for {c} channels")
            return val.table(), val.b.reshape(-1)
        return None, self._per_channel(node, val, c)

    def _emit_norm(self, node, chain, x, eps, out_name, gamma, beta):
        """Emit an instance norm, absorbing a following `* g` and `+ b` (constants, or values
        computed from the style weights, which make it a conditional norm)."""
        c = self.channels(x)
        g_tab, g_vec = None, np.asarray(gamma, np.float64)
        b_tab, b_vec = None, np.asarray(beta, np.float64)
        out = out_name
        mul = self.only_user(out, "Mul")
        if mul is not None:
            other = mul.inputs[1] if mul.inputs[0] == out else mul.inputs[0]
            if other in self.sym or other in self.c:
                t, v = self._as_pair(mul, self.sym.get(other, self.c.get(other)), c)
                # (n * g0 + b0) * (w@T + v) = n * (g0 * (w@T + v)) + b0 * (w@T + v)
                g_tab = None if t is None else t * g_vec[None, :]
                b_tab = None if t is None else t * b_vec[None, :]
                g_vec, b_vec = g_vec * v, b_vec * v
                chain = chain + [mul]
                out = mul.outputs[0]
        add = self.only_user(out, "Add")
        if add is not None:
            other = add.inputs[1] if add.inputs[0] == out else add.inputs[0]
            if other in self.sym or other in self.c:
                t, v = self._as_pair(add, self.sym.get(other, self.c.get(other)), c)
                if t is not None:
                    b_tab = t if b_tab is None else b_tab + t
                b_vec = b_vec + v
                chain = chain + [add]
                out = add.outputs[0]
        tensors = {}
        if g_tab is None and b_tab is None:
            tensors = {"gamma": g_vec.astype(np.float32), "beta": b_vec.astype(np.float32)}
        else:
            n = self.net.num_styles
            if (g_tab is not None and np.abs(g_vec).max() > 0) or (b_tab is not None and np.abs(b_vec).max() > 0):
                self.fail(node, "a conditional instance norm whose scale or shift has a part that does "
                                "not depend on the style weights")
            tensors = {"gamma_table": (g_tab if g_tab is not None else np.tile(g_vec, (n, 1))).astype(np.float32),
                       "beta_table": (b_tab if b_tab is not None else np.tile(b_vec, (n, 1))).astype(np.float32)}
        for n_ in chain:
            self.consumed.add(self.g.nodes.index(n_))
        self.emit("instance_norm", [x], out, c, node, {"eps": float(eps)}, tensors)

    def _is_hw_mean(self, node: Node, name_in: str) -> bool:
        if node.op != "ReduceMean" or node.inputs[0] != name_in or not node.attrs.get("keepdims", 1):
            return False
        axes = node.attrs.get("axes")
        if axes is None and len(node.inputs) > 1 and node.inputs[1] in self.c:
            axes = [int(a) for a in self.c[node.inputs[1]].reshape(-1)]
        return axes is not None and sorted(a % 4 for a in axes) == [2, 3]

    def _match_instance_norm(self, mean: Node):
        """(nodes, x, eps, normalized output name) for
        x - mean(x) -> square -> mean -> + eps -> sqrt -> divide (or multiply by the reciprocal)."""
        xname = mean.inputs[0]
        if xname not in self.act or not self._is_hw_mean(mean, xname):
            return None
        sub = self.only_user(mean.outputs[0], "Sub")
        if sub is None or sub.inputs != [xname, mean.outputs[0]]:
            return None
        d = sub.outputs[0]
        users = self.users(d)
        sq = [u for u in users if (u.op == "Pow" and u.inputs[0] == d and u.inputs[1] in self.c
                                   and float(self.c[u.inputs[1]]) == 2.0)
              or (u.op == "Mul" and u.inputs == [d, d])]
        if len(sq) != 1 or len(users) != 2:
            return None
        sq = sq[0]
        var = self.only_user(sq.outputs[0], "ReduceMean")
        if var is None or not self._is_hw_mean(var, sq.outputs[0]):
            return None
        add = self.only_user(var.outputs[0], "Add")
        if add is None:
            return None
        eps_name = add.inputs[1] if add.inputs[0] == var.outputs[0] else add.inputs[0]
        if eps_name not in self.c or self.c[eps_name].size != 1:
            return None
        eps = float(self.c[eps_name].reshape(-1)[0])
        sqrt = self.only_user(add.outputs[0], "Sqrt")
        if sqrt is None:
            return None
        chain = [mean, sub, sq, var, add, sqrt]
        norm_user = [u for u in users if u is not sq][0]
        s = sqrt.outputs[0]
        if norm_user.op == "Div" and norm_user.inputs == [d, s]:
            chain.append(norm_user)
            n = norm_user.outputs[0]
        elif norm_user.op == "Mul":
            r_name = norm_user.inputs[1] if norm_user.inputs[0] == d else norm_user.inputs[0]
            recip = self.only_user(s, ("Div", "Reciprocal"))
            if recip is None or recip.outputs[0] != r_name:
                return None
            if recip.op == "Div" and not (recip.inputs[1] == s and recip.inputs[0] in self.c
                                          and float(self.c[recip.inputs[0]]) == 1.0):
                return None
            if self.only_user(r_name, "Mul") is not norm_user:
                return None
            chain += [recip, norm_user]
            n = norm_user.outputs[0]
        else:
            return None
        return chain, self.act[xname], eps, n


def lower(g: ImportedGraph) -> Network:
    return Lowering(g).run()
