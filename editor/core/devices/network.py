"""A network as the cost model sees it: an ordered list of layers with shapes and work counts.

Every input format (ncnn .param, ONNX, native model) is turned into this one description, so
the cost model, the fit and the charts never care where a network came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# What a layer costs is decided by its kind:
#   conv       dense KxK convolution (K > 1), grouped convolutions included (MACs / groups)
#   pointwise  1x1 convolution (grouped or not)
#   depthwise  one filter per channel (groups == input channels)
#   memory     bandwidth-bound: normalization, activation, resize, padding, pooling,
#              eltwise, concat, softmax, fully connected (batch 1 reads every weight once)
#   free       no work on a phone runtime: input, split (reference counted), reshape views
KINDS = ("conv", "pointwise", "depthwise", "memory", "free")


@dataclass
class Layer:
    name: str
    op: str                    # the op type as the source format spells it
    kind: str                  # one of KINDS
    in_shape: tuple = ()       # (C, H, W) of the first input
    out_shape: tuple = ()      # (C, H, W) of the first output
    kernel: tuple = (1, 1)     # (kh, kw)
    stride: tuple = (1, 1)     # (sh, sw)
    dilation: tuple = (1, 1)
    groups: int = 1
    macs: int = 0              # multiply-accumulates
    weights: int = 0           # parameter count
    elements: int = 0          # activation elements read + written (for the bandwidth term)
    int8: bool = False         # computes in int8
    # What the native runtime runs for this layer, when the network came through it: the name
    # of its kernel ("f32_conv2d_16cx6_nhwc_avx2") and whether the layer is applied inside
    # another layer's pass (a pad or resize folded into a conv's input gather, an activation
    # or residual add applied by a norm pass). Only the host profile reads these.
    impl: str = ""
    fused: bool = False
    host_impl: str = ""        # for a fused layer: the kernel of the layer whose pass applies it

    @property
    def cin(self) -> int:
        return self.in_shape[0] if self.in_shape else 0

    @property
    def cout(self) -> int:
        return self.out_shape[0] if self.out_shape else 0

    def winograd_eligible(self) -> bool:
        """3x3 stride-1 dense convolutions with enough channels: where phone runtimes use Winograd."""
        return (self.kind == "conv" and self.op in ("Conv", "Convolution") and self.kernel == (3, 3) and self.stride == (1, 1)
                and self.dilation == (1, 1) and self.groups == 1
                and self.cin >= 16 and self.cout >= 16)


@dataclass
class Network:
    name: str
    source: str                 # the file it came from
    input_shape: tuple          # (C, H, W)
    layers: list = field(default_factory=list)
    int8: bool = False
    file_bytes: int | None = None   # size of the model file with its weights, when it has them

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    @property
    def weights(self) -> int:
        return sum(layer.weights for layer in self.layers)

    def weight_bytes(self) -> int:
        """Bytes of parameters when stored in this network's data type."""
        return self.weights * (1 if self.int8 else 4)

    def counted_layers(self) -> list:
        return [layer for layer in self.layers if layer.kind != "free"]


def conv_kind(kernel: tuple, groups: int, cin: int, cout: int) -> str:
    """Classify a convolution: depthwise, pointwise (1x1) or dense KxK."""
    if groups > 1 and groups == cin and cout % cin == 0:
        return "depthwise"
    if tuple(kernel) == (1, 1):
        return "pointwise"
    return "conv"


def elements(shape: tuple) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n
