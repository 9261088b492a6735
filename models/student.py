"""The shipped student network: one small conditional-instance-norm net carrying many styles.

Layout (Caffe2go spirit, every size a fraction of the input H x W, which must be a multiple of 8):

    image 3 --conv3 s2--> 12 @1/2 --conv3 s2--> 32 @1/4 --conv3 s2--> 48 @1/8
          --residual block (2 x conv3, 48)--> 48 @1/8
          --conv1 48->32, nearest x2, + skip @1/4--> 32 --conv3--> 12 @1/4
          --nearest x2, + skip @1/2--> 12 --conv3--> 8 @1/2
          --nearest x2--> 8 @1 --conv3--> 3 --sigmoid--> output

Downsampling happens first so the expensive work runs at 1/8 resolution; upsampling is
nearest-resize followed by a convolution (no transposed convolution, hence no checkerboard).
Encoder skips carry content detail past the narrow body, which keeps the decoder cheap.
All padding is reflection so borders carry no dark frame. Every normalisation is an instance
norm whose scale and shift come from a per-style table: the table is multiplied by the
`style_weights` input, so switching or blending styles changes an input, never the weights.

The graph uses only Conv, Pad (reflect), InstanceNormalization, MatMul, Mul, Add, Relu,
Resize (nearest) and Sigmoid, the op set the native converter supports.
"""

from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

# Spatial sizes must divide by this (three stride-2 stages).
MULTIPLE = 8


class ConditionalInstanceNorm(nn.Module):
    """Instance norm with per-style affine parameters selected by a weight vector.

    Spelled out in elementary ops (mean, centred square, mean, sqrt, divide) so the exported
    graph shows the normalisation and its style-dependent scale and shift as one pattern,
    which the native converter folds into a single conditional instance-norm layer."""

    def __init__(self, channels: int, n_styles: int):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(n_styles, channels))
        self.beta = nn.Parameter(torch.zeros(n_styles, channels))

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        if self.training:
            # the same arithmetic as one fused kernel: training runs several times faster
            y = F.instance_norm(x, eps=1e-5)
        else:
            mean = x.mean(dim=(2, 3), keepdim=True)
            d = x - mean
            var = (d * d).mean(dim=(2, 3), keepdim=True)
            y = d / torch.sqrt(var + 1e-5)
        if w.dim() == 1:
            g = (w @ self.gamma).reshape(1, -1, 1, 1)
            b = (w @ self.beta).reshape(1, -1, 1, 1)
        else:  # a batch of weight vectors [B, N] during training
            g = (w @ self.gamma)[:, :, None, None]
            b = (w @ self.beta)[:, :, None, None]
        return y * g + b


