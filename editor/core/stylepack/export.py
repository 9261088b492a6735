"""Writing a `.stylepack`: one network, the chosen styles, everything a phone app loads.

    report = export_pack(["cobalt-and-gold", "graphite-wash"], "styles.stylepack", size=360,
                         precisions=("int8",))

The styles must live in one network (a multi-style network keeps all its weights and the pack
lists the chosen style indices). The pack's native model is the very file the editor's phone
preview runs (the same conversion and int8 calibration, from the same cache), so what the
preview showed is what the phone shows.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from editor.core.stylepack import frames, manifest, ort_format
from editor.core.stylepack.errors import PackError

SAMPLE_SIZE = (192, 108)         # width, height before rounding to the network's size multiple
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed member times: the same content gives the same bytes
MB = 1024 * 1024
PLATFORM_LIMITS = (("Meta Spark AR", 4 * MB), ("Snap Lens Studio", 8 * MB))


@dataclass
class ExportReport:
    path: Path
    bytes: int
    manifest: dict
    payload: dict = field(default_factory=dict)   # what an app ships: runtime -> bytes

    def limit_lines(self) -> list[str]:
        lines = []
        for platform, limit in PLATFORM_LIMITS:
            verdict = "fits" if self.bytes <= limit else "TOO LARGE"
            lines.append(f"{platform} limit {limit // MB} MB: whole pack {verdict} "
                         f"({100.0 * self.bytes / limit:.0f}% of the limit)")
        return lines


def _round_up(value: float, multiple: int, minimum: int) -> int:
    # up, as the effect pads a frame to the network's multiple before running it
    n = -(-int(round(value)) // multiple) * multiple
    return max(-(-minimum // multiple) * multiple, n, multiple)


def prediction_size(processing_size: int, multiple: int, minimum: int) -> tuple[int, int]:
    """The 16:9 frame (width, height) whose short side is the processing size, on the
    network's size grid: the size the per-phone frame rates are predicted at."""
    h = _round_up(processing_size, multiple, minimum)
    w = _round_up(processing_size * 16 / 9, multiple, minimum)
    return w, h


