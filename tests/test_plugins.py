import sys
import textwrap

import pytest

from editor.core.plugins import ENTRY_POINT_GROUP, PluginRegistry, discover, load_builtins
from editor.errors import PluginError


def test_builtins_include_color_adjust():
    registry = discover(entry_points=False)
    assert "org.stylecut.color_adjust" in registry
    assert registry.source("org.stylecut.color_adjust") == "plugins.color_adjust"
    instance = registry.create("org.stylecut.color_adjust")
    assert instance is not registry.create("org.stylecut.color_adjust")  # each effect gets its own state


def test_unknown_plugin_is_a_clear_error():
    with pytest.raises(PluginError, match="no such effect plugin is installed"):
        PluginRegistry().get("org.nowhere.fx")


GOOD = """
from editor.core.plugin_api import EffectPlugin, FloatParam

class Good(EffectPlugin):
    id = "org.example.good"
    name = "Good"
    params = (FloatParam("amount", 0.5, 0.0, 1.0),)
    def render(self, frame, time, params, render_scale):
        return frame

class Invalid(EffectPlugin):
    id = "invalid"
    name = "Invalid"
    def render(self, frame, time, params, render_scale):
        return frame

class Duplicate(Good):
    pass
"""


@pytest.fixture
def installed_extension(tmp_path, monkeypatch):
    """A real installed distribution (dist-info with entry points) on sys.path."""
    (tmp_path / "extfx.py").write_text(GOOD)
    (tmp_path / "brokenfx.py").write_text("raise ImportError('needs libfoo')\n")
    dist = tmp_path / "extfx-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: extfx\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(textwrap.dedent(f"""
        [{ENTRY_POINT_GROUP}]
        good = extfx:Good
        many = extfx:Invalid
        twin = extfx:Duplicate
        broken = brokenfx:Plugin
        missing = extfx:DoesNotExist
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    for name in ("extfx", "brokenfx"):
        sys.modules.pop(name, None)


def test_entry_points_are_discovered_and_failures_reported(installed_extension):
    registry = discover()
    assert "org.example.good" in registry and "org.stylecut.color_adjust" in registry
    assert "extfx" in registry.source("org.example.good")
    problems = {f.source.split(" = ")[0].split()[-1]: f.problem for f in registry.failures}
    assert "needs libfoo" in problems["broken"]
    assert "DoesNotExist" in problems["missing"]
    assert "reverse-DNS" in problems["many"]
    assert "already provided" in problems["twin"]
    assert "good" not in problems


def test_a_broken_builtin_is_reported_and_the_rest_load(tmp_path, monkeypatch):
    pkg = tmp_path / "fxpack"
    (pkg / "ok").mkdir(parents=True)
    (pkg / "bad").mkdir()
    (pkg / "helpers").mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "ok" / "__init__.py").write_text(GOOD.replace("class Duplicate(Good):\n    pass\n", "") + "\nPLUGINS = [Good]\n")
    (pkg / "bad" / "__init__.py").write_text("1/0\n")
    (pkg / "helpers" / "__init__.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = PluginRegistry()
    load_builtins(registry, "fxpack")
    assert registry.ids() == ["org.example.good"]
    assert [(f.source, "ZeroDivisionError" in f.problem) for f in registry.failures] == [("fxpack.bad", True)]
    for name in [m for m in sys.modules if m.startswith("fxpack")]:
        sys.modules.pop(name)


def test_add_refuses_non_plugins():
    registry = PluginRegistry()
    with pytest.raises(PluginError, match="not an EffectPlugin"):
        registry.add(object)
    registry.add_from([object, 42], "somewhere")
    assert len(registry) == 0 and len(registry.failures) == 2
