"""Checking a `.stylepack` end to end, before anything of it is used or written anywhere.

Order matters: the zip is read with every structural check first (safezip), then the manifest
is authenticated by its checksum file and validated against the schema, then every member is
checked against the manifest's sizes and sha256 (and no member may be unlisted), then the
native model's tables are checked for absurd tensor shapes before the C loader sees them, and
only then do the models load and run: both onnxruntime forms on the sample input, and the
native model, whose output must equal the stored sample output byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass, field

import numpy as np

from editor.core.stylepack import frames, manifest
from editor.core.stylepack.errors import PackError
from editor.core.stylepack.safezip import DEFAULT_LIMITS, Limits, read_members

MAX_TENSOR_ELEMENTS = 16 * 1024 * 1024       # 64 MB of float weights: far beyond any phone network
MAX_ACTIVATION_BYTES = 1024 * 1024 * 1024    # largest layer output at the processing size
ORT_TOLERANCE = 1e-4


@dataclass
class Pack:
    """A verified pack: its manifest and its members' bytes, by name."""
    path: str
    manifest: dict
    members: dict[str, bytes]
    checks: list[str] = field(default_factory=list)


def load_members(path, limits: Limits = DEFAULT_LIMITS) -> tuple[dict, dict[str, bytes]]:
    """Structure, manifest checksum, schema and per-file checksums; no model is loaded."""
    pack = str(path)
    members = read_members(path, limits)
    if manifest.MANIFEST not in members:
        raise PackError(pack, f"no {manifest.MANIFEST} in the pack")
    if manifest.MANIFEST_SUM not in members:
        raise PackError(pack, f"no {manifest.MANIFEST_SUM} in the pack")
    text = members[manifest.MANIFEST]
    stated = members[manifest.MANIFEST_SUM].decode("ascii", "replace").strip()
    if hashlib.sha256(text).hexdigest() != stated:
        raise PackError(pack, f"checksum mismatch: {manifest.MANIFEST} does not match {manifest.MANIFEST_SUM}")
    try:
        data = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackError(pack, f"{manifest.MANIFEST} is not valid UTF-8 JSON ({exc})") from None
    manifest.validate(pack, data)
    listed = {}
    for entry in data["files"]:
        name = entry["path"]
        if name not in members:
            raise PackError(pack, f"the manifest names {name!r}, which is missing from the pack")
        blob = members[name]
        if len(blob) != entry["bytes"]:
            raise PackError(pack, f"size mismatch: {name!r} has {len(blob)} bytes, the manifest says {entry['bytes']}")
        if hashlib.sha256(blob).hexdigest() != entry["sha256"]:
            raise PackError(pack, f"checksum mismatch: {name!r} does not match its sha256 in the manifest")
        listed[name] = blob
    extra = sorted(set(members) - set(listed) - {manifest.MANIFEST, manifest.MANIFEST_SUM})
    if extra:
        raise PackError(pack, f"member {extra[0]!r} is not listed in the manifest")
    return data, members


def check_native_tables(pack: str, name: str, blob: bytes) -> None:
    """Tensor table sanity from the file itself (docs/NATIVE_FORMAT.md), before the C loader:
    a shape whose element count is absurd for a phone network is refused by name."""
    if len(blob) < 160 or blob[:8] != b"SCNMODEL":
        raise PackError(pack, f"{name}: not a native model (no SCNMODEL header)")
    version, = struct.unpack_from("<I", blob, 8)
    if version != 1:
        raise PackError(pack, f"{name}: native format version {version} is not supported (reads 1)")
    num_tensors, = struct.unpack_from("<I", blob, 60)
    table, = struct.unpack_from("<I", blob, 76)
    if num_tensors > 65536 or table + 32 * num_tensors > len(blob):
        raise PackError(pack, f"{name}: tensor table lies outside the file")
    for i in range(num_tensors):
        dtype, ndim, *dims = struct.unpack_from("<II4I", blob, table + 32 * i)
        if not 1 <= ndim <= 4:
            raise PackError(pack, f"{name}: tensor {i} has {ndim} dimensions")
        count = 1
        for d in dims[:ndim]:
            count *= d
        if count == 0 or count > MAX_TENSOR_ELEMENTS:
            raise PackError(pack, f"{name}: tensor {i} has the absurd shape {list(dims[:ndim])}")


