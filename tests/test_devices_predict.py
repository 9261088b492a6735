"""Prediction from ONNX and .param networks, int8, budgets, charts and the CLI."""

import json

import numpy as np
import onnx
import pytest

from editor.cli import main
from editor.core.devices.budgets import verdicts
from editor.core.devices.chart import save_chart
from editor.core.devices.errors import NetworkFormatError, ProfileError
from editor.core.devices.load import load_network
from editor.core.devices.onnx_build import builder, mobile_network, style_network
from editor.core.devices.onnx_net import read_onnx
from editor.core.devices.predict import predict
from editor.core.devices.profiles import all_profiles, get_profile, load_phone_profiles
from editor.core.devices.reference import reference_dir

REF = reference_dir()
needs_ref = pytest.mark.skipif(not REF.is_dir(), reason=f"reference data {REF} is not present")


@pytest.fixture(scope="module")
def style_onnx(tmp_path_factory):
    path = tmp_path_factory.mktemp("nets") / "style.onnx"
    onnx.save(style_network(), path)
    return path


def test_onnx_network_counts_the_work_of_every_conv(style_onnx):
    net = read_onnx(style_onnx, (640, 360))
    convs = [l for l in net.layers if l.op == "Conv"]
    assert len(convs) == 12
    first = convs[0]
    assert first.kernel == (9, 9) and first.out_shape == (16, 360, 640)
    assert first.macs == 16 * 360 * 640 * 3 * 81
    assert net.input_shape == (3, 360, 640)
    # Relu after a conv is fused into it; instance norm and resize stay memory passes.
    assert {l.op for l in net.layers if l.kind == "memory"} >= {"InstanceNormalization", "Resize", "Add"}
    assert net.file_bytes == style_onnx.stat().st_size


def test_prediction_scales_with_input_size_and_device(style_onnx):
    old, new = get_profile("sd810-8t"), get_profile("sd8gen2-4t")
    small = predict(read_onnx(style_onnx, (320, 180)), new)
    large = predict(read_onnx(style_onnx, (640, 360)), new)
    assert 3.0 < large.total_ms / small.total_ms < 4.5          # ~4x the pixels
    assert predict(read_onnx(style_onnx, (640, 360)), old).total_ms > 3 * large.total_ms
    assert large.fps == pytest.approx(1000 / large.total_ms)
    assert sum(l.ms for l in large.layers) == pytest.approx(large.total_ms)


def test_per_kind_rates_make_depthwise_networks_relatively_slower(tmp_path):
    # The point of a per-layer model: the ratio between two networks differs across phones.
    mob = tmp_path / "mobile.onnx"
    onnx.save(mobile_network(), mob)
    profiles = [p for p in load_phone_profiles()[0] if p.default]
    ratios = []
    for p in profiles:
        ratios.append(predict(read_onnx(mob, (224, 224)), p).total_ms /
                      predict(read_onnx(tmp_path_style(tmp_path), (224, 224)), p).total_ms)
    assert max(ratios) / min(ratios) > 1.5


def tmp_path_style(tmp_path):
    p = tmp_path / "style224.onnx"
    if not p.exists():
        onnx.save(style_network(), p)
    return p


@needs_ref
def test_param_prediction_reproduces_the_published_latency():
    p = get_profile("sd821-4t")
    pred = predict(load_network(REF / "mobilenet.param"), p)
    assert pred.total_ms == pytest.approx(27.88, rel=0.25)
    assert pred.layers[0].kind == "conv"


@needs_ref
def test_int8_uses_the_int8_factors():
    p = get_profile("sd8gen2-4t")
    fp = predict(load_network(REF / "resnet18.param"), p)
    q = predict(load_network(REF / "resnet18.param", int8=True), p)
    # ncnn's fp32 path uses Winograd F(6,3) in fp16 there; int8 3x3 convs were measured slower.
    assert q.int8 and q.total_ms > fp.total_ms
    assert predict(load_network(REF / "resnet18_int8.param"), p).total_ms == pytest.approx(q.total_ms, rel=0.01)


