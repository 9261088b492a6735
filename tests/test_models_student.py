"""models.student: the exported graph matches torch, stays in budget and in the op set the
native converter reads, and a style switch changes only an input."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

torch = pytest.importorskip("torch")

from models.macs import macs_per_pixel  # noqa: E402
from models.student import MULTIPLE, StyleStudent, export_onnx, parameter_count  # noqa: E402

ALLOWED_OPS = {"Conv", "Pad", "ReduceMean", "Sub", "Mul", "Sqrt", "Div", "MatMul", "Reshape", "Add",
               "Relu", "Resize", "Sigmoid"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    torch.manual_seed(3)
    model = StyleStudent(5)
    with torch.no_grad():   # spread the style tables so styles differ
        for name, p in model.named_parameters():
            if name.endswith(("gamma", "beta")):
                p.add_(torch.randn_like(p) * 0.3)
    path = tmp_path_factory.mktemp("student") / "student.onnx"
    export_onnx(model, path)
    return model.eval(), path


def test_onnx_matches_torch_at_another_size(exported):
    import onnxruntime as ort

    model, path = exported
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).random((1, 3, 56, 80), dtype=np.float32)
    w = np.array([0, 0.25, 0, 0.75, 0], np.float32)
    out = sess.run(None, {"image": x, "style_weights": w})[0]
    with torch.no_grad():
        ref = model(torch.from_numpy(x), torch.from_numpy(w)).numpy()
    assert out.shape == (1, 3, 56, 80)
    np.testing.assert_allclose(out, ref, atol=2e-5)


def test_graph_contract(exported):
    _, path = exported
    proto = onnx.load(str(path))
    assert {o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")} == {17}
    assert {n.op_type for n in proto.graph.node} <= ALLOWED_OPS
    inputs = {i.name: i for i in proto.graph.input}
    assert list(inputs) == ["image", "style_weights"]
    dims = inputs["image"].type.tensor_type.shape.dim
    assert dims[0].dim_value == 1 and dims[1].dim_value == 3
    assert dims[2].dim_param and dims[3].dim_param          # dynamic height and width
    assert [d.dim_value for d in inputs["style_weights"].type.tensor_type.shape.dim] == [5]
    assert not any(t.data_location == onnx.TensorProto.EXTERNAL for t in proto.graph.initializer)


def test_budget_and_size(exported):
    _, path = exported
    assert macs_per_pixel(path, 512, 512) <= 1940
    assert parameter_count(StyleStudent(8)) <= 90_000


def test_style_switch_is_an_input(exported):
    import onnxruntime as ort

    _, path = exported
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(1).random((1, 3, 32, 32), dtype=np.float32)
    outs = [sess.run(None, {"image": x, "style_weights": np.eye(5, dtype=np.float32)[k]})[0] for k in range(5)]
    assert min(np.abs(outs[0] - o).mean() for o in outs[1:]) > 1e-3


def test_native_converter_reads_it_within_the_int8_budget(exported, carphone):
    convert = pytest.importorskip("native.convert")
    _, path = exported
    data, report = convert.convert_to_bytes(str(path), int8=True, calibration=str(carphone))
    assert report.num_styles == 5 and report.size_multiple == MULTIPLE
    big, _ = convert.convert_to_bytes(str(path))
    assert len(data) < len(big)
