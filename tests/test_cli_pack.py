"""`stylecut pack export|inspect|verify|import` end to end through the CLI entry point."""

from __future__ import annotations

import json

import numpy as np
import pytest
from stylepack_support import built_pack, members_of, rezip

from editor.cli import main


@pytest.fixture(scope="module")
def pack(request, tmp_path_factory):
    return built_pack(request, tmp_path_factory)


def test_export_reports_size_limits_and_phone_rates(pack, tmp_path, capsys, bunny):
    import av

    from editor.core.stylepack.frames import fit, parse_ppm
    from native import imageio

    with av.open(str(bunny)) as c:
        frame = next(c.decode(video=0)).to_ndarray(format="rgb24")
    imageio.write_rgb(tmp_path / "frame.png", frame)
    out = tmp_path / "moss.stylepack"
    assert main(["pack", "export", "--style", "test-moss", "-o", str(out), "--size", "96",
                 "--device", "sd821-4t", "--device", "a7-2t", "--author", "me",
                 "--sample", str(tmp_path / "frame.png")]) == 0
    text = capsys.readouterr().out
    assert f"wrote {out}" in text and "native int8" in text
    assert "Meta Spark AR limit 4 MB: whole pack fits" in text
    assert "Snap Lens Studio limit 8 MB: whole pack fits" in text
    for phone in ("iPhone 6s", "iPhone 7", "Nexus 5", "sd821-4t", "a7-2t"):
        assert phone in text
    m = json.loads(members_of(out)["manifest.json"])
    fps = m["predictions"]["devices"]["sd821-4t"]["fps"]
    assert f"{fps:7.1f} fps" in text
    assert m["author"] == "me" and m["input"]["processing_size"] == 96
    sample = parse_ppm("pack", "in", members_of(out)["sample/input.ppm"])
    assert np.array_equal(sample, fit(frame, sample.shape[1], sample.shape[0]))


def test_inspect_verify_import(pack, tmp_path, capsys):
    assert main(["pack", "inspect", str(pack)]) == 0
    text = capsys.readouterr().out
    assert "id test" in text and "test-moss" in text and "index 2" in text and "native/model-int8.scn" in text
    assert main(["pack", "inspect", "--json", str(pack)]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "test"
    assert main(["pack", "verify", str(pack)]) == 0
    text = capsys.readouterr().out
    assert text.strip().endswith("verified") and "byte for byte" in text
    lib = tmp_path / "lib"
    assert main(["pack", "import", str(pack), "--library", str(lib)]) == 0
    assert "test.test-ember, test.test-moss" in capsys.readouterr().out
    assert main(["pack", "import", str(pack), "--library", str(lib)]) == 2
    assert "--replace" in capsys.readouterr().err
    assert main(["pack", "import", str(pack), "--library", str(lib), "--replace"]) == 0
    assert "replaced" in capsys.readouterr().out


def test_imported_styles_are_listed_by_stylecut_styles(pack, tmp_path, capsys, monkeypatch):
    from models import catalog

    lib = tmp_path / "lib"
    monkeypatch.setenv("STYLECUT_LIBRARY", str(lib))
    assert main(["pack", "import", str(pack)]) == 0
    capsys.readouterr()
    if not catalog.CATALOG.is_file():
        styles, problems = catalog.load_library()
        assert {s.id for s in styles} == {"test.test-ember", "test.test-moss"} and not problems
        return
    assert main(["styles", "--json"]) == 0
    ids = {s["id"] for s in json.loads(capsys.readouterr().out)}
    assert {"test.test-ember", "test.test-moss"} <= ids


@pytest.mark.parametrize("action", ["inspect", "verify", "import"])
def test_bad_pack_is_one_line_and_exit_2(pack, tmp_path, capsys, action):
    members = members_of(pack)
    members["../evil.txt"] = b"x"
    bad = rezip(tmp_path / "bad.stylepack", members, fix_manifest=False)
    args = ["pack", action, str(bad)] + (["--library", str(tmp_path / "lib")] if action == "import" else [])
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("stylecut: error:") and str(bad) in err and "'..'" in err and err.count("\n") == 1
    assert not (tmp_path / "lib").exists() or not any((tmp_path / "lib").iterdir())


def test_export_errors(pack, tmp_path, capsys):
    assert main(["pack", "export", "--style", "nope", "-o", str(tmp_path / "x.stylepack")]) == 2
    assert "no such style" in capsys.readouterr().err
    assert main(["pack", "export", "--style", "test-moss", "-o", str(tmp_path / "x.stylepack"),
                 "--device", "no-phone", "--size", "64"]) == 2
    assert "no such device profile" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.stylepack*"))
