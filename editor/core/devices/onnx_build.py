"""Small ONNX graphs with random weights, built op by op: calibration layers and test networks.

`GraphBuilder` appends NCHW float32 ops and keeps track of channel counts; `style_network`
builds a Caffe2go-shaped style network (downsample early, residual blocks at low resolution,
upsample late), `student_network` the shipped student's layout at other widths,
`mobile_network` a depthwise-separable classifier trunk, `resnet_network` and
`squeeze_network` trunks shaped like ncnn's resnet18 and squeezenet benchmarks.
"""

from __future__ import annotations

import numpy as np


class GraphBuilder:
    def __init__(self, channels: int = 3, seed: int = 0, name: str = "net"):
        from onnx import TensorProto, helper

        self.helper, self.TP = helper, TensorProto
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits = [], []
        self.name = name
        self.cur, self.c = "input", channels
        self.n = 0

    def _new(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}_{self.n}"

    def _const(self, prefix: str, array: np.ndarray) -> str:
        from onnx import numpy_helper

        name = self._new(prefix)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def _op(self, op: str, inputs: list, **attrs) -> str:
        out = self._new(op.lower())
        self.nodes.append(self.helper.make_node(op, inputs, [out], name=out, **attrs))
        self.cur = out
        return out

    def conv(self, cout: int, k: int, stride: int = 1, groups: int = 1, pad: int | None = None):
        pad = k // 2 if pad is None else pad
        fan_in = (self.c // groups) * k * k
        w = (self.rng.standard_normal((cout, self.c // groups, k, k)) / np.sqrt(fan_in)).astype(np.float32)
        b = np.zeros(cout, np.float32)
        self._op("Conv", [self.cur, self._const("w", w), self._const("b", b)], kernel_shape=[k, k],
                 strides=[stride, stride], pads=[pad] * 4, group=groups)
        self.c = cout
        return self

    def depthwise(self, k: int = 3, stride: int = 1):
        return self.conv(self.c, k, stride, groups=self.c)

    def instance_norm(self):
        self._op("InstanceNormalization", [self.cur, self._const("g", np.ones(self.c, np.float32)),
                                           self._const("be", np.zeros(self.c, np.float32))], epsilon=1e-5)
        return self

    def relu(self):
        self._op("Relu", [self.cur])
        return self

    def sigmoid(self):
        self._op("Sigmoid", [self.cur])
        return self

    def add(self, other: str):
        self._op("Add", [self.cur, other])
        return self

    def reflect_pad(self, p: int):
        self._op("Pad", [self.cur, self._const("p", np.array([0, 0, p, p, 0, 0, p, p], np.int64))], mode="reflect")
        return self

    def upsample(self, factor: int = 2):
        scales = self._const("s", np.array([1, 1, factor, factor], np.float32))
        self._op("Resize", [self.cur, "", scales], mode="nearest")
        return self

    def concat(self, other: str, other_channels: int):
        self._op("Concat", [self.cur, other], axis=1)
        self.c += other_channels
        return self

    def branch(self, name: str, channels: int):
        """Continue from an earlier tensor (a skip connection's other side)."""
        self.cur, self.c = name, channels
        return self

    def maxpool(self, k: int = 2):
        self._op("MaxPool", [self.cur], kernel_shape=[k, k], strides=[k, k])
        return self

    def model(self, height: int | None = None, width: int | None = None):
        from onnx import checker

        h = self.helper
        inp = h.make_tensor_value_info("input", self.TP.FLOAT, [1, self._in_c, height or "H", width or "W"])
        out = h.make_tensor_value_info(self.cur, self.TP.FLOAT, [1, self.c, None, None])
        graph = h.make_graph(self.nodes, self.name, [inp], [out], self.inits)
        m = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)], producer_name="stylecut")
        m.ir_version = 8
        checker.check_model(m)
        return m

    def start(self, channels: int):
        self._in_c = self.c = channels
        self.cur = "input"
        return self


def builder(channels: int = 3, seed: int = 0, name: str = "net") -> GraphBuilder:
    return GraphBuilder(channels, seed, name).start(channels)


def style_network(width: int = 16, blocks: int = 3, seed: int = 0):
    """Caffe2go-shaped: 9x9 in, two stride-2 convs, residual blocks, two upsample+conv, 9x9 out."""
    g = builder(3, seed, "style")
    g.conv(width, 9).instance_norm().relu()
    g.conv(width * 2, 3, 2).instance_norm().relu()
    g.conv(width * 4, 3, 2).instance_norm().relu()
    for _ in range(blocks):
        skip = g.cur
        g.conv(width * 4, 3).instance_norm().relu().conv(width * 4, 3).instance_norm().add(skip)
    g.upsample().conv(width * 2, 3).instance_norm().relu()
    g.upsample().conv(width, 3).instance_norm().relu()
    g.conv(3, 9).sigmoid()
    return g.model()


def mobile_network(seed: int = 0):
    """A MobileNet-like trunk: 3x3 stride-2 stem, depthwise-separable blocks, pooling."""
    g = builder(3, seed, "mobile")
    g.conv(32, 3, 2).relu()
    for cout, stride in ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1)):
        g.depthwise(3, stride).relu().conv(cout, 1).relu()
    g.maxpool(2)
    return g.model()


