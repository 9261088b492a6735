"""The manifest schema on its own: a minimal valid manifest, then one violation at a time."""

from __future__ import annotations

import copy

import pytest

from editor.core.stylepack import manifest as mf
from editor.core.stylepack.errors import PackError

SHA = "0" * 64


def _valid() -> dict:
    files = ["model.onnx", "model.ort", "native/model-int8.scn", "thumbnails/a.png", "sample/input.ppm",
             "sample/int8-a.ppm"]
    return {
        "format": mf.FORMAT, "format_version": 1, "id": "p", "name": "P", "author": "", "licence": "CC0",
        "attribution": "", "created": "2026-01-01T00:00:00Z", "generator": {"name": "stylecut", "version": "0"},
        "input": {"processing_size": 360, "size_multiple": 8, "min_size": 16, "colour": "rgb8",
                  "prediction_size": [640, 360]},
        "model": {"onnx": "model.onnx", "ort": "model.ort", "style_count": 0},
        "native_model": "native/model-int8.scn",
        "native_models": [{"path": "native/model-int8.scn", "precision": "int8", "format_version": 1}],
        "styles": [{"id": "a", "name": "A", "style_index": None, "thumbnail": "thumbnails/a.png"}],
        "sample": {"input": "sample/input.ppm",
                   "outputs": [{"style": "a", "native_model": "native/model-int8.scn", "path": "sample/int8-a.ppm"}]},
        "predictions": {"devices": {"sd821-4t": {"ms": 20.0, "fps": 50.0}}},
        "files": [{"path": f, "sha256": SHA, "bytes": 1} for f in files],
    }


def test_minimal_manifest_is_valid():
    m = _valid()
    assert mf.validate("p.stylepack", m) is m
    assert "model.ort" in mf.referenced_files(m)


def test_unknown_keys_are_ignored():
    m = _valid()
    m["future_field"] = {"anything": 1}
    m["styles"][0]["colour_hint"] = "warm"
    mf.validate("p", m)


def _set(path, value):
    def edit(m):
        obj = m
        for key in path[:-1]:
            obj = obj[key]
        if value is KeyError:
            del obj[path[-1]]
        else:
            obj[path[-1]] = value
    return edit


@pytest.mark.parametrize("edit, words", [
    (_set(["format_version"], 2), "format version 2 is not supported"),
    (_set(["format_version"], "1"), "must be int"),
    (_set(["format_version"], True), "must be int"),
    (_set(["id"], "Has Space"), "id 'Has Space'"),
    (_set(["name"], "  "), "name is empty"),
    (_set(["generator"], "stylecut"), "must be dict"),
    (_set(["created"], KeyError), "lacks 'created'"),
    (_set(["files", 0, "path"], "../model.onnx"), "'..' component"),
    (_set(["files", 0, "sha256"], "ABC"), "64 lower-case hex"),
    (_set(["files", 0, "bytes"], -1), "outside 0.."),
    (_set(["files", 1, "path"], "MODEL.onnx"), "twice"),
    (_set(["files", 0, "path"], mf.MANIFEST), "covers itself"),
    (_set(["input", "processing_size"], 5000), "outside 8..4320"),
    (_set(["input", "colour"], "yuv420"), "is not 'rgb8'"),
    (_set(["input", "prediction_size"], [640]), "[width, height]"),
    (_set(["model", "onnx"], "other.onnx"), "not in 'files'"),
    (_set(["native_models"], []), "native_models is empty"),
    (_set(["native_models", 0, "precision"], "int4"), "precision must be one of"),
    (_set(["native_models", 0, "format_version"], 2), "outside 1..1"),
    (_set(["styles", 0, "style_index"], 0), "must be null for a one-style network"),
    (_set(["styles", 0, "id"], "A"), "must be 1-64 characters"),
    (_set(["styles", 0, "id"], "pack"), "is reserved"),
    (_set(["sample", "outputs"], []), "no sample output"),
    (_set(["sample", "outputs", 0, "style"], "b"), "not a style of the pack"),
    (_set(["predictions", "devices", "sd821-4t", "fps"], "fast"), "must be a number"),
])
def test_violations(edit, words):
    m = copy.deepcopy(_valid())
    edit(m)
    with pytest.raises(PackError) as err:
        mf.validate("p.stylepack", m)
    assert str(err.value).startswith("p.stylepack: ")
    assert words in str(err.value), str(err.value)


def test_multi_style_indices():
    m = _valid()
    m["model"]["style_count"] = 4
    m["styles"][0]["style_index"] = 3
    mf.validate("p", m)
    m["styles"][0]["style_index"] = 4
    with pytest.raises(PackError, match="outside 0..3"):
        mf.validate("p", m)
    m["styles"][0]["style_index"] = None
    with pytest.raises(PackError, match="must be int"):
        mf.validate("p", m)


def test_slug():
    assert mf.slug("Starry Night (v2)") == "starry-night-v2"
    assert mf.slug("___") == "pack"
    assert len(mf.slug("x" * 200)) == 64
    assert mf.ID_PATTERN.match(mf.slug("Ünïcödé name"))
