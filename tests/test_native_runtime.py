"""The compiled C runtime through its Python binding (native/runtime.py): agreement with
onnxruntime, int8 accuracy, identical bytes across threads and kernel families, the GIL released
during inference, and bad input (files and arrays) turned into clear errors."""

from __future__ import annotations

import struct
import threading
import time

import numpy as np
import pytest

import native_nets
from native.convert import convert_to_bytes, to_network
from native.convert.ir import infer_shapes
from native.convert.writer import fnv1a64
from native.errors import NativeModelError, NativeRunError
from native.runtime import Model, Session, isa_available


@pytest.fixture(scope="module")
def nets():
    """ONNX bytes of the test networks, exported once."""
    return {
        "student": native_nets.student(blocks=3),
        "decomposed": native_nets.student(blocks=2, decomposed=True, seed=3),
        "cin": native_nets.student(blocks=2, styles=4, seed=5),
        "zoo": native_nets.zoo(),
    }


@pytest.fixture(scope="module")
def real_frames(carphone):
    return native_nets.frames(carphone, count=3, size=(96, 128))


def nchw(rgb: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray((rgb.astype(np.float32) / np.float32(255.0)).transpose(2, 0, 1)[None])


def load(data: bytes) -> Model:
    return Model.load(data)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(1.0 / mse)


def isas():
    return [name for name in ("scalar", "avx2", "avx512", "neon") if isa_available(name)]


# ---- agreement with onnxruntime ---------------------------------------------------------

@pytest.mark.parametrize("name", ["student", "decomposed", "zoo"])
def test_fp32_matches_onnxruntime(nets, real_frames, name):
    model = load(convert_to_bytes(nets[name])[0])
    session = Session(model, threads=2)
    for rgb in real_frames:
        x = nchw(rgb)
        want = native_nets.ort_run(nets[name], x)
        got = session.run(x)
        assert got.shape == want.shape and got.dtype == np.float32
        assert np.abs(got - want).max() <= 1e-4


def test_conditional_styles_and_mixing_match_onnxruntime(nets, real_frames):
    model = load(convert_to_bytes(nets["cin"])[0])
    assert model.info.num_styles == 4
    session = Session(model, threads=2)
    x = nchw(real_frames[0])
    outputs = []
    for k in range(4):
        session.set_style(k)
        w = np.eye(4, dtype=np.float32)[k]
        got = session.run(x)
        assert np.abs(got - native_nets.ort_run(nets["cin"], x, w)).max() <= 1e-4
        outputs.append(got)
    assert np.abs(outputs[0] - outputs[1]).max() > 1e-2        # styles really differ
    mix = np.array([0.5, 0.25, 0.0, 0.25], np.float32)
    session.set_style_weights(mix)
    assert np.abs(session.run(x) - native_nets.ort_run(nets["cin"], x, mix)).max() <= 1e-4


def test_default_dynamo_exporter_output_converts_and_matches(real_frames):
    """torch's default exporter (opset 18+, InstanceNormalization op, MatMul style tables)."""
    onnx_bytes = native_nets.student(blocks=1, styles=3, seed=9, dynamo=True)
    session = Session(load(convert_to_bytes(onnx_bytes)[0]))
    mix = np.array([0.2, 0.5, 0.3], np.float32)
    session.set_style_weights(mix)
    x = nchw(real_frames[0])
    assert np.abs(session.run(x) - native_nets.ort_run(onnx_bytes, x, mix)).max() <= 1e-4


@pytest.mark.parametrize("w_mode", ["edge", "reflect"])
def test_sliced_padding_matches_onnxruntime(w_mode):
    onnx_bytes = native_nets.sliced_padding(w_mode=w_mode)
    session = Session(load(convert_to_bytes(onnx_bytes)[0]))
    x = np.random.default_rng(3).random((1, 3, 21, 26), dtype=np.float32)
    assert np.abs(session.run(x) - native_nets.ort_run(onnx_bytes, x)).max() <= 1e-4


def test_rgb_path_matches_rounded_float_path(nets, real_frames):
    model = load(convert_to_bytes(nets["student"])[0])
    session = Session(model)
    rgb = real_frames[1]
    out = session.run(rgb)
    assert out.dtype == np.uint8 and out.shape == rgb.shape
    ref = native_nets.ort_run(nets["student"], nchw(rgb))[0].transpose(1, 2, 0) * 255.0
    assert np.abs(out.astype(np.float64) - ref).max() <= 0.51


def test_rgb_path_equals_float_path_rounded_half_to_even(nets, real_frames):
    """The uint8 entry point is the float one plus the documented conversions, byte for byte:
    x = rgb / 255 in float32, out = round-half-to-even(clamp(y * 255, 0, 255))."""
    session = Session(load(convert_to_bytes(nets["student"])[0]))
    for rgb in real_frames[:2]:
        rgb = np.ascontiguousarray(rgb[:, :rgb.shape[1] // 8 * 8 - 8])  # an odd-sized width too
        x = (rgb.astype(np.float32) * np.float32(1.0 / 255.0)).transpose(2, 0, 1)[None]
        y = session.run(np.ascontiguousarray(x))[0].transpose(1, 2, 0)
        expected = np.rint(np.clip(y * np.float32(255.0), 0, 255)).astype(np.uint8)
        assert np.array_equal(session.run(rgb), expected)


def test_teacher_network_matches_onnxruntime(real_frames):
    from test_native_convert import teacher_path

    path = teacher_path()
    onnx_bytes = path.read_bytes()
    model = load(convert_to_bytes(onnx_bytes)[0])
    session = Session(model, threads=2)
    x = nchw(real_frames[2])
    for k in (0, 13, 25):
        session.set_style(k)
        want = native_nets.ort_run(onnx_bytes, x, np.eye(26, dtype=np.float32)[k])
        assert np.abs(session.run(x) - want).max() <= 1e-4


# ---- int8 ------------------------------------------------------------------------------

def test_int8_stays_close_to_fp32(nets, carphone, bunny):
    fp32 = Session(load(convert_to_bytes(nets["cin"])[0]), threads=2)
    q8_model = load(convert_to_bytes(nets["cin"], int8=True, calibration=carphone)[0])
    assert q8_model.info.is_int8
    q8 = Session(q8_model, threads=2)
    held_out = native_nets.frames(bunny, count=2, size=(128, 160))     # not the calibration clip
    for style in range(4):
        fp32.set_style(style)
        q8.set_style(style)
        for rgb in held_out:
            x = nchw(rgb)
            assert psnr(q8.run(x), fp32.run(x)) >= 35.0


def test_int8_teacher_stays_close_to_fp32(carphone, bunny):
    from test_native_convert import teacher_path

    onnx_bytes = teacher_path().read_bytes()
    fp32 = Session(load(convert_to_bytes(onnx_bytes)[0]), threads=2)
    q8 = Session(load(convert_to_bytes(onnx_bytes, int8=True, calibration=carphone)[0]), threads=2)
    x = nchw(native_nets.frames(bunny, count=1, size=(128, 160))[0])
    for style in (3, 15, 25):
        fp32.set_style(style)
        q8.set_style(style)
        assert psnr(q8.run(x), fp32.run(x)) >= 35.0


def shipped_models():
    import json
    from pathlib import Path

    catalog = Path(__file__).resolve().parent.parent / "models" / "catalog.json"
    if not catalog.is_file():
        return []
    data = json.loads(catalog.read_text())
    entries = data.get("styles", data) if isinstance(data, dict) else data
    found = {}
    for entry in entries:
        path = catalog.parent / entry["model"]
        found.setdefault(path, []).append(entry.get("style_index"))
    return sorted(found.items())


def test_int8_shipped_styles_stay_close_to_fp32(carphone, bunny):
    models = shipped_models()
    if not models:
        pytest.skip("models/catalog.json lists no shipped networks yet")
    x = nchw(native_nets.frames(bunny, count=1, size=(128, 160))[0])
    for path, styles in models:
        onnx_bytes = path.read_bytes()
        fp32 = Session(load(convert_to_bytes(onnx_bytes)[0]), threads=2)
        q8 = Session(load(convert_to_bytes(onnx_bytes, int8=True, calibration=carphone)[0]), threads=2)
        for style in styles:
            if style is not None:
                fp32.set_style(style)
                q8.set_style(style)
            assert psnr(q8.run(x), fp32.run(x)) >= 35.0, f"{path.name} style {style}"


# ---- bit-exactness ---------------------------------------------------------------------

@pytest.mark.parametrize("int8", [False, True])
def test_identical_bytes_across_threads_and_isas(nets, real_frames, carphone, int8):
    data, _ = convert_to_bytes(nets["cin"], int8=int8, calibration=carphone if int8 else None)
    model = load(data)
    rgb = np.ascontiguousarray(real_frames[0][:64, :96])
    x = nchw(rgb)
    ref = None
    for isa in isas():
        for threads in (1, 2, 3, 4):
            s = Session(model, threads=threads, isa=isa)
            s.set_style(2)
            got = s.run(x).tobytes() + s.run(rgb).tobytes()
            if ref is None:
                ref = got
            assert got == ref, f"{isa} with {threads} threads differs"
    assert len(isas()) >= 2, "the CPU should offer the scalar kernels and one vector family"


@pytest.mark.parametrize("int8", [False, True])
def test_shipped_network_identical_across_threads_and_isas(bunny, carphone, int8):
    """The shipped decoder (nearest x2 into a 3x3 conv, resize + skip add + norm) runs through
    the small-input conv and the fused norm pass on the vector family; bytes still match the
    reference kernels at every thread count."""
    models = shipped_models()
    if not models:
        pytest.skip("models/catalog.json lists no shipped networks yet")
    onnx_bytes = models[0][0].read_bytes()
    model = load(convert_to_bytes(onnx_bytes, int8=int8, calibration=carphone if int8 else None)[0])
    x = nchw(native_nets.frames(bunny, count=1, size=(144, 256))[0])
    ref = Session(model, threads=1, isa="scalar").run(x).tobytes()
    vector = [isa for isa in isas() if isa != "scalar"]
    assert vector, "the CPU should offer a vector kernel family"
    for isa in vector:
        for threads in (1, 2, 3):
            s = Session(model, threads=threads, isa=isa)
            assert s.run(x).tobytes() == ref, f"{isa} with {threads} threads differs"
        kernels = {t.kernel for t in s.layer_timings()}
        assert any("up2" in k for k in kernels), kernels
        assert sum(t.fused_into >= 0 for t in s.layer_timings()) >= 12


def test_zoo_identical_across_isas(nets, real_frames):
    model = load(convert_to_bytes(nets["zoo"])[0])
    x = nchw(real_frames[0][:64, :96])
    outs = {isa: Session(model, threads=3, isa=isa).run(x).tobytes() for isa in isas()}
    assert len(set(outs.values())) == 1


# ---- threads and the GIL -------------------------------------------------------------

def test_gil_is_released_during_inference(nets):
    model = load(convert_to_bytes(nets["student"])[0])
    session = Session(model, threads=1)
    x = np.random.default_rng(0).random((1, 3, 480, 640), dtype=np.float32)
    running = threading.Event()
    done = threading.Event()

    def work():
        running.set()
        session.run(x)
        done.set()

    t = threading.Thread(target=work)
    t.start()
    running.wait()
    ticks = 0
    while not done.is_set():
        time.sleep(0.0005)                   # needs the GIL back after every sleep
        ticks += 1
    t.join()
    assert session.last_run_ms > 20          # a run long enough to measure
    assert ticks >= 5                        # the main thread kept running meanwhile


def test_layer_info_and_timing(nets):
    onnx_bytes = nets["student"]
    model = load(convert_to_bytes(onnx_bytes)[0])
    net = to_network(onnx_bytes)
    _, macs = infer_shapes(net, 96, 128)
    layers = model.layers(96, 128)
    assert len(layers) == len(net.layers) == model.info.num_layers
    conv_macs = [info.macs for info in layers if info.op.startswith("conv")]
    assert conv_macs == [m for m, layer in zip(macs, net.layers) if layer.op == "conv2d"]
    assert layers[-1].out_shape == (3, 96, 128)
    assert model.output_shape(96, 128) == (3, 96, 128)
    session = Session(model)
    session.run(np.zeros((96, 128, 3), np.uint8))
    timings = session.layer_timings()
    assert len(timings) == len(layers) and all(t.ms >= 0 for t in timings)
    assert sum(t.ms for t in timings) <= session.last_run_ms * 1.05 + 0.5
    assert any(t.kernel for t in timings)


# ---- bad input -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_file(nets):
    return convert_to_bytes(nets["cin"])[0]


def reseal(data: bytearray) -> bytes:
    struct.pack_into("<Q", data, 24, fnv1a64(bytes(data[32:])))
    return bytes(data)


def test_truncated_files_are_rejected(small_file, tmp_path):
    for cut in (0, 7, 31, 159, 160, len(small_file) // 2, len(small_file) - 1):
        with pytest.raises(NativeModelError):
            Model.load(small_file[:cut])
    path = tmp_path / "short.scn"
    path.write_bytes(small_file[:1000])
    with pytest.raises(NativeModelError, match="short.scn"):
        Model.load(path)
    with pytest.raises(NativeModelError, match="no such model file"):
        Model.load(tmp_path / "absent.scn")


def test_corrupt_and_wrong_version_files_are_rejected(small_file):
    corrupt = bytearray(small_file)
    corrupt[len(corrupt) - 10] ^= 0x01
    with pytest.raises(NativeModelError, match="(?i)checksum"):
        Model.load(bytes(corrupt))
    wrong = bytearray(small_file)
    struct.pack_into("<I", wrong, 8, 2)
    with pytest.raises(NativeModelError, match="(?i)version"):
        Model.load(bytes(wrong))
    not_model = b"PNG\x00" + small_file[4:]
    with pytest.raises(NativeModelError):
        Model.load(not_model)


def test_absurd_shapes_are_rejected(small_file):
    value_table = struct.unpack_from("<I", small_file, 72)[0]
    tensor_table = struct.unpack_from("<I", small_file, 76)[0]
    huge_channels = bytearray(small_file)
    struct.pack_into("<I", huge_channels, value_table + 16 * 1, 0x7FFFFFFF)
    with pytest.raises(NativeModelError):
        Model.load(reseal(huge_channels))
    huge_dims = bytearray(small_file)
    struct.pack_into("<4I", huge_dims, tensor_table + 8, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
    with pytest.raises(NativeModelError):
        Model.load(reseal(huge_dims))
    bad_offset = bytearray(small_file)
    struct.pack_into("<Q", bad_offset, tensor_table + 24, len(small_file) + 64)
    with pytest.raises(NativeModelError):
        Model.load(reseal(bad_offset))
    header_counts = bytearray(small_file)
    struct.pack_into("<I", header_counts, 64, 65536)          # more layers than the table holds
    with pytest.raises(NativeModelError):
        Model.load(reseal(header_counts))


def test_random_mutations_never_crash(small_file):
    """A bounded fuzz of the loader through the binding: each mutant loads or raises."""
    rng = np.random.default_rng(7)
    loaded = 0
    for i in range(300):
        data = bytearray(small_file)
        for _ in range(int(rng.integers(1, 6))):
            pos = int(rng.integers(32, 160 + 16 * 60)) if i % 2 else int(rng.integers(32, len(data)))
            data[pos] = int(rng.integers(0, 256))
        try:
            Model.load(reseal(data))
            loaded += 1
        except NativeModelError:
            pass
    assert loaded < 300


def test_bad_arrays_are_refused_with_clear_errors(small_file):
    model = Model.load(small_file)
    s = Session(model)
    good = np.zeros((32, 32, 3), np.uint8)
    cases = [
        (np.zeros((0, 32, 3), np.uint8), "empty"),
        (np.zeros((4, 4, 3), np.uint8), "smaller than the network.s minimum"),
        (np.zeros((30, 32, 3), np.uint8), "multiples of 4"),
        (np.zeros((32, 32, 4), np.uint8), "H x W x 3"),
        (np.zeros((32, 32, 3), np.float64), "dtype"),
        (np.zeros((1, 4, 32, 32), np.float32), "channels"),
        (np.zeros((32, 64, 3), np.uint8)[:, ::2], "contiguous"),
        ([[1, 2, 3]], "numpy array"),
    ]
    for arr, words in cases:
        with pytest.raises(NativeRunError, match=words) as err:
            s.run(arr)
        assert str(err.value).startswith("<memory>")
    with pytest.raises(NativeRunError):
        s.run(good, out=np.zeros((31, 32, 3), np.uint8))
    with pytest.raises(NativeRunError, match="style index"):
        s.set_style(4)
    with pytest.raises(NativeRunError, match="style weights"):
        s.set_style_weights([1.0, 0.0])
    with pytest.raises(NativeRunError, match="thread"):
        Session(model, threads=0)
    assert s.run(good).shape == (32, 32, 3)      # still usable after the refusals


def test_loading_from_file_and_memory_agree(small_file, tmp_path, real_frames):
    path = tmp_path / "m.scn"
    path.write_bytes(small_file)
    a, b = Model.load(path), Model.load(small_file)
    assert a.info == b.info and a.path == str(path)
    rgb = real_frames[0]
    assert np.array_equal(Session(a).run(rgb), Session(b).run(rgb))


# ---- the binding itself ----------------------------------------------------------------

def test_binding_exposes_every_header_function_and_is_not_rebuilt_needlessly():
    import os
    import re
    import sys

    from native import _stylecut_native

    header = open(os.path.join(os.path.dirname(native_nets.__file__), "..", "native", "include",
                               "stylecut.h")).read()
    names = set(re.findall(r"\b(sc_[a-z0-9_]+)\s*\(", header))
    assert names and all(hasattr(_stylecut_native.lib, n) for n in names)
    sys.path.insert(0, os.path.join(os.path.dirname(native_nets.__file__), "..", "native"))
    try:
        import build_ffi
    finally:
        sys.path.pop(0)
    module = build_ffi.build()             # brings the module up to date if the library moved on
    before = os.stat(module).st_mtime_ns
    assert build_ffi.build() == module and os.stat(module).st_mtime_ns == before


def test_results_land_in_the_callers_buffer(small_file):
    session = Session(Model.load(small_file))
    rgb = np.random.default_rng(1).integers(0, 256, (32, 48, 3), dtype=np.uint8)
    out = np.zeros((32, 48, 3), np.uint8)
    assert session.run(rgb, out=out) is out and out.any()
    x = np.random.default_rng(2).random((1, 3, 32, 48), dtype=np.float32)
    y = np.zeros((1, 3, 32, 48), np.float32)
    assert session.run(x, out=y) is y and np.array_equal(y, session.run(x))
    read_only = x.copy()
    read_only.flags.writeable = False                # inputs are only read: no copy, no complaint
    assert np.array_equal(session.run(read_only), y)
