"""Importing packs into the style library: the styles reach the catalog and the effect; a
refused or failed import leaves the library exactly as it was."""

from __future__ import annotations

import os

import numpy as np
import pytest
from stylepack_support import built_pack, members_of, rezip, tree

from editor.core.stylepack import import_pack
from editor.core.stylepack import manifest as mf
from editor.core.stylepack.errors import PackError
from editor.core.stylepack.importer import STAGING_PREFIX


@pytest.fixture(scope="module")
def pack(request, tmp_path_factory):
    return built_pack(request, tmp_path_factory)


def test_round_trip_into_the_catalog(pack, tmp_path):
    from models.catalog import load_library

    lib = tmp_path / "lib"
    report = import_pack(pack, library=lib)
    assert report.style_ids == ["test.test-ember", "test.test-moss"]
    styles, problems = load_library(lib)
    assert problems == []
    by_id = {s.id: s for s in styles}
    assert set(by_id) == set(report.style_ids)
    ember = by_id["test.test-ember"]
    assert ember.style_index == 0 and ember.style_count == 3 and by_id["test.test-moss"].style_index == 2
    assert ember.model == (lib / "test.pack" / "model.onnx").resolve() and ember.model.is_file()
    assert ember.thumbnail.is_file()
    assert ember.extra["pack"]["author"] == "StyleCut tests"
    # the library holds the pack's bytes unchanged, so the imported copy verifies as the pack did
    members = members_of(pack)
    assert tree(lib / "test.pack") == members
    assert not [p for p in lib.iterdir() if p.name.startswith(STAGING_PREFIX)]


def test_imported_styles_run_in_the_style_effect(pack, tmp_path, monkeypatch):
    """The plugin lists the imported styles, and its phone preview backends (int8 and fp32) render
    the pack's sample input to exactly the pack's stored sample outputs."""
    from editor.core.stylepack.frames import parse_ppm
    from plugins.style_transfer import styles as style_list

    lib = tmp_path / "lib"
    import_pack(pack, library=lib)
    monkeypatch.setenv("STYLECUT_LIBRARY", str(lib))
    style_list.refresh()
    assert {"test.test-ember", "test.test-moss"} <= set(style_list.ids())
    choice = style_list.resolve("test.test-moss", "")
    assert choice.weights is not None and int(np.argmax(choice.weights)) == 2

    from plugins.style_transfer.backends import get_backend

    members = members_of(pack)
    sample = parse_ppm("pack", "in", members["sample/input.ppm"])
    for kind, precision in (("phone-int8", "int8"), ("phone", "fp32")):
        out = get_backend(kind, choice.model).run(sample, choice.weights)
        assert out.tobytes() == parse_ppm("pack", "out", members[f"sample/{precision}-test-moss.ppm"]).tobytes()


def test_second_import_needs_replace(pack, tmp_path):
    lib = tmp_path / "lib"
    import_pack(pack, library=lib)
    before = tree(lib)
    with pytest.raises(PackError, match="already imported"):
        import_pack(pack, library=lib)
    assert tree(lib) == before
    report = import_pack(pack, library=lib, replace=True)
    assert report.replaced and tree(lib) == before


@pytest.mark.parametrize("damage", ["flip", "traversal", "unknown_version", "missing"])
def test_refused_import_leaves_nothing(pack, tmp_path, damage):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "keep.txt").write_text("the user's own file")
    members = members_of(pack)
    bad = tmp_path / "bad.stylepack"
    if damage == "flip":
        blob = bytearray(members["native/model-int8.scn"])
        blob[1000] ^= 1
        members["native/model-int8.scn"] = bytes(blob)
        rezip(bad, members, fix_manifest=False)
    elif damage == "traversal":
        members["../../escaped.txt"] = b"x"
        rezip(bad, members, fix_manifest=False)
    elif damage == "unknown_version":
        rezip(bad, members, edit=lambda m: m.update(format_version=99))
    else:
        del members["model.ort"]
        rezip(bad, members, fix_manifest=False)
    before = tree(tmp_path)
    with pytest.raises(PackError) as err:
        import_pack(bad, library=lib)
    assert str(bad) in str(err.value)
    assert tree(tmp_path) == before
    assert sorted(p.name for p in lib.iterdir()) == ["keep.txt"]
    assert not (tmp_path.parent / "escaped.txt").exists()


def test_library_that_is_a_file(pack, tmp_path):
    lib = tmp_path / "lib"
    lib.write_text("not a folder")
    with pytest.raises(PackError, match="cannot create the style library folder"):
        import_pack(pack, library=lib)
    assert lib.read_text() == "not a folder"


