"""The style pack manifest: its schema and the validation every reader runs first.

docs/STYLEPACK.md is the specification; this module is its executable form. Validation is
strict (unknown format versions, wrong types, paths the pack does not list, inconsistent style
indices are all refused) so a phone loader written from the document accepts exactly what
`stylecut pack verify` accepts.
"""

from __future__ import annotations

import re

from editor.core.stylepack.errors import PackError
from editor.core.stylepack.safezip import check_name

FORMAT = "stylecut-stylepack"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.json.sha256"     # hex sha256 of manifest.json: covers the manifest itself
SUFFIX = ".stylepack"
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
PRECISIONS = ("int8", "fp32")
MAX_SIDE = 4320
RESERVED_STYLE_ID = "pack"


def slug(text: str) -> str:
    """An id from free text: lower case, runs of other characters become '-'."""
    s = re.sub(r"[^a-z0-9_]+", "-", text.lower()).strip("-_")[:64].strip("-_")
    return s or "pack"


def _need(pack: str, obj, key: str, kind, where: str):
    if not isinstance(obj, dict) or key not in obj:
        raise PackError(pack, f"manifest: {where} lacks '{key}'")
    value = obj[key]
    # bool is an int in Python; a JSON true is never a valid count or index
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise PackError(pack, f"manifest: {where}.{key} must be {names}, got {type(value).__name__}")
    return value


def _int_in(pack: str, obj, key: str, low: int, high: int, where: str) -> int:
    value = _need(pack, obj, key, int, where)
    if not low <= value <= high:
        raise PackError(pack, f"manifest: {where}.{key} = {value} is outside {low}..{high}")
    return value


def _path(pack: str, obj, key: str, listed: set, where: str) -> str:
    value = _need(pack, obj, key, str, where)
    if value not in listed:
        raise PackError(pack, f"manifest: {where}.{key} names {value!r}, which is not in 'files'")
    return value


