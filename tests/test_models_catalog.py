"""models.catalog and the shipped catalog: every listed network exists, loads in onnxruntime
with the documented inputs and outputs, meets the budgets; the user library merges in."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from editor.cli import main as cli_main
from editor.errors import StyleCutError
from models import catalog
from models.macs import macs_per_pixel

BUDGET_MACS = 1940
INT8_BUDGET = 100_000


@pytest.fixture(scope="module")
def shipped():
    return catalog.load_catalog()


def test_at_least_eight_distinct_styles(shipped):
    assert len(shipped) >= 8
    assert len({s.id for s in shipped}) == len(shipped)
    assert len({(s.teacher["name"], s.teacher["style"]) for s in shipped}) == len(shipped)
    for s in shipped:
        assert s.name and s.licence == "Apache-2.0" and "Apache-2.0" in s.attribution
        assert s.thumbnail is not None and s.thumbnail.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_network_loads_with_documented_io_and_budget(shipped):
    import onnxruntime as ort

    for path in sorted({s.model for s in shipped}):
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        inputs = {i.name: i for i in sess.get_inputs()}
        assert inputs["image"].type == "tensor(float)"
        assert inputs["image"].shape[:2] == [1, 3] and all(isinstance(d, str) for d in inputs["image"].shape[2:])
        (out,) = sess.get_outputs()
        assert out.shape[:2] == [1, 3]
        mpp = macs_per_pixel(path, 512, 512)
        assert mpp <= BUDGET_MACS
        for s in shipped:
            if s.model == path:
                assert s.macs_per_pixel == pytest.approx(mpp, abs=0.1)
                assert inputs["style_weights"].shape == [s.style_count]
        x = np.random.default_rng(0).random((1, 3, 48, 64), dtype=np.float32)
        w = np.zeros(inputs["style_weights"].shape[0], np.float32)
        w[0] = 1
        y = sess.run(None, {"image": x, "style_weights": w})[0]
        assert y.shape == x.shape and 0 <= y.min() and y.max() <= 1


def test_int8_native_models_fit_the_phone_budget(shipped, carphone):
    convert = pytest.importorskip("native.convert")
    for path in sorted({s.model for s in shipped}):
        data, report = convert.convert_to_bytes(str(path), int8=True, calibration=str(carphone))
        assert len(data) <= INT8_BUDGET
        assert report.num_styles == max(s.style_count for s in shipped if s.model == path)


def test_styles_look_different(shipped):
    from models.runner import StyleNetwork
    from models.content import stills

    img = dict(stills())["skimage:coffee"][:96, :128]
    net = StyleNetwork(shipped[0].model)
    outs = [net.stylize(img, s.weights()).astype(np.float32) for s in shipped if s.model == shipped[0].model]
    diffs = [np.abs(a - b).mean() for i, a in enumerate(outs) for b in outs[i + 1:]]
    assert min(diffs) > 5   # levels out of 255


def test_cli_lists_the_catalog_as_json(shipped, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("STYLECUT_LIBRARY", str(tmp_path / "empty"))
    assert cli_main(["styles", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [e["id"] for e in listed] == [s.id for s in shipped]
    first = listed[0]
    assert set(first) >= {"id", "name", "model", "style_index", "teacher", "macs_per_pixel", "licence"}
    assert first["teacher"]["name"] == "multistyle26" and isinstance(first["style_index"], int)
    assert cli_main(["styles"]) == 0
    assert shipped[0].name in capsys.readouterr().out


def _library_style(folder, sid, model_src, **over):
    d = folder / sid
    d.mkdir(parents=True)
    shutil.copy(model_src, d / "model.onnx")
    entry = {"id": sid, "name": sid.title(), "model": "model.onnx", "style_index": None, "teacher": None,
             "macs_per_pixel": 1.0, "licence": "Apache-2.0"}
    entry.update(over)
    (d / catalog.STYLE_FILE).write_text(json.dumps(entry))
    return d


def test_library_merges_and_reports_broken_entries(shipped, tmp_path, monkeypatch, capsys):
    lib = tmp_path / "lib"
    _library_style(lib, "my-painting", shipped[0].model, style_index=0, style_count=shipped[0].style_count)
    _library_style(lib, shipped[1].id, shipped[0].model)                 # clashes with a shipped id
    broken = _library_style(lib, "broken", shipped[0].model)
    (broken / "model.onnx").unlink()
    styles, problems = catalog.all_styles(library=lib)
    ids = [s.id for s in styles]
    assert ids[:len(shipped)] == [s.id for s in shipped] and ids[-1] == "my-painting"
    assert styles[-1].origin == "library" and styles[-1].weights()[0] == 1
    text = " ".join(str(p) for p in problems)
    assert "broken" in text and "does not exist" in text and "already used" in text
    monkeypatch.setenv("STYLECUT_LIBRARY", str(lib))
    assert catalog.find("my-painting").model.parent.name == "my-painting"
    assert cli_main(["styles", "--json"]) == 0
    out = capsys.readouterr()
    assert "my-painting" in out.out and "warning" in out.err


def test_damaged_catalog_names_the_file(tmp_path):
    bad = tmp_path / "catalog.json"
    bad.write_text("{not json")
    with pytest.raises(StyleCutError, match="catalog.json.*not valid JSON"):
        catalog.load_catalog(bad)
    bad.write_text(json.dumps({"styles": [{"id": "x", "name": "X"}]}))
    with pytest.raises(StyleCutError, match="lacks model"):
        catalog.load_catalog(bad)
    with pytest.raises(StyleCutError, match="not found"):
        catalog.load_catalog(tmp_path / "missing.json")
    with pytest.raises(StyleCutError, match="no such style"):
        catalog.find("does-not-exist", library=tmp_path)