def sample_size(multiple: int, minimum: int) -> tuple[int, int]:
    w = max(minimum, SAMPLE_SIZE[0] // multiple * multiple, multiple)
    h = max(minimum, SAMPLE_SIZE[1] // multiple * multiple, multiple)
    w, h = (-(-w // multiple) * multiple, -(-h // multiple) * multiple)
    return w, h


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def resolve_styles(style_ids: list[str]):
    """The catalog styles, which must share one network file."""
    from models import catalog

    if not style_ids:
        raise PackError(None, "choose at least one style (--style ID)")
    if catalog.CATALOG.is_file():
        styles, _ = catalog.all_styles()
    else:  # an installation without shipped styles still exports the user's own
        styles, _ = catalog.load_library()
    by_id = {s.id: s for s in styles}
    chosen = []
    for sid in style_ids:
        if sid not in by_id:
            raise PackError(sid, f"no such style (known: {', '.join(sorted(by_id)) or 'none'})")
        if any(c.id == sid for c in chosen):
            raise PackError(sid, "style chosen twice")
        chosen.append(by_id[sid])
    first = chosen[0]
    for s in chosen[1:]:
        if s.model != first.model:
            raise PackError(s.id, f"lives in network {s.model}, but {first.id!r} lives in {first.model}: "
                                  "a pack holds one network, so export them as separate packs")
    return chosen


def native_model_bytes(onnx_path: Path, precision: str) -> bytes:
    # The editor's phone preview runs the cached conversion of this network; shipping that very
    # file keeps the phone's output identical to the preview.
    from plugins.style_transfer.model_cache import native_model

    return Path(native_model(onnx_path, int8=precision == "int8")).read_bytes()


def _run_native(model_bytes: bytes, rgb: np.ndarray, style_index: int | None) -> np.ndarray:
    from native.runtime import Model, Session

    model = Model.load(model_bytes)
    session = Session(model, threads=1)
    if model.info.num_styles:
        session.set_style(style_index or 0)
    return session.run(np.ascontiguousarray(rgb))


def _predictions(model_bytes: bytes, size: tuple[int, int]) -> dict:
    import tempfile

    from editor.core import devices

    with tempfile.TemporaryDirectory(prefix="stylecut-pack-") as tmp:
        path = Path(tmp) / "model.scn"
        path.write_bytes(model_bytes)
        net = devices.load_network(path, size=size)
    out = {}
    for prof in devices.all_profiles():
        if prof.host or not prof.default:
            continue
        pred = devices.predict(net, prof)
        out[prof.id] = {"name": prof.name, "soc": prof.soc, "year": prof.year, "threads": prof.threads,
                        "ms": round(pred.total_ms, 3), "fps": round(pred.fps, 2)}
    return out


def export_pack(style_ids: list[str], output, size: int = 360, precisions=("int8",), sample=None,
                pack_id: str | None = None, name: str | None = None, author: str = "",
                created: str | None = None, progress=None) -> ExportReport:
    """Write the pack; returns its report. The file appears only when complete."""
    from editor import __version__
    from native.runtime import Model

    say = progress or (lambda text: None)
    output = Path(output)
    if not output.name.endswith(manifest.SUFFIX):
        raise PackError(output, f"a style pack file name ends in {manifest.SUFFIX}")
    if not 8 <= size <= manifest.MAX_SIDE:
        raise PackError(None, f"--size must be within 8..{manifest.MAX_SIDE}, got {size}")
    precisions = tuple(dict.fromkeys(precisions))
    if not precisions or any(p not in manifest.PRECISIONS for p in precisions):
        raise PackError(None, f"precisions must be among {manifest.PRECISIONS}, got {precisions}")
    styles = resolve_styles(list(style_ids))
    onnx_path = styles[0].model
    try:
        onnx_bytes = onnx_path.read_bytes()
    except OSError as exc:
        raise PackError(onnx_path, f"cannot read the style network ({exc.strerror})") from None
    pack_id = pack_id or manifest.slug(output.name[: -len(manifest.SUFFIX)])
    if not manifest.ID_PATTERN.match(pack_id):
        raise PackError(None, f"pack id {pack_id!r} must be 1-64 characters of a-z 0-9 _ -")

    files: dict[str, bytes] = {"model.onnx": onnx_bytes}
    say("converting to the ORT format (onnxruntime's converter)")
    files["model.ort"], config = ort_format.convert(onnx_bytes, "model")
    if config:
        files["model.required_operators.config"] = config

    natives = []
    for precision in precisions:
        say(f"native model ({precision})")
        data = native_model_bytes(onnx_path, precision)
        path = f"native/model-{precision}.scn"
        files[path] = data
        natives.append({"path": path, "precision": precision, "format_version": Model.load(data).info.version})
    info = Model.load(files[natives[0]["path"]]).info
    if info.in_channels != 3 or info.out_channels != 3:
        raise PackError(onnx_path, f"not an RGB network ({info.in_channels} -> {info.out_channels} channels)")

    sw, sh = sample_size(info.size_multiple, info.min_size)
    if sample is not None:
        from native import imageio

        picture = frames.fit(imageio.read_rgb(sample), sw, sh)
    else:
        picture = frames.default_sample(sw, sh)
    files["sample/input.ppm"] = frames.ppm_bytes(picture)
    outputs, style_entries = [], []
    for s in styles:
        for n in natives:
            say(f"sample output: {s.id} ({n['precision']})")
            rgb = _run_native(files[n["path"]], picture, s.style_index)
            out_path = f"sample/{n['precision']}-{manifest.slug(s.id)}.ppm"
            files[out_path] = frames.ppm_bytes(rgb)
            outputs.append({"style": manifest.slug(s.id), "native_model": n["path"], "path": out_path})
        thumb_path = f"thumbnails/{manifest.slug(s.id)}.png"
        if s.thumbnail is not None and s.thumbnail.is_file() and s.thumbnail.suffix.lower() == ".png":
            files[thumb_path] = s.thumbnail.read_bytes()
        else:
            files[thumb_path] = frames.thumbnail(frames.parse_ppm(str(output), out_path, files[outputs[-1]["path"]]))
        style_entries.append({"id": manifest.slug(s.id), "name": s.name, "style_index": s.style_index
                              if s.style_count else None, "thumbnail": thumb_path, "source_id": s.id})

    w, h = prediction_size(size, info.size_multiple, info.min_size)
    say(f"predicting frame rates at {w}x{h}")
    predictions = {"native_model": natives[0]["path"], "size": [w, h],
                   "devices": _predictions(files[natives[0]["path"]], (w, h))}

    licences = sorted({s.licence for s in styles})
    attributions = sorted({s.attribution for s in styles if s.attribution})
    data = {
        "format": manifest.FORMAT,
        "format_version": manifest.FORMAT_VERSION,
        "id": pack_id,
        "name": name or ", ".join(s.name for s in styles),
        "author": author,
        "licence": "; ".join(licences),
        "attribution": " ".join(attributions),
        "created": created or _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "generator": {"name": "stylecut", "version": __version__},
        "input": {"processing_size": size, "size_multiple": info.size_multiple, "min_size": info.min_size,
                  "colour": "rgb8", "prediction_size": [w, h]},
        "model": {"onnx": "model.onnx", "ort": "model.ort",
                  "ort_required_operators": "model.required_operators.config" if config else None,
                  "style_count": styles[0].style_count, "image_input": "image",
                  "style_input": "style_weights" if styles[0].style_count else None},
        "native_model": natives[0]["path"],
        "native_models": natives,
        "styles": style_entries,
        "sample": {"input": "sample/input.ppm", "outputs": outputs},
        "predictions": predictions,
        "files": [{"path": p, "sha256": sha256(b), "bytes": len(b)} for p, b in sorted(files.items())],
    }
    manifest.validate(str(output), data)
    text = (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    members = {manifest.MANIFEST: text, manifest.MANIFEST_SUM: (sha256(text) + "\n").encode()}
    members.update(sorted(files.items()))
    _write_zip(output, members)
    payload = {
        "native": len(text) + len(files[natives[0]["path"]]) + sum(len(files[s["thumbnail"]]) for s in style_entries),
        "ort": len(text) + len(files["model.ort"]) + sum(len(files[s["thumbnail"]]) for s in style_entries),
    }
    return ExportReport(path=output, bytes=output.stat().st_size, manifest=data, payload=payload)


def _write_zip(output: Path, members: dict[str, bytes]) -> None:
    tmp = output.with_name(output.name + ".part")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(tmp, "w") as zf:
            for path, data in members.items():
                info = zipfile.ZipInfo(path, ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                info.create_system = 3
                zf.writestr(info, data, compresslevel=9)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, output)
    except OSError as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise PackError(output, f"cannot write the pack ({exc.strerror})") from None
