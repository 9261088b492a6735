"""Calibrate the `host` profile: time single layers on this machine and fit the cost model.

The layers run in the native runtime when its binding is built (converted from one-op ONNX
models; the profile then describes the runtime a phone app embeds), else in onnxruntime. They
cover each cost term (dense KxK, 1x1, depthwise, memory-bound ops, and tiny layers that expose
the per-layer overhead). The fixed
cost of one session run, measured on a trivial model, is taken off every timing so it does not
pose as layer overhead. Each timing is the minimum of several runs: on a shared machine the
minimum is the least disturbed.
"""

from __future__ import annotations

import os
import time

import numpy as np

from editor.core.devices.cost import TERMS, Rates, layer_features
from editor.errors import StyleCutError
from editor.core.devices.onnx_build import builder, resnet_network, student_network, style_network
from editor.core.devices.onnx_net import _build, _infer_shapes
from editor.core.devices.profiles import Profile

FLOOR_S = 20e-6

def _conv(cout, k, stride=1):
    return lambda g: g.conv(cout, k, stride)


def _padded_conv(cout, k, stride=1):
    # reflection padding as style networks spell it: the native converter folds it into the conv
    return lambda g: g.reflect_pad(k // 2).conv(cout, k, stride, pad=0)


# (description, input channels, height, width, graph recipe, int8). Layer shapes that span what
# style and mobile networks use: 3 to 256 channels, from 1/8 of 272p to full 720p, 1x1, 3x3, 9x9,
# depthwise and strided convolutions on either side of the native runtime's kernel switch
# (channel-vector vs pixel-vector kernels), the passes it folds into a conv (norm, activation,
# residual add, reflect pad, nearest upsample), stand-alone memory passes, int8 convolutions,
# and tiny layers that expose the per-layer overhead.
CALIBRATION_LAYERS = (
    ("conv3x3 16->16 @180x320", 16, 180, 320, _conv(16, 3), False),
    ("conv3x3 32->32 @90x160", 32, 90, 160, _conv(32, 3), False),
    ("conv3x3 48->48 @45x80", 48, 45, 80, _conv(48, 3), False),
    ("conv3x3 64->64 @45x80", 64, 45, 80, _conv(64, 3), False),
    ("conv3x3 128->128 @34x60", 128, 34, 60, _conv(128, 3), False),
    ("conv3x3 96->96 @23x40", 96, 23, 40, _conv(96, 3), False),
    ("conv3x3 32->16 @272x480", 32, 272, 480, _conv(16, 3), False),
    ("conv3x3 16->8 @272x480", 16, 272, 480, _conv(8, 3), False),
    ("conv3x3 32->12 @90x160", 32, 90, 160, _conv(12, 3), False),
    ("conv3x3 12->8 @180x320", 12, 180, 320, _conv(8, 3), False),
    ("conv3x3 8->8 @360x640", 8, 360, 640, _conv(8, 3), False),
    ("conv3x3 12->12 @90x160", 12, 90, 160, _conv(12, 3), False),
    ("conv3x3 16->3 @180x320", 16, 180, 320, _conv(3, 3), False),
    ("conv3x3 8->3 @720x1280", 8, 720, 1280, _conv(3, 3), False),
    ("conv9x9 3->16 @180x320", 3, 180, 320, _conv(16, 9), False),
    ("conv9x9 3->8 @272x480", 3, 272, 480, _conv(8, 9), False),
    ("conv9x9 16->3 @180x320", 16, 180, 320, _conv(3, 9), False),
    ("conv9x9 32->3 @90x160", 32, 90, 160, _conv(3, 9), False),
    ("conv3x3 s2 3->12 @360x640", 3, 360, 640, _padded_conv(12, 3, 2), False),
    ("conv3x3 s2 12->32 @180x320", 12, 180, 320, _padded_conv(32, 3, 2), False),
    ("conv3x3 s2 32->48 @90x160", 32, 90, 160, _padded_conv(48, 3, 2), False),
    ("conv3x3 s2 16->32 @180x320", 16, 180, 320, _conv(32, 3, 2), False),
    ("conv3x3 s2 64->128 @56x56", 64, 56, 56, _conv(128, 3, 2), False),
    ("conv3x3 s2 3->32 @224x224", 3, 224, 224, _conv(32, 3, 2), False),
    ("conv3x3 s2 8->16 @272x480", 8, 272, 480, _conv(16, 3, 2), False),
    ("conv3x3 12->12 @45x60", 12, 45, 60, _conv(12, 3), False),
    ("conv3x3 s2 8->16 @136x228", 8, 136, 228, _conv(16, 3, 2), False),
    ("conv3x3 s2 24->48 @90x164", 24, 90, 164, _conv(48, 3, 2), False),
    ("conv1x1 48->32 @45x80", 48, 45, 80, _conv(32, 1), False),
    ("conv1x1 48->32 @34x60", 48, 34, 60, _conv(32, 1), False),
    ("conv1x1 64->128 @28x28", 64, 28, 28, _conv(128, 1), False),
    ("conv1x1 32->64 @90x160", 32, 90, 160, _conv(64, 1), False),
    ("conv1x1 64->128 @56x56", 64, 56, 56, _conv(128, 1), False),
    ("conv1x1 128->128 @56x56", 128, 56, 56, _conv(128, 1), False),
    ("conv1x1 256->256 @14x14", 256, 14, 14, _conv(256, 1), False),
    ("conv1x1 16->16 @180x320", 16, 180, 320, _conv(16, 1), False),
    ("depthwise3x3 32 @180x320", 32, 180, 320, lambda g: g.depthwise(3), False),
    ("depthwise3x3 64 @112x112", 64, 112, 112, lambda g: g.depthwise(3), False),
    ("depthwise3x3 s2 64 @112x112", 64, 112, 112, lambda g: g.depthwise(3, 2), False),
    ("depthwise3x3 128 @56x56", 128, 56, 56, lambda g: g.depthwise(3), False),
    ("depthwise3x3 s2 128 @56x56", 128, 56, 56, lambda g: g.depthwise(3, 2), False),
    ("depthwise3x3 256 @28x28", 256, 28, 28, lambda g: g.depthwise(3), False),
    ("depthwise3x3 128 @14x14", 128, 14, 14, lambda g: g.depthwise(3), False),
    ("depthwise3x3 s2 256 @28x28", 256, 28, 28, lambda g: g.depthwise(3, 2), False),
    ("conv3x3+norm+relu 16 @180x320", 16, 180, 320, lambda g: g.conv(16, 3).instance_norm().relu(), False),
    ("conv3x3+norm+relu 48 @45x80", 48, 45, 80, lambda g: g.conv(48, 3).instance_norm().relu(), False),
    ("conv3x3+norm+add 48 @45x80", 48, 45, 80, lambda g: g.conv(48, 3).instance_norm().add("input"), False),
    ("conv3x3+add 32 @90x160", 32, 90, 160, lambda g: g.conv(32, 3).add("input"), False),
    ("upsample2x+conv3x3 32->12 @90x160", 32, 90, 160, lambda g: g.upsample(2).conv(12, 3), False),
    ("upsample2x+conv3x3 8->3 @360x640", 8, 360, 640, lambda g: g.upsample(2).conv(3, 3).sigmoid(), False),
    ("upsample2x+conv3x3 12->8 @180x320", 12, 180, 320, lambda g: g.upsample(2).conv(8, 3), False),
    ("conv3x3 s2+upsample2x+add+norm+relu 32 @90x160", 32, 90, 160,
     lambda g: g.conv(32, 3, 2).upsample(2).add("input").instance_norm().relu(), False),
    ("conv3x3 s2+upsample2x+add+norm+relu 12 @180x320", 12, 180, 320,
     lambda g: g.conv(12, 3, 2).upsample(2).add("input").instance_norm().relu(), False),
    ("conv1x1 s2 64->128 @56x56", 64, 56, 56, _conv(128, 1, 2), False),
    ("conv1x1 s2 128->256 @28x28", 128, 28, 28, _conv(256, 1, 2), False),
    ("conv7x7 s2 3->64 @224x224", 3, 224, 224, _conv(64, 7, 2), False),
    ("conv3x3 512->512 @7x7", 512, 7, 7, _conv(512, 3), False),
    ("conv3x3 384->384 @10x10", 384, 10, 10, _conv(384, 3), False),
    ("conv3x3+relu 12->8 @180x320", 12, 180, 320, lambda g: g.conv(8, 3).relu(), False),
    ("conv3x3+sigmoid 8->3 @360x640", 8, 360, 640, lambda g: g.conv(3, 3).sigmoid(), False),
    ("relu+concat 32 @56x56", 32, 56, 56, lambda g: g.relu().concat("input", 32), False),
    ("conv1x1+relu 64->16 @56x56", 64, 56, 56, lambda g: g.conv(16, 1).relu(), False),
    ("relu 32 @180x320", 32, 180, 320, lambda g: g.relu(), False),
    ("sigmoid 3 @720x1280", 3, 720, 1280, lambda g: g.sigmoid(), False),
    ("instance_norm 32 @180x320", 32, 180, 320, lambda g: g.instance_norm(), False),
    ("instance_norm 12 @360x640", 12, 360, 640, lambda g: g.instance_norm(), False),
    ("instance_norm 48 @34x60", 48, 34, 60, lambda g: g.instance_norm(), False),
    ("add 32 @90x160", 32, 90, 160, lambda g: g.add("input"), False),
    ("add 12 @360x640", 12, 360, 640, lambda g: g.add("input"), False),
    ("upsample2x 32 @45x80", 32, 45, 80, lambda g: g.upsample(2), False),
    ("upsample2x 12 @180x320", 12, 180, 320, lambda g: g.upsample(2), False),
    ("maxpool 32 @180x320", 32, 180, 320, lambda g: g.maxpool(2), False),
    ("maxpool 64 @112x112", 64, 112, 112, lambda g: g.maxpool(2), False),
    ("reflect_pad 32 @180x320", 32, 180, 320, lambda g: g.reflect_pad(4), False),
    ("relu 8 @8x8", 8, 8, 8, lambda g: g.relu(), False),
    ("conv3x3 8->8 @8x8", 8, 8, 8, _conv(8, 3), False),
    ("conv3x3 32->32 @8x8", 32, 8, 8, _conv(32, 3), False),
    ("instance_norm 8 @8x8", 8, 8, 8, lambda g: g.instance_norm(), False),
    # int8 (native runtime only)
    ("int8 conv3x3 16->16 @180x320", 16, 180, 320, _conv(16, 3), True),
    ("int8 conv3x3 32->32 @90x160", 32, 90, 160, _conv(32, 3), True),
    ("int8 conv3x3 48->48 @45x80", 48, 45, 80, _conv(48, 3), True),
    ("int8 conv3x3 128->128 @34x60", 128, 34, 60, _conv(128, 3), True),
    ("int8 conv3x3 32->16 @272x480", 32, 272, 480, _conv(16, 3), True),
    ("int8 conv3x3 16->8 @272x480", 16, 272, 480, _conv(8, 3), True),
    ("int8 conv3x3 12->8 @180x320", 12, 180, 320, _conv(8, 3), True),
    ("int8 conv3x3 8->3 @360x640", 8, 360, 640, _conv(3, 3), True),
    ("int8 conv3x3 s2 3->12 @360x640", 3, 360, 640, _padded_conv(12, 3, 2), True),
    ("int8 conv3x3 s2 12->32 @180x320", 12, 180, 320, _padded_conv(32, 3, 2), True),
    ("int8 conv3x3 s2 32->48 @90x160", 32, 90, 160, _padded_conv(48, 3, 2), True),
    ("int8 conv3x3 s2 16->32 @180x320", 16, 180, 320, _conv(32, 3, 2), True),
    ("int8 conv3x3 s2 64->128 @56x56", 64, 56, 56, _conv(128, 3, 2), True),
    ("int8 conv3x3 s2 8->16 @272x480", 8, 272, 480, _conv(16, 3, 2), True),
    ("int8 conv3x3 12->12 @45x60", 12, 45, 60, _conv(12, 3), True),
    ("int8 conv9x9 3->16 @180x320", 3, 180, 320, _conv(16, 9), True),
    ("int8 conv9x9 16->3 @180x320", 16, 180, 320, _conv(3, 9), True),
    ("int8 conv1x1 48->32 @45x80", 48, 45, 80, _conv(32, 1), True),
    ("int8 conv1x1 128->128 @56x56", 128, 56, 56, _conv(128, 1), True),
    ("int8 depthwise3x3 64 @112x112", 64, 112, 112, lambda g: g.depthwise(3), True),
    ("int8 depthwise3x3 s2 64 @112x112", 64, 112, 112, lambda g: g.depthwise(3, 2), True),
    ("int8 depthwise3x3 128 @28x28", 128, 28, 28, lambda g: g.depthwise(3), True),
    ("int8 conv1x1 64->128 @28x28", 64, 28, 28, _conv(128, 1), True),
    ("int8 conv1x1 128->128 @28x28", 128, 28, 28, _conv(128, 1), True),
    ("int8 depthwise3x3 256 @14x14", 256, 14, 14, lambda g: g.depthwise(3), True),
    ("int8 conv3x3 s2 3->32 @224x224", 3, 224, 224, _conv(32, 3, 2), True),
    ("int8 conv3x3+norm+relu 48 @45x80", 48, 45, 80, lambda g: g.conv(48, 3).instance_norm().relu(), True),
    ("int8 upsample2x+conv3x3 32->12 @90x160", 32, 90, 160, lambda g: g.upsample(2).conv(12, 3), True),
    ("int8 upsample2x+conv3x3 8->3 @360x640", 8, 360, 640, lambda g: g.upsample(2).conv(3, 3).sigmoid(), True),
    ("int8 upsample2x+conv3x3 12->8 @180x320", 12, 180, 320, lambda g: g.upsample(2).conv(8, 3), True),
    ("int8 conv3x3 s2+upsample2x+add+norm+relu 32 @90x160", 32, 90, 160,
     lambda g: g.conv(32, 3, 2).upsample(2).add("input").instance_norm().relu(), True),
    ("int8 conv1x1 s2 64->128 @56x56", 64, 56, 56, _conv(128, 1, 2), True),
    ("int8 conv3x3 512->512 @7x7", 512, 7, 7, _conv(512, 3), True),
    ("int8 conv3x3 8->8 @8x8", 8, 8, 8, _conv(8, 3), True),
)
def _trunk(g):
    # a depthwise-separable trunk of other widths than any validation network
    g.conv(24, 3, 2).relu()
    for cout, stride in ((48, 1), (96, 2), (96, 1), (192, 2)):
        g.depthwise(3, stride).relu().conv(cout, 1).relu()
    return g


# Small whole networks, timed like the layers: inside a network each pass finds the caches
# filled by the layer before it, which single layers never see; these rows let the fit weigh
# that. (description, builder, input channels, height, width, int8)
CALIBRATION_NETWORKS = (
    ("network student 12/24/40 @176x320", lambda: student_network((12, 24, 40), seed=21), 3, 176, 320, False),
    ("network style w12 blocks2 @144x256", lambda: style_network(12, 2, seed=22), 3, 144, 256, False),
    ("network resnet 32..256 @160x160", lambda: resnet_network(seed=23, widths=(32, 64, 128, 256)), 3, 160, 160, False),
    ("network trunk 24..192 @160x160", lambda: _trunk(builder(3, 24, "trunk")).model(), 3, 160, 160, False),
    ("network int8 student 12/24/40 @176x320", lambda: student_network((12, 24, 40), seed=21), 3, 176, 320, True),
    ("network int8 trunk 24..192 @160x160", lambda: _trunk(builder(3, 24, "trunk")).model(), 3, 160, 160, True),
)

NETWORK_WEIGHT = 4.0

# (lanes, min_lanes) tried in the fit: output channels a SIMD kernel computes together
# (the native runtime's AVX2 convs: 4; onnxruntime's NCHWc convs: 8 on AVX2, 16 on AVX-512) and the fewest channels a conv
# pays for (narrow outputs such as a final RGB conv fall back to a general, slower path);
# (1, 0) means no such effect.
LANE_CHOICES = ((1, 0), (4, 0), (4, 16), (8, 0), (8, 16), (16, 0), (16, 32))


def native_available() -> bool:
    try:
        from native import runtime
    except ImportError:
        return False
    return runtime.available()


def resolve_runtime(name: str = "auto") -> str:
    """'native' (the C runtime a phone app embeds) when its binding is built, else 'onnxruntime'."""
    if name == "auto":
        return "native" if native_available() else "onnxruntime"
    if name not in ("native", "onnxruntime"):
        raise ValueError(f"unknown runtime {name!r}")
    return name


class _OrtRunner:
    def __init__(self, model, shape, threads: int, int8: bool = False):
        import onnxruntime as ort

        if int8:
            raise StyleCutError("<calibration>", "int8 layers are timed on the native runtime only")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
        self.feed = {self.sess.get_inputs()[0].name: np.random.default_rng(0).random(shape, dtype=np.float32)}
        self.shape = shape
        self.model = model

    def __call__(self):
        self.sess.run(None, self.feed)

    def network(self):
        return network_of(self.model, self.shape)


class _NativeRunner:
    def __init__(self, model, shape, threads: int, int8: bool = False):
        from native import runtime

        from editor.core.devices.native_net import native_bytes_from_onnx

        self.model = runtime.Model.load(native_bytes_from_onnx(model, int8))
        self.sess = runtime.Session(self.model, threads=threads)
        self.x = np.random.default_rng(0).random(shape, dtype=np.float32)
        self.shape = shape
        # One output buffer for every run: a fresh array per run would time the kernel's page
        # faults on it, which a network's reused intermediate buffers never pay.
        self.out = self.sess.run(self.x)

    def __call__(self):
        self.sess.run(self.x, out=self.out)

    def network(self):
        from editor.core.devices.native_net import network_from_model

        return network_from_model(self.model, "<calibration>", (self.shape[3], self.shape[2]))


def runner(model, shape, threads: int, runtime: str = "onnxruntime", int8: bool = False):
    """A callable running `model` once on a random input, with `.network()` describing it.

    int8 (native runtime only) quantizes every convolution."""
    cls = _NativeRunner if resolve_runtime(runtime) == "native" else _OrtRunner
    return cls(model, shape, threads, int8)


def clock(threads: int):
    """The clock to time runs with. With one thread both runtimes compute in the calling thread,
    whose CPU time excludes the time the scheduler gives other processes: on a shared machine
    that is far steadier than wall time. Several threads need wall time."""
    return time.thread_time if threads == 1 else time.perf_counter


def time_runner(run, threads: int, budget_s: float = 0.25, min_runs: int = 5) -> float:
    """Minimum seconds of one run, over at least `min_runs` runs or `budget_s` seconds."""
    run()
    now = clock(threads)
    best, runs, t_end = float("inf"), 0, time.perf_counter() + budget_s
    while runs < min_runs or time.perf_counter() < t_end:
        t0 = now()
        run()
        best = min(best, now() - t0)
        runs += 1
        if runs >= 200:
            break
    return best


def time_model(model, shape, threads: int, budget_s: float = 0.25, min_runs: int = 5,
               runtime: str = "onnxruntime") -> float:
    return time_runner(runner(model, shape, threads, runtime), threads, budget_s, min_runs)


def network_of(model, shape):
    """The cost model's view of an in-memory ONNX model at a fixed input shape."""
    feeds = {"input": np.zeros(shape, np.float32)}
    shapes = _infer_shapes("<calibration>", model, feeds)
    inits = {t.name: t for t in model.graph.initializer}
    net = _build("<calibration>", model, shapes, inits, False)
    net.input_shape = shape[1:]
    return net


def run_overhead(threads: int, runtime: str = "onnxruntime") -> float:
    g = builder(1, name="noop")
    g.relu()
    return time_model(g.model(4, 4), (1, 1, 4, 4), threads, runtime=runtime)


def prepare_layers(threads: int, runtime: str = "onnxruntime", progress=None) -> list:
    """[(description, runner)] for every calibration layer the runtime accepts."""
    runs = []
    native = resolve_runtime(runtime) == "native"
    for i, (desc, c, h, w, recipe, int8) in enumerate(CALIBRATION_LAYERS):
        if int8 and not native:
            continue
        g = builder(c, seed=i, name=desc.split()[0])
        recipe(g)
        try:
            runs.append((desc, runner(g.model(h, w), (1, c, h, w), threads, runtime, int8)))
        except StyleCutError as exc:
            # A layer this runtime cannot run alone (the native converter, for one, only
            # accepts padding it can fuse into a convolution) is left out of the fit.
            if progress:
                progress(f"{desc} (skipped: {exc.problem})", float("nan"))
    if native:
        for desc, build, c, h, w, int8 in CALIBRATION_NETWORKS:
            try:
                runs.append((desc, runner(build(), (1, c, h, w), threads, runtime, int8)))
            except StyleCutError as exc:
                if progress:
                    progress(f"{desc} (skipped: {exc.problem})", float("nan"))
    return runs


def time_pass(runs: list, threads: int, budget_s: float = 0.12, min_runs: int = 5) -> list:
    """One round over `runs` ([(description, runner)]): the best seconds of each, over at least
    `min_runs` runs or `budget_s` seconds."""
    return [time_runner(run, threads, budget_s, min_runs) for _, run in runs]


def finish_layers(runs: list, rounds: list, base_rounds: list, progress=None, statistic=np.median) -> list:
    """[(description, network, seconds)]: the median (or `statistic`) round of each layer, less
    that of the fixed cost of a run."""
    base = float(statistic(base_rounds))
    out = []
    for k, (desc, run) in enumerate(runs):
        seconds = max(float(statistic([r[k] for r in rounds])) - base, 0.0)
        out.append((desc, run.network(), seconds))
        if progress:
            progress(desc, seconds)
    return out


def measure_layers(threads: int, progress=None, runtime: str = "onnxruntime", passes: int = 3,
                   budget_s: float = 0.12) -> list:
    """[(description, network, seconds)] for every calibration layer the runtime accepts.

    Every layer is timed in `passes` rounds over the whole set (each round the best of a few
    runs) and keeps its best round, the least disturbed by other processes: on a shared
    machine whose memory system others load, the best round is far steadier than the median
    (docs/DEVICES.md has the numbers). bench/devices_host.py interleaves these rounds with
    rounds over whole networks, so both sides see the same statistic over the same minutes."""
    runs = prepare_layers(threads, runtime, progress)
    rounds, base_rounds = [], []
    for _ in range(passes):
        base_rounds.append(run_overhead(threads, runtime))
        rounds.append(time_pass(runs, threads, budget_s))
    return finish_layers(runs, rounds, base_rounds, progress, statistic=np.min)


def profile_from(measured: list, threads: int, runtime: str):
    """The host Profile fitted to calibration measurements."""
    from editor.core.devices.cost import layer_seconds

    rates = fit_host(measured, threads)
    fit = {}
    for desc, net, seconds in measured:
        pred = sum(layer_seconds(layer, rates) for layer in net.layers)
        fit[desc] = {"measured_ms": round(seconds * 1e3, 5), "predicted_ms": round(pred * 1e3, 5)}
    return Profile(
        id="host", name=f"this machine ({os.cpu_count()} CPUs)", soc="host", year=time.gmtime().tm_year,
        threads=threads, powersave=0,
        source=f"stylecut devices calibrate, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, "
               f"{runtime_version(runtime)}, {threads} threads",
        rates=rates, fit=fit, default=True, host=True, runtime=runtime)


def fit_host(measured: list, threads: int) -> Rates:
    """Rates by layer kind (the lane width and conv-traffic choice whose least-squares fit has
    the smallest residual, on the fp32 layers), plus rates per kernel family when the
    measurements say which kernel ran each layer (the native runtime)."""
    from editor.core.devices import kernel_cost

    fp32 = [m for m in measured if not any(layer.int8 for layer in m[1].layers)]
    best = None
    for traffic in (False, True):
        for lanes, min_lanes in LANE_CHOICES:
            rates, residual = _fit_with(fp32, threads, lanes, traffic, min_lanes)
            if best is None or residual < best[1] * 0.97:   # prefer the simpler model on near-ties
                best = (rates, residual)
    rates = best[0]
    # A whole network's timing holds as much evidence as its layers would one by one: it
    # weighs as much as a handful of them.
    by_kernel = kernel_cost.fit([(net, seconds, NETWORK_WEIGHT if desc.startswith("network") else 1.0)
                                 for desc, net, seconds in measured])
    if by_kernel:
        rates.kernels = by_kernel
    return rates


def _fit_with(measured: list, threads: int, lanes: int, traffic: bool, min_lanes: int = 0) -> tuple:
    """Non-negative least squares on relative residuals of the timed calibration layers.

    Dense and depthwise convs with stride > 1 get columns of their own; their ratios to the
    stride-1 columns are the profile's `strided` and `strided_dw` factors."""
    from scipy.optimize import nnls

    n = len(TERMS)
    rows, y = [], []
    for _, net, seconds in measured:
        f = np.zeros(n + 2)
        for layer in net.layers:
            lf = layer_features(layer, 0, threads, 1, lanes, traffic, min_lanes)
            f[:n] += lf
            if layer.stride != (1, 1) and layer.kind in ("conv", "depthwise"):
                term, extra = (1, n) if layer.kind == "conv" else (3, n + 1)
                f[term] -= lf[term]
                f[extra] += lf[term]
        # Relative residuals, floored at FLOOR_S so sub-microsecond layers do not dominate.
        weight = 1.0 / (seconds + FLOOR_S)
        rows.append(f * weight)
        y.append(seconds * weight)
    A = np.array(rows)
    scale = A.max(axis=0)
    scale[scale == 0] = 1
    theta, residual = nnls(A / scale, np.array(y))
    theta = theta / scale

    def ratio(extra, base):
        return float(theta[extra] / theta[base]) if theta[base] > 0 and theta[extra] > 0 else 1.0

    # Neither desktop runtime does Winograd; both spread work over threads by tiles of outputs.
    rates = Rates.from_seconds(theta[:n], winograd_tile=0, winograd_tile_int8=0, threads=threads,
                               pack=1, lanes=lanes, min_lanes=min_lanes, conv_traffic=traffic,
                               strided=ratio(n, 1), strided_dw=ratio(n + 1, 3))
    return rates, float(residual)


def calibrate(threads: int | None = None, progress=None, runtime: str = "auto") -> tuple:
    """(host Profile, measurements) for `runtime`: 'native', 'onnxruntime' or 'auto'."""
    threads = threads or 1
    runtime = resolve_runtime(runtime)
    measured = measure_layers(threads, progress, runtime)
    return profile_from(measured, threads, runtime), measured


def runtime_version(runtime: str) -> str:
    if runtime == "native":
        from native import runtime as rt

        return rt.version()
    import onnxruntime

    return f"onnxruntime {onnxruntime.__version__} CPU"