def student_network(widths: tuple = (12, 32, 48), seed: int = 0):
    """The shipped student's layout (models/student.py) with plain instance norms: reflect-padded
    3x3 convs down to 1/8 through three stride-2 stages, a residual block, a 1x1 conv, and
    nearest-upsample decoders with encoder skips; input sizes must be multiples of 8."""
    c1, c2, c3 = widths
    g = builder(3, seed, "student")
    g.reflect_pad(1).conv(c1, 3, 2, pad=0).instance_norm().relu()
    e1 = g.cur
    g.reflect_pad(1).conv(c2, 3, 2, pad=0).instance_norm().relu()
    e2 = g.cur
    g.reflect_pad(1).conv(c3, 3, 2, pad=0).instance_norm().relu()
    e3 = g.cur
    g.reflect_pad(1).conv(c3, 3, pad=0).instance_norm().relu()
    g.reflect_pad(1).conv(c3, 3, pad=0).instance_norm().add(e3)
    g.conv(c2, 1).upsample().add(e2).instance_norm().relu()
    g.reflect_pad(1).conv(c1, 3, pad=0).upsample().add(e1).instance_norm().relu()
    g.reflect_pad(1).conv(8, 3, pad=0).instance_norm().relu()
    g.upsample().reflect_pad(1).conv(3, 3, pad=0).sigmoid()
    return g.model()


def resnet_network(seed: int = 0, widths: tuple = (64, 128, 256, 512)):
    """resnet18-shaped: 7x7 stride-2 stem, pooling, two basic blocks per stage, 1x1 stride-2
    shortcuts where the width changes."""
    g = builder(3, seed, "resnet")
    g.conv(widths[0], 7, 2).relu().maxpool(2)
    for i, width in enumerate(widths):
        for block in range(2):
            stride = 2 if i > 0 and block == 0 else 1
            skip, skip_c = g.cur, g.c
            g.conv(width, 3, stride).relu().conv(width, 3)
            main = g.cur
            if stride != 1 or skip_c != width:
                g.branch(skip, skip_c).conv(width, 1, stride)
                skip = g.cur
            g.branch(main, width).add(skip).relu()
    return g.model()


def squeeze_network(seed: int = 0):
    """squeezenet-shaped: fire modules (1x1 squeeze, then 1x1 and 3x3 expands concatenated)."""
    g = builder(3, seed, "squeeze")
    g.conv(64, 3, 2).relu().maxpool(2)
    for squeeze, expand, pool in ((16, 64, False), (16, 64, True), (32, 128, False), (32, 128, True),
                                  (48, 192, False), (64, 256, False)):
        g.conv(squeeze, 1).relu()
        s = g.cur
        g.conv(expand, 1).relu()
        e1 = g.cur
        g.branch(s, squeeze).conv(expand, 3).relu()
        g.concat(e1, expand)
        if pool:
            g.maxpool(2)
    return g.model()