def validate(pack: str, data) -> dict:
    """Check a parsed manifest against the schema; returns it unchanged. Raises PackError."""
    if not isinstance(data, dict):
        raise PackError(pack, "manifest: not a JSON object")
    fmt = data.get("format")
    if fmt != FORMAT:
        raise PackError(pack, f"manifest: format is {fmt!r}, expected {FORMAT!r}")
    version = _need(pack, data, "format_version", int, "manifest")
    if version != FORMAT_VERSION:
        raise PackError(pack, f"format version {version} is not supported (this program reads version "
                              f"{FORMAT_VERSION}); a newer StyleCut may read it")
    pack_id = _need(pack, data, "id", str, "manifest")
    if not ID_PATTERN.match(pack_id):
        raise PackError(pack, f"manifest: id {pack_id!r} must be 1-64 characters of a-z 0-9 _ - "
                              "starting with a letter or digit")
    for key in ("name", "author", "licence", "attribution", "created"):
        _need(pack, data, key, str, "manifest")
    if not data["name"].strip():
        raise PackError(pack, "manifest: name is empty")
    gen = _need(pack, data, "generator", dict, "manifest")
    _need(pack, gen, "name", str, "generator")
    _need(pack, gen, "version", str, "generator")

    files = _need(pack, data, "files", list, "manifest")
    listed: set = set()
    for i, entry in enumerate(files):
        where = f"files[{i}]"
        path = _need(pack, entry, "path", str, where)
        check_name(pack, path)
        if path in (MANIFEST, MANIFEST_SUM):
            raise PackError(pack, f"manifest: {where} lists {path!r}, which covers itself differently")
        if path.lower() in {p.lower() for p in listed}:
            raise PackError(pack, f"manifest: {where} lists {path!r} twice")
        sha = _need(pack, entry, "sha256", str, where)
        if not SHA256.match(sha):
            raise PackError(pack, f"manifest: {where}.sha256 is not 64 lower-case hex digits")
        _int_in(pack, entry, "bytes", 0, 1 << 40, where)
        listed.add(path)

    inp = _need(pack, data, "input", dict, "manifest")
    _int_in(pack, inp, "processing_size", 8, MAX_SIDE, "input")
    _int_in(pack, inp, "size_multiple", 1, 4096, "input")
    _int_in(pack, inp, "min_size", 1, MAX_SIDE, "input")
    size = _need(pack, inp, "prediction_size", list, "input")
    if len(size) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 16384
                                 for v in size):
        raise PackError(pack, "manifest: input.prediction_size must be [width, height]")
    if _need(pack, inp, "colour", str, "input") != "rgb8":
        raise PackError(pack, f"manifest: input.colour {inp['colour']!r} is not 'rgb8'")

    model = _need(pack, data, "model", dict, "manifest")
    _path(pack, model, "onnx", listed, "model")
    _path(pack, model, "ort", listed, "model")
    if model.get("ort_required_operators") is not None:
        _path(pack, model, "ort_required_operators", listed, "model")
    style_count = _int_in(pack, model, "style_count", 0, 4096, "model")

    natives = _need(pack, data, "native_models", list, "manifest")
    if not natives:
        raise PackError(pack, "manifest: native_models is empty")
    native_paths = []
    for i, entry in enumerate(natives):
        native_paths.append(_path(pack, entry, "path", listed, f"native_models[{i}]"))
        if _need(pack, entry, "precision", str, f"native_models[{i}]") not in PRECISIONS:
            raise PackError(pack, f"manifest: native_models[{i}].precision must be one of {PRECISIONS}")
        _int_in(pack, entry, "format_version", 1, 1, f"native_models[{i}]")
    if len(set(native_paths)) != len(native_paths):
        raise PackError(pack, "manifest: native_models lists a file twice")
    primary = _path(pack, data, "native_model", listed, "manifest")
    if primary not in native_paths:
        raise PackError(pack, f"manifest: native_model {primary!r} is not one of native_models")

    styles = _need(pack, data, "styles", list, "manifest")
    if not styles:
        raise PackError(pack, "manifest: the pack has no styles")
    ids, indices = set(), set()
    for i, entry in enumerate(styles):
        where = f"styles[{i}]"
        sid = _need(pack, entry, "id", str, where)
        if not ID_PATTERN.match(sid):
            raise PackError(pack, f"manifest: {where}.id {sid!r} must be 1-64 characters of a-z 0-9 _ -")
        if sid == RESERVED_STYLE_ID:
            raise PackError(pack, f"manifest: style id {sid!r} is reserved (the library keeps the pack's "
                                  "files under <pack id>.pack)")
        if sid in ids:
            raise PackError(pack, f"manifest: style id {sid!r} appears twice")
        ids.add(sid)
        _need(pack, entry, "name", str, where)
        index = entry.get("style_index", "missing")
        if style_count == 0:
            if index is not None:
                raise PackError(pack, f"manifest: {where}.style_index must be null for a one-style network")
        else:
            index = _int_in(pack, entry, "style_index", 0, style_count - 1, where)
            if index in indices:
                raise PackError(pack, f"manifest: style index {index} appears twice")
            indices.add(index)
        _path(pack, entry, "thumbnail", listed, where)

    sample = _need(pack, data, "sample", dict, "manifest")
    _path(pack, sample, "input", listed, "sample")
    outputs = _need(pack, sample, "outputs", list, "sample")
    for i, entry in enumerate(outputs):
        where = f"sample.outputs[{i}]"
        _path(pack, entry, "path", listed, where)
        if _path(pack, entry, "native_model", listed, where) not in native_paths:
            raise PackError(pack, f"manifest: {where}.native_model is not one of native_models")
        if _need(pack, entry, "style", str, where) not in ids:
            raise PackError(pack, f"manifest: {where}.style {entry['style']!r} is not a style of the pack")
    covered = {(o["native_model"], o["style"]) for o in outputs}
    missing = [(n, s) for n in native_paths for s in ids if (n, s) not in covered]
    if missing:
        raise PackError(pack, f"manifest: no sample output for native model {missing[0][0]!r} "
                              f"and style {missing[0][1]!r}")

    pred = _need(pack, data, "predictions", dict, "manifest")
    _need(pack, pred, "devices", dict, "predictions")
    for dev, value in pred["devices"].items():
        for key in ("ms", "fps"):
            v = value.get(key) if isinstance(value, dict) else None
            if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
                raise PackError(pack, f"manifest: predictions.devices.{dev}.{key} must be a number >= 0")
    return data


def referenced_files(data: dict) -> list[str]:
    """Every path a validated manifest refers to (all are also in 'files')."""
    paths = [data["model"]["onnx"], data["model"]["ort"], data["native_model"]]
    if data["model"].get("ort_required_operators"):
        paths.append(data["model"]["ort_required_operators"])
    paths += [n["path"] for n in data["native_models"]]
    paths += [s["thumbnail"] for s in data["styles"]]
    paths.append(data["sample"]["input"])
    paths += [o["path"] for o in data["sample"]["outputs"]]
    return sorted(set(paths))
