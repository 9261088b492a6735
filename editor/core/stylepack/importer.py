"""Importing a verified pack into the user's style library (models.catalog reads it).

Library layout after `import_pack` of a pack with id P and styles S1..Sn:

    LIBRARY/P.pack/          the pack's members as listed in its manifest (plus the manifest)
    LIBRARY/P.S1/style.json  one catalog entry per style, its paths pointing into ../P.pack/
    ...

Style ids in the library are `P.S`, so a pack never shadows a shipped style or another pack's.
The pack is verified completely in memory first; then everything is written into a temporary
folder inside the library and moved into place by renames, so a failed import leaves nothing
behind and nothing is ever written outside the library folder.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from editor.core.stylepack import manifest
from editor.core.stylepack.errors import PackError
from editor.core.stylepack.safezip import DEFAULT_LIMITS, Limits
from editor.core.stylepack.verify import verify_pack

STAGING_PREFIX = ".import-"


@dataclass
class ImportReport:
    pack_folder: Path
    style_ids: list[str]
    replaced: bool


def _inside(root: Path, path: Path) -> Path:
    """Defence in depth: names were checked already, but never write outside `root`."""
    resolved = path.resolve()
    if resolved != root and root not in resolved.parents:
        raise PackError(str(path), "would be written outside the library folder")
    return path


def _style_entry(data: dict, style: dict, pack_dir: str) -> dict:
    rel = lambda p: f"../{pack_dir}/{p}"  # noqa: E731 - paths relative to the style's folder
    natives = {n["precision"]: rel(n["path"]) for n in data["native_models"]}
    return {
        "id": f"{data['id']}.{style['id']}",
        "name": style["name"],
        "model": rel(data["model"]["onnx"]),
        "style_index": style["style_index"],
        "style_count": data["model"]["style_count"],
        "teacher": None,
        "macs_per_pixel": 0.0,
        "licence": data["licence"],
        "attribution": data["attribution"],
        "thumbnail": rel(style["thumbnail"]),
        "pack": {"id": data["id"], "name": data["name"], "author": data["author"], "created": data["created"]},
        "native_models": natives,
        "ort_model": rel(data["model"]["ort"]),
        "processing_size": data["input"]["processing_size"],
    }


def _macs_per_pixel(onnx_path: Path) -> float:
    try:
        from models.macs import macs_per_pixel

        return round(float(macs_per_pixel(onnx_path, 256, 256)), 1)
    except Exception:  # the estimate is informative only; the pack verified already
        return 0.0


def _earlier_styles(root: Path, pack_id: str) -> list[str]:
    """Library style folders written by an earlier import of the pack `pack_id`."""
    found = []
    for sub in root.glob(f"{pack_id}.*"):
        if sub.is_symlink() or not sub.is_dir():
            continue
        try:
            entry = json.loads((sub / "style.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(entry, dict) and isinstance(entry.get("pack"), dict) and entry["pack"].get("id") == pack_id:
            found.append(sub.name)
    return sorted(found)


def import_pack(path, library: Path | None = None, replace: bool = False,
                limits: Limits = DEFAULT_LIMITS) -> ImportReport:
    from models.catalog import STYLE_FILE, library_dir

    verified = verify_pack(path, limits)
    data = verified.manifest
    root = Path(library) if library is not None else library_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
        root = root.resolve()
    except OSError as exc:
        raise PackError(root, f"cannot create the style library folder ({exc.strerror})") from None
    pack_dir = f"{data['id']}.pack"
    targets = [pack_dir] + [f"{data['id']}.{s['id']}" for s in data["styles"]]
    existing = [t for t in targets if (root / t).exists() or (root / t).is_symlink()]
    if replace:
        # styles an earlier version of this pack had and this one has not go too
        existing += [t for t in _earlier_styles(root, data["id"]) if t not in targets]
    if existing and not replace:
        raise PackError(verified.path, f"already imported into {root} ({existing[0]} exists); "
                                       "use --replace to update it")

    try:
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=root))
    except OSError as exc:
        raise PackError(root, f"cannot write into the style library ({exc.strerror})") from None
    moved: list[Path] = []
    parked: list[tuple[Path, Path]] = []
    try:
        stage_pack = _inside(staging, staging / pack_dir)
        for name, blob in verified.members.items():
            dest = _inside(staging, stage_pack / name)
            dest.parent.mkdir(parents=True, exist_ok=True)
            with open(dest, "xb") as f:
                f.write(blob)
        mpp = _macs_per_pixel(stage_pack / data["model"]["onnx"])
        for style in data["styles"]:
            entry = _style_entry(data, style, pack_dir)
            entry["macs_per_pixel"] = mpp
            folder = _inside(staging, staging / f"{data['id']}.{style['id']}")
            folder.mkdir()
            (folder / STYLE_FILE).write_text(json.dumps(entry, indent=2) + "\n", encoding="utf-8")
        # Old copies are parked in the staging folder (same file system: renames) and dropped
        # only once the new ones are all in place.
        parking = staging / ".previous"
        parking.mkdir()
        for t in existing:
            parked.append((root / t, parking / t))
            os.replace(root / t, parking / t)
        for t in targets:
            os.replace(staging / t, root / t)
            moved.append(root / t)
    except BaseException as exc:
        for dest in reversed(moved):
            shutil.rmtree(dest, ignore_errors=True)
        for original, parked_at in reversed(parked):
            try:
                os.replace(parked_at, original)
            except OSError:
                pass
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise PackError(root, f"import failed, nothing was changed ({exc.strerror or exc})") from None
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return ImportReport(pack_folder=root / pack_dir, style_ids=[f"{data['id']}.{s['id']}" for s in data["styles"]],
                        replaced=bool(existing))

