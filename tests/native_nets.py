"""Small networks shaped like the ones the native runtime serves, exported to ONNX the way
torch.onnx does it (opset 17, weights inline). Shared by the native runtime, converter and CLI
tests and by bench/runtime_vs_ort.py."""

from __future__ import annotations

import io

import numpy as np


def _torch():
    import torch

    torch.set_num_threads(1)
    return torch


def export(module, inputs: tuple, input_names, dynamic: bool = True) -> bytes:
    """ONNX bytes of `module` (opset 17, the classic exporter, dynamic H and W)."""
    torch = _torch()
    buf = io.BytesIO()
    axes = {input_names[0]: {2: "h", 3: "w"}, "out": {2: "h2", 3: "w2"}} if dynamic else None
    module.eval()
    with torch.no_grad():
        torch.onnx.export(module, inputs, buf, input_names=list(input_names), output_names=["out"],
                          opset_version=17, dynamic_axes=axes, dynamo=False)
    return buf.getvalue()


def export_dynamo(module, inputs: tuple, input_names) -> bytes:
    """ONNX bytes from torch's default (dynamo) exporter, dynamic H and W in steps of 4."""
    torch = _torch()
    h, w = torch.export.Dim("h", min=2, max=4096), torch.export.Dim("w", min=2, max=4096)
    shapes = tuple([{2: 4 * h, 3: 4 * w}] + [None] * (len(inputs) - 1))
    module.eval()
    with torch.no_grad():
        program = torch.onnx.export(module, inputs, dynamo=True, input_names=list(input_names),
                                    output_names=["out"], dynamic_shapes=shapes, verbose=False)
    return program.model_proto.SerializeToString()


def _randomize(module, seed: int):
    """Deterministic weights with a spread that keeps activations lively (not saturated)."""
    torch = _torch()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if p.dim() > 1:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=g) * (1.5 / fan_in) ** 0.5)
            else:
                p.copy_(torch.randn(p.shape, generator=g) * 0.1 + (1.0 if "gamma" in name or name.endswith("norm.weight") else 0.0))
        for name, b in module.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(torch.randn(b.shape, generator=g) * 0.1)
            elif name.endswith("running_var"):
                b.copy_(torch.rand(b.shape, generator=g) + 0.5)
    return module


