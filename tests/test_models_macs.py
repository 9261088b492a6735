"""models.macs: MAC counts of hand-built graphs with known answers and of the real teacher."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from editor.errors import StyleCutError
from models.macs import count_macs, macs_per_pixel


def _model(nodes, inits, inputs, outputs):
    graph = helper.make_graph(nodes, "g", inputs, outputs,
                              [numpy_helper.from_array(v, k) for k, v in inits.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _image_input(c=3):
    return helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, c, "h", "w"])


def test_conv_counts_output_elements_times_kernel_volume():
    w = np.zeros((8, 3, 3, 3), np.float32)
    m = _model([helper.make_node("Conv", ["image", "w"], ["y"], pads=[1, 1, 1, 1], strides=[2, 2])],
               {"w": w}, [_image_input()], [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    rep = count_macs(m, 16, 20)
    assert rep.total == (8 * 8 * 10) * 3 * 9
    # at stride 2 the count per input pixel is a quarter of the full-resolution conv
    assert rep.per_pixel == pytest.approx(8 * 27 / 4)


def test_grouped_conv_transpose_and_matmul():
    dw = np.zeros((6, 1, 3, 3), np.float32)          # depthwise: 6 groups
    up = np.zeros((6, 4, 2, 2), np.float32)          # ConvTranspose [C, M, kh, kw], stride 2
    table = np.zeros((5, 7), np.float32)
    nodes = [
        helper.make_node("Conv", ["image", "dw"], ["a"], pads=[1, 1, 1, 1], group=6),
        helper.make_node("ConvTranspose", ["a", "up"], ["b"], strides=[2, 2]),
        helper.make_node("MatMul", ["v", "table"], ["c"]),
    ]
    m = _model(nodes, {"dw": dw, "up": up, "table": table},
               [_image_input(6), helper.make_tensor_value_info("v", TensorProto.FLOAT, [3, 5])],
               [helper.make_tensor_value_info("b", TensorProto.FLOAT, None),
                helper.make_tensor_value_info("c", TensorProto.FLOAT, None)])
    rep = count_macs(m, 8, 8)
    by_op = {op: macs for _, op, macs in rep.per_op}
    assert by_op["Conv"] == 6 * 64 * 9
    assert by_op["ConvTranspose"] == 6 * 64 * 4 * 4
    assert by_op["MatMul"] == 3 * 7 * 5


def test_gemm_respects_transposed_a():
    a = np.zeros((4, 3), np.float32)   # transA: the reduction is over 4
    b = np.zeros((4, 6), np.float32)
    m = _model([helper.make_node("Gemm", ["a", "b"], ["y"], transA=1)], {"a": a, "b": b}, [],
               [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    assert count_macs(m, 1, 1).total == 3 * 6 * 4


def test_teacher_count_matches_its_published_figure():
    from models.teachers import teacher_path

    assert macs_per_pixel(teacher_path("multistyle26"), 256, 256) == pytest.approx(19404, abs=1)


def test_missing_and_broken_files_name_the_file(tmp_path):
    with pytest.raises(StyleCutError, match="not found"):
        count_macs(tmp_path / "nope.onnx", 8, 8)
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"this is no protobuf")
    with pytest.raises(StyleCutError) as err:
        count_macs(bad, 8, 8)
    assert "bad.onnx" in str(err.value)