@pytest.mark.parametrize("payload, words", [
    (b"", "ONNX"),
    (b"\x08\x07garbage-not-a-model\xff\xff", "ONNX"),
])
def test_malformed_onnx_files_name_the_file(tmp_path, payload, words):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(payload)
    with pytest.raises(NetworkFormatError) as info:
        read_onnx(bad, (64, 64))
    assert str(bad) in str(info.value)


def test_onnx_without_image_input_or_with_dynamic_size(tmp_path):
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])
    m = helper.make_model(helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y]))
    path = tmp_path / "vector.onnx"
    onnx.save(m, path)
    with pytest.raises(NetworkFormatError, match="no NCHW image input"):
        read_onnx(path)
    dyn = tmp_path / "dynamic.onnx"
    onnx.save(style_network(), dyn)
    with pytest.raises(NetworkFormatError, match="dynamic"):
        read_onnx(dyn)
    with pytest.raises(NetworkFormatError, match="no such file"):
        load_network(tmp_path / "missing.onnx")


def test_budget_verdicts_use_stand_ins_and_size(style_onnx):
    profiles, phones = load_phone_profiles()
    net = read_onnx(style_onnx, (256, 256))
    out = verdicts(net, profiles, phones, get_profile("sd8gen2-4t"))
    platforms = [v.platform for v in out]
    assert platforms == ["Caffe2go", "Meta Spark AR", "Meta Spark AR", "Snap Lens Studio"]
    six_s = out[0]
    assert six_s.phone == "iPhone 6s" and six_s.approximate and "not profiled" in six_s.note
    assert six_s.device == "sd810-8t"                          # same year (2015)
    assert out[2].device == "a7-2t"                            # Nexus 5 (2013): the A7 is from 2013
    snap = out[3]
    assert not snap.approximate and snap.device == "sd8gen2-4t" and snap.max_bytes == 8 * 2**20
    assert snap.size_ok and snap.fps_ok == (snap.fps >= 15) and snap.target_ok == (snap.fps >= 30)
    # A model over 4 MB fails Spark AR on size whatever its speed.
    net.file_bytes = 5 * 2**20
    again = verdicts(net, profiles, phones)
    assert [v.size_ok for v in again if v.platform == "Meta Spark AR"] == [False, False]
    assert len(again) == 3                                    # no chosen device: no Lens Studio verdict


