"""Small ONNX graphs with random weights, built op by op: calibration layers and test networks.

`GraphBuilder` appends NCHW float32 ops and keeps track of channel counts; `style_network`
builds a Caffe2go-shaped style network (downsample early, residual blocks at low resolution,
upsample late), `mobile_network` a depthwise-separable classifier trunk.
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
