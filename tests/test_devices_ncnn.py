"""ncnn .param reading: shapes against ncnn's own hints, MAC counts, any input size, bad files."""

from pathlib import Path

import pytest

from editor.core.devices.errors import NetworkFormatError
from editor.core.devices.ncnn_param import read_param
from editor.core.devices.reference import reference_dir
from editor.errors import StyleCutError

REF = reference_dir()
needs_ref = pytest.mark.skipif(not REF.is_dir(), reason=f"reference data {REF} is not present")


@needs_ref
@pytest.mark.parametrize("name", sorted(p.stem for p in REF.glob("*.param")) if REF.is_dir() else [])
def test_propagated_shapes_equal_the_files_hints(name):
    # read_param raises when a propagated shape differs from the -23330 hint of any layer.
    net = read_param(REF / f"{name}.param")
    assert net.layers and net.input_shape[0] == 3


@needs_ref
def test_mac_counts_match_the_published_network_sizes():
    assert read_param(REF / "mobilenet.param").macs == pytest.approx(569e6, rel=0.01)
    assert read_param(REF / "resnet18.param").macs == pytest.approx(1.82e9, rel=0.01)
    assert read_param(REF / "vgg16.param").macs == pytest.approx(15.47e9, rel=0.01)
    assert read_param(REF / "mobilenet.param").weights == pytest.approx(4.2e6, rel=0.01)


@needs_ref
def test_layer_kinds_follow_the_convolution_shape():
    net = read_param(REF / "mobilenet.param")
    kinds = [l.kind for l in net.layers if l.op.startswith("Convolution")]
    assert kinds[0] == "conv"                       # 3x3 stride-2 stem
    assert kinds[1:3] == ["depthwise", "pointwise"]
    alex = read_param(REF / "alexnet.param")
    grouped = [l for l in alex.layers if l.op == "ConvolutionDepthWise"]
    assert grouped and all(l.kind == "conv" and l.groups == 2 for l in grouped)   # grouped, not depthwise
    assert read_param(REF / "mobilenet_int8.param").int8
    assert not read_param(REF / "mobilenet.param").int8


@needs_ref
def test_other_input_size_scales_the_work():
    base = read_param(REF / "mobilenet_v2.param")
    big = read_param(REF / "mobilenet_v2.param", size=(448, 448))
    conv_base = sum(l.macs for l in base.layers if l.kind != "memory")
    conv_big = sum(l.macs for l in big.layers if l.kind != "memory")
    assert conv_big == pytest.approx(4 * conv_base, rel=0.02)
    assert big.input_shape == (3, 448, 448)


def _write(tmp_path, text, name="net.param"):
    p = tmp_path / name
    p.write_text(text)
    return p


GOOD = "7767517\n2 2\nInput data 0 1 data 0=32 1=32 2=3\nConvolution c 1 1 data out 0=8 1=3 4=1 6=216\n"


def test_a_small_hand_written_network(tmp_path):
    net = read_param(_write(tmp_path, GOOD))
    conv = net.layers[1]
    assert conv.out_shape == (8, 32, 32) and conv.macs == 8 * 32 * 32 * 3 * 9


@pytest.mark.parametrize("text, words", [
    ("hello\n", "first line"),
    ("7767517\nx y\n", "line 2"),
    ("7767517\n3 2\nInput data 0 1 data 0=32 1=32 2=3\n", "announces 3 layers"),
    ("7767517\n2 2\nInput data 0 1 data 0=32 1=32 2=3\nConvolution c 1 1 nope out 0=8 1=3\n", "'nope'"),
    ("7767517\n2 2\nInput data 0 1 data 0=32 1=32 2=3\nConvolution c 1 1 data out 0=8 1=three\n", "malformed parameter"),
    ("7767517\n2 2\nInput data 0 1 data 0=32 1=32 2=3\nConvolution c 1\n", "needs"),
    ("7767517\n2 2\nInput data 0 1 data 0=32 1=32 2=3\nMystery m 1 1 data out\n", "unsupported layer type 'Mystery'"),
    ("7767517\n2 2\nInput data 0 1 data 0=4 1=4 2=3\nConvolution c 1 1 data out 0=8 1=9\n", "empty tensor"),
    ("7767517\n2 2\nInput data 0 1 data 0=32 1=32 2=3\nConvolution c 1 1 data out -23330=4,3,30,30,8 0=8 1=3 4=1\n", "declares output shape"),
])
def test_malformed_param_files_name_the_file_and_the_problem(tmp_path, text, words):
    path = _write(tmp_path, text)
    with pytest.raises(NetworkFormatError) as info:
        read_param(path)
    assert isinstance(info.value, StyleCutError)
    assert str(path) in str(info.value) and words in str(info.value)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(NetworkFormatError, match="no such file"):
        read_param(tmp_path / "absent.param")
    binary = tmp_path / "bin.param"
    binary.write_bytes(b"\xff\xfe\x00\x01" * 10)
    with pytest.raises(NetworkFormatError, match="bin.param"):
        read_param(binary)