def _native_checks(pack: str, data: dict, members: dict[str, bytes]) -> list[str]:
    from native.errors import NativeModelError, NativeRunError
    from native.runtime import Model, Session

    checks = []
    inp = data["input"]
    w, h = inp["prediction_size"]
    style_index = {s["id"]: s["style_index"] for s in data["styles"]}
    sample = frames.parse_ppm(pack, data["sample"]["input"], members[data["sample"]["input"]])
    models = {}
    for entry in data["native_models"]:
        name = entry["path"]
        blob = members[name]
        check_native_tables(pack, name, blob)
        try:
            model = Model.load(blob)
        except NativeModelError as exc:
            raise PackError(pack, f"{name}: the native runtime refuses it ({exc.problem})") from None
        info = model.info
        if info.in_channels != 3 or info.out_channels != 3:
            raise PackError(pack, f"{name}: not an RGB network ({info.in_channels} -> {info.out_channels} channels)")
        if info.num_styles != data["model"]["style_count"]:
            raise PackError(pack, f"{name}: has {info.num_styles} styles, the manifest says "
                                  f"{data['model']['style_count']}")
        if (info.size_multiple, info.min_size) != (inp["size_multiple"], inp["min_size"]):
            raise PackError(pack, f"{name}: accepts sides multiple of {info.size_multiple} and >= {info.min_size}, "
                                  f"the manifest says {inp['size_multiple']} and {inp['min_size']}")
        if info.is_int8 != (entry["precision"] == "int8"):
            raise PackError(pack, f"{name}: precision is not {entry['precision']}")
        try:
            layers = model.layers(h, w)
        except (NativeModelError, NativeRunError) as exc:
            raise PackError(pack, f"{name}: does not accept its own prediction size {w}x{h} ({exc.problem})") from None
        biggest = max(4 * c * hh * ww for c, hh, ww in (layer.out_shape for layer in layers))
        if biggest > MAX_ACTIVATION_BYTES:
            raise PackError(pack, f"{name}: a layer needs {biggest} bytes at {w}x{h}: absurd tensor shapes")
        models[name] = model
    checks.append(f"native models load: {', '.join(models)}")
    for out in data["sample"]["outputs"]:
        model = models[out["native_model"]]
        session = Session(model, threads=1)
        if model.info.num_styles:
            session.set_style(style_index[out["style"]] or 0)
        try:
            got = frames.ppm_bytes(session.run(sample))
        except NativeRunError as exc:
            raise PackError(pack, f"{out['native_model']}: cannot run the sample input ({exc.problem})") from None
        if got != members[out["path"]]:
            raise PackError(pack, f"{out['path']}: the native output on the sample input differs from the "
                                  "stored sample output")
    checks.append(f"native output equals the stored samples byte for byte ({len(data['sample']['outputs'])} outputs)")
    return checks


def check_onnx_self_contained(pack: str, name: str, blob: bytes) -> None:
    """Weights must be inside the file: an external-data reference would make onnxruntime read
    a file outside the pack (any path the model names)."""
    import onnx

    try:
        model = onnx.ModelProto.FromString(blob)     # parse only: never follows references
    except Exception as exc:  # protobuf raises DecodeError and others for garbage
        raise PackError(pack, f"{name}: not an ONNX model ({str(exc)[:200]})") from None

    def tensors(graph):
        yield from graph.initializer
        for node in graph.node:
            for attr in node.attribute:
                if attr.HasField("t"):
                    yield attr.t
                yield from attr.tensors
                if attr.HasField("g"):
                    yield from tensors(attr.g)
                for g in attr.graphs:
                    yield from tensors(g)

    for tensor in tensors(model.graph):
        if tensor.data_location == onnx.TensorProto.EXTERNAL or tensor.external_data:
            raise PackError(pack, f"{name}: tensor {tensor.name!r} refers to external data; "
                                  "a pack's ONNX model must hold its weights")


def _ort_checks(pack: str, data: dict, members: dict[str, bytes]) -> list[str]:
    import onnxruntime as ort

    check_onnx_self_contained(pack, data["model"]["onnx"], members[data["model"]["onnx"]])

    sample = frames.parse_ppm(pack, data["sample"]["input"], members[data["sample"]["input"]])
    x = np.ascontiguousarray((sample.astype(np.float32) / 255.0).transpose(2, 0, 1)[None])
    count = data["model"]["style_count"]
    first = data["styles"][0]["style_index"]
    results = {}
    for key in ("onnx", "ort"):
        name = data["model"][key]
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.log_severity_level = 4
        try:
            sess = ort.InferenceSession(members[name], opts, providers=["CPUExecutionProvider"])
            inputs = {i.name for i in sess.get_inputs()}
            feeds = {data["model"].get("image_input") or "image": x}
            if count:
                weights = np.zeros(count, np.float32)
                weights[first or 0] = 1.0
                feeds[data["model"].get("style_input") or "style_weights"] = weights
            if set(feeds) != inputs:
                raise PackError(pack, f"{name}: inputs are {sorted(inputs)}, the manifest implies {sorted(feeds)}")
            y = sess.run(None, feeds)[0]
        except PackError:
            raise
        except Exception as exc:  # onnxruntime raises its own exception types for bad models
            raise PackError(pack, f"{name}: onnxruntime cannot load or run it ({str(exc).splitlines()[0][:200]})") from None
        if y.shape != (1, 3) + sample.shape[:2] or not np.isfinite(y).all():
            raise PackError(pack, f"{name}: output shape {list(y.shape)} or values are wrong for the sample input")
        results[key] = y
    diff = float(np.abs(results["onnx"] - results["ort"]).max())
    if diff > ORT_TOLERANCE:
        raise PackError(pack, f"the ORT model disagrees with the ONNX model (max difference {diff:.3g})")
    return [f"ONNX and ORT models load and run on the sample input (max difference {diff:.2g})"]


def verify_pack(path, limits: Limits = DEFAULT_LIMITS) -> Pack:
    """Every check of the format; returns the verified pack. Raises PackError naming the pack."""
    pack = str(path)
    data, members = load_members(path, limits)
    checks = [f"zip structure, names and sizes ({len(members)} members)",
              "manifest checksum and schema (format version %d)" % data["format_version"],
              f"sha256 and size of {len(data['files'])} files"]
    for style in data["styles"]:
        frames.check_png(pack, style["thumbnail"], members[style["thumbnail"]])
    checks.append(f"{len(data['styles'])} thumbnails are PNG images")
    checks += _native_checks(pack, data, members)
    checks += _ort_checks(pack, data, members)
    return Pack(path=pack, manifest=data, members=members, checks=checks)
