"""models.painting and `stylecut style train`: a painting becomes a library style that the
catalog lists and that runs like a shipped style."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from editor.cli import main as cli_main  # noqa: E402
from editor.errors import StyleCutError  # noqa: E402
from models import catalog, painting  # noqa: E402
from models.runner import StyleNetwork  # noqa: E402


@pytest.fixture(scope="module")
def painting_file(tmp_path_factory):
    from PIL import Image

    rng = np.random.default_rng(5)
    # bold diagonal strokes in two colours: a picture with an unmistakable style
    yy, xx = np.mgrid[0:200, 0:240]
    stripes = ((xx + yy) // 12) % 2
    img = np.where(stripes[..., None] == 1, [200, 40, 30], [20, 60, 160]).astype(np.uint8)
    img = np.clip(img + rng.integers(-20, 20, img.shape), 0, 255).astype(np.uint8)
    path = tmp_path_factory.mktemp("painting") / "stripes.png"
    Image.fromarray(img).save(path)
    return path


def test_train_installs_a_working_library_style(painting_file, tmp_path, monkeypatch):
    lib = tmp_path / "lib"
    style = painting.train_painting(painting_file, "Red Blue Stripes", iters=6, minutes=5, library=lib,
                                    progress=False, views=3)
    assert style.id == "red-blue-stripes" and style.origin == "library"
    folder = lib / "red-blue-stripes"
    entry = json.loads((folder / catalog.STYLE_FILE).read_text())
    assert entry["teacher"] == {"name": "arbitrary", "style": "stripes.png"}
    assert len(entry["embedding"]) == 100 and entry["licence"] == "Apache-2.0"
    assert entry["macs_per_pixel"] <= 1940
    assert (folder / "thumbnail.png").is_file() and not list(lib.glob(".red-blue-stripes-*"))
    net = StyleNetwork(style.model)
    out = net.stylize(np.full((30, 50, 3), 128, np.uint8), style.weights())
    assert out.shape == (30, 50, 3)
    # the catalog and the CLI see it beside the shipped styles
    monkeypatch.setenv("STYLECUT_LIBRARY", str(lib))
    assert catalog.find("red-blue-stripes").model == style.model
    # a second training under the same name is refused without --force
    with pytest.raises(StyleCutError, match="exists"):
        painting.train_painting(painting_file, "Red Blue Stripes", iters=1, library=lib, progress=False, views=1)


def test_cli_reports_bad_paintings_in_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("STYLECUT_LIBRARY", str(tmp_path / "lib"))
    assert cli_main(["style", "train", "--image", str(tmp_path / "missing.jpg"), "--name", "X", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "missing.jpg" in err and "not found" in err and len(err.strip().splitlines()) == 1
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"not a picture at all")
    assert cli_main(["style", "train", "--image", str(junk), "--name", "X", "--quiet"]) == 2
    assert "junk.jpg" in capsys.readouterr().err
    assert cli_main(["style", "train", "--image", str(junk), "--name", "!!!", "--quiet"]) == 2
    assert not (tmp_path / "lib").exists() or not any((tmp_path / "lib").iterdir())


def test_slug_and_small_pictures(tmp_path):
    from PIL import Image

    assert painting.slug("  Starry Night (1889) ") == "starry-night-1889"
    tiny = tmp_path / "tiny.png"
    Image.fromarray(np.zeros((20, 20, 3), np.uint8)).save(tiny)
    with pytest.raises(StyleCutError, match="too small"):
        painting.load_painting(tiny)
