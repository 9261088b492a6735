"""Exporting packs: contents, the preview's own native model, predictions, refusals."""

from __future__ import annotations

import json
import zipfile

import pytest
from stylepack_support import SIZE, STYLES, built_pack, members_of

from editor.core.stylepack import export as ex
from editor.core.stylepack import manifest as mf
from editor.core.stylepack.errors import PackError


@pytest.fixture(scope="module")
def pack(request, tmp_path_factory):
    return built_pack(request, tmp_path_factory)


def test_manifest_describes_the_pack(pack):
    members = members_of(pack)
    with zipfile.ZipFile(pack) as zf:
        assert zf.namelist()[:2] == [mf.MANIFEST, mf.MANIFEST_SUM]   # a streaming reader meets it first
    m = json.loads(members[mf.MANIFEST])
    assert m["format"] == mf.FORMAT and m["format_version"] == 1 and m["id"] == "test"
    assert m["author"] == "StyleCut tests" and m["created"] == "2026-01-01T00:00:00Z"
    assert m["generator"]["name"] == "stylecut" and m["licence"] == "test"
    assert [s["id"] for s in m["styles"]] == list(STYLES)
    assert m["model"]["style_count"] == 3 and m["input"]["processing_size"] == SIZE
    assert m["input"]["size_multiple"] == 8
    assert m["native_model"] == "native/model-int8.scn"
    assert members["model.ort"][4:8] == b"ORTM"      # flatbuffer file identifier of the ORT format
    listed = {f["path"] for f in m["files"]}
    assert listed == set(members) - {mf.MANIFEST, mf.MANIFEST_SUM}
    for f in m["files"]:
        assert f["bytes"] == len(members[f["path"]])


def test_native_model_is_the_previews_model(pack):
    """The pack ships the very conversion the editor's phone preview runs."""
    from plugins.style_transfer.model_cache import native_model

    from models.catalog import load_library

    style = {s.id: s for s in load_library()[0]}[STYLES[0]]
    members = members_of(pack)
    for precision in ("int8", "fp32"):
        cached = native_model(style.model, int8=precision == "int8")
        assert members[f"native/model-{precision}.scn"] == cached.read_bytes()


def test_predictions_match_the_device_model(pack):
    from editor.core import devices

    m = json.loads(members_of(pack)[mf.MANIFEST])
    pred = m["predictions"]
    assert pred["size"] == [256, 144] == m["input"]["prediction_size"]
    phones = [p for p in devices.all_profiles() if p.default and not p.host]
    assert set(pred["devices"]) == {p.id for p in phones}
    scn = pack.parent / "m.scn"
    scn.write_bytes(members_of(pack)[pred["native_model"]])
    net = devices.load_network(scn, size=(256, 144))
    for p in phones:
        assert pred["devices"][p.id]["fps"] == pytest.approx(devices.predict(net, p).fps, rel=1e-3)
    # a phone from 2023 runs it faster than one from 2013
    assert pred["devices"]["dimensity9300-8t"]["fps"] > pred["devices"]["a7-2t"]["fps"]


def test_sizes_follow_the_network_grid():
    assert ex.prediction_size(360, 8, 16) == (640, 360)
    assert ex.prediction_size(100, 8, 16) == (184, 104)   # padded up, as the effect does
    assert ex.prediction_size(8, 8, 16) == (16, 16)
    w, h = ex.sample_size(8, 16)
    assert (w, h) == (192, 104)
    w, h = ex.sample_size(64, 64)
    assert w % 64 == 0 and h % 64 == 0 and h >= 64


def test_limit_lines_compare_with_platform_budgets(tmp_path):
    small = ex.ExportReport(path=tmp_path / "a.stylepack", bytes=3 * ex.MB, manifest={})
    big = ex.ExportReport(path=tmp_path / "b.stylepack", bytes=5 * ex.MB, manifest={})
    assert all("fits" in line for line in small.limit_lines())
    spark, snap = big.limit_lines()
    assert "Spark AR" in spark and "TOO LARGE" in spark and "125%" in spark
    assert "Snap" in snap and "fits" in snap


def test_export_is_reproducible(pack, tmp_path):
    again = ex.export_pack(list(STYLES), tmp_path / "test.stylepack", size=SIZE, precisions=("int8", "fp32"),
                           author="StyleCut tests", created="2026-01-01T00:00:00Z")
    # onnxruntime's converter orders some flatbuffer tables differently run to run; everything
    # else, the manifest's other fields included, is the same byte for byte
    a, b = members_of(pack), members_of(again.path)
    assert a.keys() == b.keys()
    assert {k for k in a if a[k] != b[k]} <= {"model.ort", mf.MANIFEST, mf.MANIFEST_SUM}
    ma, mb = json.loads(a[mf.MANIFEST]), json.loads(b[mf.MANIFEST])
    strip = lambda m: {**m, "files": [f for f in m["files"] if f["path"] != "model.ort"]}  # noqa: E731
    assert strip(ma) == strip(mb)
    assert len(a["model.ort"]) == len(b["model.ort"])


def test_single_style_fp32_pack(pack, tmp_path):
    from editor.core.stylepack import verify_pack

    report = ex.export_pack(["test-frost"], tmp_path / "Frost Only.stylepack", size=64, precisions=("fp32",))
    m = report.manifest
    assert m["id"] == "frost-only" and [s["style_index"] for s in m["styles"]] == [1]
    assert [n["precision"] for n in m["native_models"]] == ["fp32"]
    assert report.payload["native"] < report.bytes
    verify_pack(report.path)


@pytest.mark.parametrize("kwargs, words", [
    (dict(style_ids=["no-such-style"]), "no such style"),
    (dict(style_ids=[]), "at least one style"),
    (dict(style_ids=["test-moss", "test-moss"]), "chosen twice"),
    (dict(output="x.zip"), "ends in .stylepack"),
    (dict(size=4), "--size must be within"),
    (dict(precisions=("int4",)), "precisions must be among"),
    (dict(pack_id="Bad Id!"), "pack id"),
])
def test_bad_requests_are_refused(pack, tmp_path, kwargs, words):
    args = dict(style_ids=["test-moss"], output=tmp_path / "x.stylepack")
    args.update(kwargs)
    if not str(args["output"]).startswith(str(tmp_path)):
        args["output"] = tmp_path / args["output"]
    with pytest.raises(PackError, match=words):
        ex.export_pack(args.pop("style_ids"), args.pop("output"), **args)
    assert not list(tmp_path.glob("*.stylepack*"))


def test_styles_from_two_networks_are_refused(pack, tmp_path, monkeypatch):
    import os
    import shutil

    from models.catalog import load_library

    lib = tmp_path / "lib"
    shutil.copytree(os.environ["STYLECUT_LIBRARY"], lib)
    other = tmp_path / "other.onnx"
    shutil.copyfile(load_library()[0][0].model, other)
    spec = json.loads((lib / "test-frost" / "style.json").read_text())
    spec["model"] = str(other)
    (lib / "test-frost" / "style.json").write_text(json.dumps(spec))
    monkeypatch.setenv("STYLECUT_LIBRARY", str(lib))
    with pytest.raises(PackError, match="a pack holds one network"):
        ex.export_pack(["test-ember", "test-frost"], tmp_path / "two.stylepack")