def student(blocks: int = 3, width: int = 32, styles: int = 0, decomposed: bool = False, seed: int = 0,
            dynamo: bool = False):
    """The Caffe2go-style student: strided convs down to 1/4, residual 3x3 blocks with instance
    norm, nearest upsampling + conv back up, sigmoid output. `styles` > 0 makes every norm
    conditional on a style-weight input (gamma/beta = weights @ table); `decomposed` spells
    instance norm out in elementary ops as a hand-written module exports."""
    torch = _torch()
    nn = torch.nn
    F = torch.nn.functional

    class Norm(nn.Module):
        def __init__(self, c):
            super().__init__()
            if styles:
                self.gamma = nn.Parameter(torch.ones(styles, c))
                self.beta = nn.Parameter(torch.zeros(styles, c))
            elif decomposed:
                self.weight = nn.Parameter(torch.ones(c))
                self.bias = nn.Parameter(torch.zeros(c))
            else:
                self.inorm = nn.InstanceNorm2d(c, affine=True)

        def forward(self, x, w):
            if not styles and not decomposed:
                return self.inorm(x)
            mean = x.mean(dim=(2, 3), keepdim=True)
            d = x - mean
            var = (d * d).mean(dim=(2, 3), keepdim=True)
            y = d / torch.sqrt(var + 1e-5)
            if styles:
                g = (w @ self.gamma).reshape(1, -1, 1, 1)
                b = (w @ self.beta).reshape(1, -1, 1, 1)
            else:
                g, b = self.weight.reshape(1, -1, 1, 1), self.bias.reshape(1, -1, 1, 1)
            return y * g + b

    class ConvNorm(nn.Module):
        def __init__(self, cin, cout, k, s, relu=True):
            super().__init__()
            self.pad = nn.ReflectionPad2d(k // 2)
            self.conv = nn.Conv2d(cin, cout, k, s)
            self.norm = Norm(cout)
            self.relu = relu

        def forward(self, x, w):
            y = self.norm(self.conv(self.pad(x)), w)
            return F.relu(y) if self.relu else y

    class Student(nn.Module):
        def __init__(self):
            super().__init__()
            half = width // 2
            self.down1 = ConvNorm(3, half, 5, 2)
            self.down2 = ConvNorm(half, width, 3, 2)
            self.res = nn.ModuleList([nn.ModuleList([ConvNorm(width, width, 3, 1),
                                                     ConvNorm(width, width, 3, 1, relu=False)])
                                      for _ in range(blocks)])
            self.up1 = ConvNorm(width, half, 3, 1)
            self.up2 = ConvNorm(half, half, 3, 1)
            self.out = nn.Conv2d(half, 3, 3, 1, 1)

        def forward(self, x, w=None):
            y = self.down2(self.down1(x, w), w)
            for a, b in self.res:
                y = y + b(a(y, w), w)
            y = self.up1(F.interpolate(y, scale_factor=2, mode="nearest"), w)
            y = self.up2(F.interpolate(y, scale_factor=2, mode="nearest"), w)
            return torch.sigmoid(self.out(y))

    model = _randomize(Student(), seed)
    x = torch.rand(1, 3, 64, 64)
    exporter = export_dynamo if dynamo else export
    if styles:
        w = torch.full((styles,), 1.0 / styles)
        return exporter(model, (x, w), ["image", "style_weights"])
    return exporter(model, (x,), ["image"])


def zoo(seed: int = 1):
    """A network touching the other ops: conv + batch norm, depthwise and grouped convs,
    zero padding, max/avg pooling, transposed conv, pixel shuffle, bilinear upsampling,
    concat, LeakyReLU, tanh, hardtanh (Clip), sigmoid, a batch norm on its own, products and
    differences of activations."""
    torch = _torch()
    nn = torch.nn
    F = torch.nn.functional

    class Zoo(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(3, 12, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(12)
            self.dw = nn.Conv2d(12, 24, 3, 1, 1, groups=12)      # depthwise with multiplier 2
            self.g = nn.Conv2d(24, 16, (1, 3), 1, (0, 1), groups=4)
            self.pool = nn.MaxPool2d(2)
            self.avg = nn.AvgPool2d(3, 1, 1, count_include_pad=False)
            self.tconv = nn.ConvTranspose2d(16, 8, 4, 2, 1)
            self.ps_conv = nn.Conv2d(16, 32, 3, 1, 1)
            self.bn2 = nn.BatchNorm2d(8)                        # not after a conv: a channel affine
            self.squeeze = nn.Conv2d(16, 8, 1)
            self.mix = nn.Conv2d(16, 3, 3, 1, 1)

        def forward(self, x):
            y = F.leaky_relu(self.bn1(self.c1(x)), 0.1)
            y = torch.tanh(self.g(self.dw(y)))
            p = self.avg(self.pool(y))
            a = self.tconv(p)                                    # back to full size, 8 ch
            b = F.pixel_shuffle(self.ps_conv(p), 2)             # 32 -> 8 ch at full size
            c = F.hardtanh(self.bn2(a + b), -1.0, 1.0)
            c = c * torch.sigmoid(c) - 0.5 * c                  # Mul and Sub of two activations
            u = F.interpolate(self.squeeze(p), scale_factor=2, mode="bilinear", align_corners=False)
            z = torch.cat([c, u], dim=1)
            return torch.sigmoid(self.mix(z))

    model = _randomize(Zoo(), seed)
    return export(model, (torch.rand(1, 3, 32, 32),), ["image"])


def ort_run(onnx_bytes: bytes, x: np.ndarray, style_weights=None, threads: int = 1) -> np.ndarray:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    sess = ort.InferenceSession(onnx_bytes, opts, providers=["CPUExecutionProvider"])
    feeds = {sess.get_inputs()[0].name: x}
    if style_weights is not None:
        feeds[sess.get_inputs()[1].name] = np.asarray(style_weights, np.float32)
    return sess.run(None, feeds)[0]


def frames(carphone_path, count: int = 4, size: tuple[int, int] = (96, 128)) -> list[np.ndarray]:
    """`count` real RGB frames from a clip, cropped to size (H, W)."""
    import av

    out = []
    with av.open(str(carphone_path)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i % 29 == 0:
                rgb = f.to_ndarray(format="rgb24")
                out.append(np.ascontiguousarray(rgb[:size[0], :size[1]]))
            if len(out) == count:
                break
    return out


def sliced_padding(seed: int = 2, w_mode: str = "edge"):
    """Padding written by hand with slices, flips and concatenation, as some models do:
    reflect by 2 rows on H, edge (or reflect) by 1 column on W, then a 3x3 conv and sigmoid."""
    torch = _torch()

    class SlicedPad(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 4, 3)

        def forward(self, x):
            x = torch.cat([x[:, :, 1:3].flip(2), x, x[:, :, -3:-1].flip(2)], 2)
            if w_mode == "edge":
                x = torch.cat([x[:, :, :, :1], x, x[:, :, :, -1:]], 3)
            else:
                x = torch.cat([x[:, :, :, 1:2].flip(3), x, x[:, :, :, -2:-1].flip(3)], 3)
            return torch.sigmoid(self.conv(x))

    return export(_randomize(SlicedPad(), seed), (torch.rand(1, 3, 16, 16),), ["image"])
