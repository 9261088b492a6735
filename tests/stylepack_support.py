"""Shared by the style pack tests: one real pack built once per test run, and rewriting packs.

The pack comes from the small multi-style test network (tests/style_nets.py) through the real
export path: the native runtime's converter, onnxruntime's ORT converter, the device model.
`rezip` writes members back as a zip with a consistent manifest (fresh sha256s and checksum
file) so a test can change one thing and know every other check still passes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

from editor.core.stylepack import manifest as mf

STYLES = ("test-ember", "test-moss")       # indices 0 and 2 of the three-style test network
SIZE = 144
_built: dict = {}


def built_pack(request, tmp_path_factory) -> Path:
    """The pack (int8 + fp32 native models), exported once; a fresh copy for each caller."""
    from style_nets import style_environment

    from editor.core.stylepack import export_pack

    if "pack" not in _built:
        _built["env"] = style_environment(request, tmp_path_factory)
        out = tmp_path_factory.mktemp("built_pack") / "test.stylepack"
        _built["report"] = export_pack(list(STYLES), out, size=SIZE, precisions=("int8", "fp32"),
                                       author="StyleCut tests", created="2026-01-01T00:00:00Z")
        _built["pack"] = out
    else:
        _use_environment(request, *_built["env"])
    copy = tmp_path_factory.mktemp("pack") / "test.stylepack"
    shutil.copyfile(_built["pack"], copy)
    return copy


def _use_environment(request, library, network, cache) -> None:
    """Point the style library and model cache at the run's scratch folders again for the
    calling module (the first module's fixture restores the originals when it ends)."""
    import os

    saved = {k: os.environ.get(k) for k in ("STYLECUT_LIBRARY", "STYLECUT_CACHE_DIR")}
    os.environ["STYLECUT_LIBRARY"] = str(library)
    os.environ["STYLECUT_CACHE_DIR"] = str(cache)

    def restore():
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

    request.addfinalizer(restore)


def members_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def rezip(path: Path, members: dict[str, bytes], fix_manifest: bool = True, edit=None) -> Path:
    """Write `members` as a zip at `path`. With fix_manifest, the manifest's file list and its
    checksum file are recomputed from the members (after `edit(manifest_dict)` if given)."""
    members = dict(members)
    if fix_manifest:
        data = json.loads(members[mf.MANIFEST])
        if edit:
            edit(data)
        listed = {f["path"] for f in data["files"]}
        data["files"] = [{"path": p, "sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b)}
                         for p, b in sorted(members.items())
                         if p not in (mf.MANIFEST, mf.MANIFEST_SUM) and p in listed]
        text = json.dumps(data, indent=2).encode()
        members[mf.MANIFEST] = text
        members[mf.MANIFEST_SUM] = (hashlib.sha256(text).hexdigest() + "\n").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    return path


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (relative path -> bytes): to prove nothing changed."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