def test_rollback_restores_previous_import(pack, tmp_path, monkeypatch):
    """The third rename fails: the new folders already moved are removed and the previous
    import is put back, byte for byte."""
    import editor.core.stylepack.importer as importer

    lib = tmp_path / "lib"
    import_pack(pack, library=lib)
    before = tree(lib)
    real_replace = os.replace
    calls = {"n": 0}

    def flaky(src, dst):
        if str(dst).startswith(str(lib.resolve())) and ".previous" not in str(dst) and \
                ".previous" not in str(src):
            calls["n"] += 1
            if calls["n"] == 3:
                raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(importer.os, "replace", flaky)
    with pytest.raises(PackError, match="nothing was changed"):
        import_pack(pack, library=lib, replace=True)
    monkeypatch.setattr(importer.os, "replace", real_replace)
    assert calls["n"] == 3
    assert tree(lib) == before
    assert not [p for p in lib.iterdir() if p.name.startswith(STAGING_PREFIX)]


def test_symlinked_target_is_not_followed(pack, tmp_path):
    """A style folder name that is a symlink to elsewhere counts as taken, and --replace moves
    the link itself, never writing through it."""
    lib = tmp_path / "lib"
    lib.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (lib / "test.pack").symlink_to(outside)
    with pytest.raises(PackError, match="already imported"):
        import_pack(pack, library=lib)
    import_pack(pack, library=lib, replace=True)
    assert list(outside.iterdir()) == []
    assert (lib / "test.pack").is_dir() and not (lib / "test.pack").is_symlink()
    assert (lib / "test.pack" / mf.MANIFEST).is_file()


def test_fuzzed_imports_leave_the_library_alone(pack, tmp_path):
    """Random damage to a valid pack for a bounded time (fixed seed): every import either
    succeeds completely or raises PackError and leaves the library byte for byte as it was."""
    import random
    import time

    rng = random.Random(99)
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "keep.txt").write_text("the user's own file")
    raw = pack.read_bytes()
    members = members_of(pack)
    names = sorted(n for n in members if n not in (mf.MANIFEST, mf.MANIFEST_SUM))
    deadline = time.monotonic() + 6.0
    runs = 0
    while time.monotonic() < deadline and runs < 200:
        runs += 1
        bad = tmp_path / "fuzz.stylepack"
        if rng.random() < 0.5:
            data = bytearray(raw)
            for _ in range(rng.randint(1, 6)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            bad.write_bytes(bytes(data))
        else:
            damaged = dict(members)
            name = rng.choice(names)
            blob = bytearray(damaged[name])
            blob[rng.randrange(len(blob))] ^= 1 << rng.randrange(8)
            damaged[name] = bytes(blob)
            rezip(bad, damaged)
        before = tree(lib)
        try:
            report = import_pack(bad, library=lib)
        except PackError as exc:
            assert str(bad) in str(exc) or str(lib) in str(exc)
            assert tree(lib) == before
        else:     # damage the checks cannot see (zip fields nobody reads): a whole import
            assert (report.pack_folder / mf.MANIFEST).is_file()
            import shutil
            for p in lib.iterdir():
                if p.name != "keep.txt":
                    shutil.rmtree(p)
        assert not [p for p in lib.iterdir() if p.name.startswith(STAGING_PREFIX)]
    assert runs >= 10


def test_replace_drops_styles_the_new_version_lacks(pack, tmp_path):
    """Version 1 of pack 'test' had ember and moss; version 2 only moss: after --replace the
    library has no stale ember entry. Folders of other packs and trained styles stay."""
    from models.catalog import load_library

    lib = tmp_path / "lib"
    import_pack(pack, library=lib)
    (lib / "test-trained").mkdir()
    (lib / "test-trained" / "notes.txt").write_text("a trained style's folder")
    members = members_of(pack)

    def only_moss(m):
        m["styles"] = [s for s in m["styles"] if s["id"] == "test-moss"]
        m["sample"]["outputs"] = [o for o in m["sample"]["outputs"] if o["style"] == "test-moss"]
        m["files"] = [f for f in m["files"] if "ember" not in f["path"]]
    v2 = rezip(tmp_path / "test.stylepack", {k: v for k, v in members.items() if "ember" not in k}, edit=only_moss)
    import_pack(v2, library=lib, replace=True)
    assert sorted(p.name for p in lib.iterdir()) == ["test-trained", "test.pack", "test.test-moss"]
    assert [s.id for s in load_library(lib)[0]] == ["test.test-moss"]