def test_chart_png_and_svg(style_onnx, tmp_path):
    pred = predict(read_onnx(style_onnx, (320, 180)), get_profile("sd821-4t"))
    png = save_chart(pred, tmp_path / "c.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = save_chart(pred, tmp_path / "c.svg")
    assert b"<svg" in svg.read_bytes()[:500]
    with pytest.raises(NetworkFormatError, match="png or .svg"):
        save_chart(pred, tmp_path / "c.gif")


def test_cli_predict_json(style_onnx, capsys):
    assert main(["devices", "predict", str(style_onnx), "--device", "sd821-4t", "--size", "320x180", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total_ms"] > 0 and out["fps"] == pytest.approx(1000 / out["total_ms"], rel=1e-3)
    assert len(out["layers"]) == len([l for l in out["layers"] if l["ms"] >= 0]) > 10
    assert out["input_size"] == [320, 180]


def test_cli_list_and_errors(capsys, tmp_path):
    assert main(["devices", "--json"]) == 0
    devices = json.loads(capsys.readouterr().out)["devices"]
    assert len(devices) >= 30 and {"id", "name", "soc", "year", "threads", "powersave", "source", "params"} <= set(devices[0])
    bad = tmp_path / "x.param"
    bad.write_text("nope\n")
    assert main(["devices", "predict", str(bad), "--device", "sd821-4t"]) == 2
    assert "x.param" in capsys.readouterr().err
    assert main(["devices", "predict", str(bad), "--device", "no-such-phone"]) == 2
    assert "unknown device" in capsys.readouterr().err


def test_cli_chart_and_play(style_onnx, tmp_path, capsys):
    out = tmp_path / "chart.png"
    assert main(["devices", "chart", str(style_onnx), "--device", "sd855plus-4t", "--size", "320x180", "-o", str(out)]) == 0
    assert out.stat().st_size > 5000
    capsys.readouterr()
    assert main(["devices", "play", str(style_onnx), "--device", "sd855plus-4t", "--size", "320x180",
                 "--fps", "30000/1001", "--frames", "60", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["frames"] == 60 and res["processed"] + res["dropped"] == 60 and len(res["ticks"]) == 60


def test_unknown_host_profile_says_how_to_calibrate(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    with pytest.raises(ProfileError, match="calibrate"):
        get_profile("host")
    assert all(not p.host for p in all_profiles())


def _native_available():
    from editor.core.devices.calibrate import native_available

    return native_available()


@pytest.mark.skipif(not _native_available(), reason="the native runtime binding is not built")
def test_native_model_is_costed_from_the_runtimes_layer_table(style_onnx, tmp_path):
    from native.convert import convert

    scn = tmp_path / "style.scn"
    convert(style_onnx, scn)
    native = load_network(scn, (640, 360))
    from_onnx = read_onnx(style_onnx, (640, 360))
    conv_macs = lambda net: sum(l.macs for l in net.layers if l.kind in ("conv", "pointwise", "depthwise"))
    assert conv_macs(native) == conv_macs(from_onnx)
    assert native.file_bytes == scn.stat().st_size and native.input_shape == (3, 360, 640)
    p = get_profile("sd821-4t")
    assert predict(native, p).total_ms == pytest.approx(predict(from_onnx, p).total_ms, rel=0.05)


def test_unknown_binary_model_names_the_file(tmp_path):
    junk = tmp_path / "model.scn"
    junk.write_bytes(b"\x00\x01not a model at all" * 4)
    with pytest.raises(NetworkFormatError) as info:
        load_network(junk)
    assert str(junk) in str(info.value)


@pytest.mark.skipif(not _native_available(), reason="the native runtime binding is not built")
def test_onnx_goes_through_the_native_converter_so_layers_match_the_runtime():
    from editor.core.devices.profiles import REPO

    shipped = REPO / "models" / "stylecut_styles.onnx"
    raw = read_onnx(shipped, (640, 360))
    assert {"ReduceMean", "Sub", "Sqrt"} <= {l.op for l in raw.layers}     # the decomposed norm
    net = load_network(shipped, (640, 360))
    ops = [l.op for l in net.layers]
    assert "ReduceMean" not in ops and "Sqrt" not in ops
    assert ops.count("cond_instance_norm") == 8 and ops.count("Conv") == 9
    assert net.file_bytes == shipped.stat().st_size and net.input_shape == (3, 360, 640)
    # The runtime told which kernel runs every layer it executes itself.
    assert all(l.impl for l in net.layers if not l.fused and l.kind != "free")
    # Same convolutions either way; the chart lists the runtime's layers.
    conv_macs = lambda n: sum(l.macs for l in n.layers if l.kind in ("conv", "pointwise", "depthwise"))
    assert conv_macs(net) == conv_macs(raw)
    pred = predict(net, get_profile("sd821-4t"))
    assert [l.op for l in pred.layers].count("cond_instance_norm") == 8
    q = load_network(shipped, (640, 360), int8=True)
    assert all(l.impl.startswith("qs8_") for l in q.layers if l.op == "Conv")


def test_onnx_the_converter_refuses_is_described_from_the_graph(tmp_path):
    # Softmax is not a native op: the converter refuses the graph, and the ONNX nodes are
    # costed as they are.
    g = builder(3, name="odd")
    g.conv(8, 3).sigmoid()
    g._op("Softmax", [g.cur], axis=1)
    path = tmp_path / "odd.onnx"
    onnx.save(g.model(32, 32), path)
    net = load_network(path, (32, 32))
    assert sum(l.macs for l in net.layers if l.kind == "conv") == 8 * 32 * 32 * 3 * 9
    assert "Softmax" in [l.op for l in net.layers]