class ReflectConv(nn.Module):
    """Reflection padding then a convolution (padding 'same' for odd kernels)."""

    def __init__(self, cin: int, cout: int, k: int, stride: int = 1):
        super().__init__()
        self.pad = nn.ReflectionPad2d(k // 2)
        self.conv = nn.Conv2d(cin, cout, k, stride=stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(self.pad(x))


def _up(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, scale_factor=2.0, mode="nearest")


class StyleStudent(nn.Module):
    WIDTHS = (12, 32, 48)

    def __init__(self, n_styles: int):
        super().__init__()
        c1, c2, c3 = self.WIDTHS
        self.n_styles = n_styles
        self.d1 = ReflectConv(3, c1, 3, 2)
        self.n1 = ConditionalInstanceNorm(c1, n_styles)
        self.d2 = ReflectConv(c1, c2, 3, 2)
        self.n2 = ConditionalInstanceNorm(c2, n_styles)
        self.d3 = ReflectConv(c2, c3, 3, 2)
        self.n3 = ConditionalInstanceNorm(c3, n_styles)
        self.r1 = ReflectConv(c3, c3, 3)
        self.rn1 = ConditionalInstanceNorm(c3, n_styles)
        self.r2 = ReflectConv(c3, c3, 3)
        self.rn2 = ConditionalInstanceNorm(c3, n_styles)
        self.u3 = nn.Conv2d(c3, c2, 1)
        self.un3 = ConditionalInstanceNorm(c2, n_styles)
        self.u2 = ReflectConv(c2, c1, 3)
        self.un2 = ConditionalInstanceNorm(c1, n_styles)
        self.u1 = ReflectConv(c1, 8, 3)
        self.un1 = ConditionalInstanceNorm(8, n_styles)
        self.out = ReflectConv(8, 3, 3)

    def forward(self, image: torch.Tensor, style_weights: torch.Tensor) -> torch.Tensor:
        w = style_weights
        e1 = F.relu(self.n1(self.d1(image), w))          # 1/2
        e2 = F.relu(self.n2(self.d2(e1), w))             # 1/4
        e3 = F.relu(self.n3(self.d3(e2), w))             # 1/8
        r = F.relu(self.rn1(self.r1(e3), w))
        b = e3 + self.rn2(self.r2(r), w)
        h = F.relu(self.un3(_up(self.u3(b)) + e2, w))    # 1/4
        h = F.relu(self.un2(_up(self.u2(h)) + e1, w))    # 1/2
        h = F.relu(self.un1(self.u1(h), w))
        return torch.sigmoid(self.out(_up(h)))           # full size


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def export_onnx(model: StyleStudent, path, size: int = 64) -> None:
    """Write the network as one ONNX file (opset 17): inputs `image` [1,3,H,W] and
    `style_weights` [N], output `stylized` [1,3,H,W]; H and W are dynamic."""
    model = model.eval()
    image = torch.rand(1, 3, size, size)
    weights = torch.zeros(model.n_styles)
    weights[0] = 1.0
    dims = {2: torch.export.Dim("height", min=MULTIPLE, max=16384),
            3: torch.export.Dim("width", min=MULTIPLE, max=16384)}
    with torch.no_grad():
        program = torch.onnx.export(
            model, (image, weights), dynamo=True, opset_version=18, verbose=False,
            input_names=["image", "style_weights"], output_names=["stylized"],
            dynamic_shapes={"image": dims, "style_weights": None},
        )
    import onnx

    proto = _as_opset17(program.model_proto)
    # drop initializers the relabelled graph no longer reads (the moved ReduceMean axes)
    used = {i for n in proto.graph.node for i in n.input}
    keep = [i for i in proto.graph.initializer if i.name in used]
    del proto.graph.initializer[:]
    proto.graph.initializer.extend(keep)
    onnx.checker.check_model(proto, full_check=True)
    onnx.save_model(proto, str(path), save_as_external_data=False)


def _as_opset17(proto):
    import onnx
    import onnx.numpy_helper

    """The torch exporter writes opset 18 with constant pads (the TorchScript exporter at
    opset 17 builds pads from Slice/Concat chains). Opset 18 changed only optional parts of
    the ops used here (Pad's `axes` input, Resize's `antialias` and aspect-ratio policy) and
    moved ReduceMean's axes from an attribute to an input: check the first, move the axes
    back, then relabel."""
    for node in proto.graph.node:
        if node.op_type == "Pad" and len(node.input) > 3 and node.input[3]:
            raise ValueError("Pad uses the opset-18 axes input")
        if node.op_type == "Resize":
            keep = []
            for attr in node.attribute:
                if attr.name == "antialias" and attr.i != 0:
                    raise ValueError("Resize uses antialiasing")
                if attr.name == "keep_aspect_ratio_policy" and attr.s != b"stretch":
                    raise ValueError("Resize uses an aspect-ratio policy")
                if attr.name not in ("antialias", "keep_aspect_ratio_policy"):
                    keep.append(attr)
            del node.attribute[:]
            node.attribute.extend(keep)
    # ReduceMean took its axes as an attribute up to opset 17 and as an input from 18.
    consts = {i.name: onnx.numpy_helper.to_array(i) for i in proto.graph.initializer}
    for node in proto.graph.node:
        if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            consts[node.output[0]] = onnx.numpy_helper.to_array(node.attribute[0].t)
    for node in proto.graph.node:
        if node.op_type == "ReduceMean" and len(node.input) > 1 and node.input[1]:
            axes = [int(a) for a in consts[node.input[1]].reshape(-1)]
            del node.input[1:]
            keep = [a for a in node.attribute if a.name != "noop_with_empty_axes"]
            if any(a.name == "noop_with_empty_axes" and a.i for a in node.attribute):
                raise ValueError("ReduceMean with noop_with_empty_axes has no opset-17 form")
            del node.attribute[:]
            node.attribute.extend(keep)
            node.attribute.append(onnx.helper.make_attribute("axes", axes))
    for imp in proto.opset_import:
        if imp.domain in ("", "ai.onnx"):
            imp.version = 17
    for value in list(proto.graph.input) + list(proto.graph.output):
        del value.metadata_props[:]
    del proto.metadata_props[:]
    return proto
