"""`stylecut plugins`: lists the built-ins with their parameters."""

import json

from editor.cli import main


def test_plugins_lists_color_adjust_with_parameters(capsys):
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "org.stylecut.color_adjust 1.0.0  Colour adjust  (plugins.color_adjust)" in out
    assert "    brightness: float -1.0..1.0, default 0.0, animates" in out
    assert "    output_range: choice full|video, default 'full'" in out


def test_plugins_json(capsys):
    assert main(["plugins", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    adjust = next(p for p in data["plugins"] if p["id"] == "org.stylecut.color_adjust")
    assert {p["type"] for p in adjust["params"]} == {"float", "int", "bool", "choice", "colour", "string", "path"}
    assert adjust["params"][3]["default"] == [1.0, 1.0, 1.0]
    assert isinstance(data["failures"], list)
