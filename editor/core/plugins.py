"""Finding effect plugins: the built-ins in the `plugins` package and installed extensions.

Built-ins are the sub-packages of `plugins/` that export `PLUGINS` (a list of
`EffectPlugin` classes). Extensions register an entry point in the group
`stylecut.plugins` whose object is a plugin class, a list of them, or a module with
`PLUGINS`. A plugin that fails to import or describes itself wrongly is recorded in
`registry.failures` and skipped; it never stops the editor.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from importlib import metadata
from types import ModuleType
from typing import Any, Iterator

from editor.errors import PluginError

from .plugin_api import EffectPlugin

ENTRY_POINT_GROUP = "stylecut.plugins"
BUILTIN_PACKAGE = "plugins"


@dataclass(frozen=True)
class LoadFailure:
    source: str  # where the plugin came from: a module or an entry point
    problem: str

    def __str__(self) -> str:
        return f"{self.source}: {self.problem}"


class PluginRegistry:
    """The plugins the editor can use, by id, and those that could not be loaded."""

    def __init__(self) -> None:
        self._plugins: dict[str, type[EffectPlugin]] = {}
        self._sources: dict[str, str] = {}
        self.failures: list[LoadFailure] = []

    def add(self, plugin: Any, source: str = "") -> type[EffectPlugin]:
        """Register one plugin class; PluginError if it is not a valid, new plugin."""
        source = source or getattr(plugin, "__module__", repr(plugin))
        if not (isinstance(plugin, type) and issubclass(plugin, EffectPlugin)):
            raise PluginError(source, f"{plugin!r} is not an EffectPlugin class")
        plugin.check_declaration()
        if plugin.id in self._plugins:
            raise PluginError(source, f"plugin id {plugin.id} is already provided by {self._sources[plugin.id]}")
        self._plugins[plugin.id] = plugin
        self._sources[plugin.id] = source
        return plugin

    def add_from(self, obj: Any, source: str) -> None:
        """Register what a module or entry point offers; problems become `failures`."""
        if isinstance(obj, ModuleType):
            if not hasattr(obj, "PLUGINS"):
                self.failures.append(LoadFailure(source, "the module has no PLUGINS list"))
                return
            obj = obj.PLUGINS
        items = obj if isinstance(obj, (list, tuple)) else [obj]
        for item in items:
            try:
                self.add(item, source)
            except PluginError as exc:
                self.failures.append(LoadFailure(source, str(exc)))

    def find(self, plugin_id: str) -> type[EffectPlugin] | None:
        return self._plugins.get(plugin_id)

    def get(self, plugin_id: str) -> type[EffectPlugin]:
        plugin = self._plugins.get(plugin_id)
        if plugin is None:
            raise PluginError(plugin_id, "no such effect plugin is installed")
        return plugin

    def create(self, plugin_id: str) -> EffectPlugin:
        """A new instance (its own state) of the plugin."""
        plugin = self.get(plugin_id)
        try:
            return plugin()
        except Exception as exc:
            raise PluginError(plugin_id, f"could not be started: {exc}") from exc

    def source(self, plugin_id: str) -> str:
        return self._sources[plugin_id]

    def ids(self) -> list[str]:
        return sorted(self._plugins)

    def __contains__(self, plugin_id: object) -> bool:
        return plugin_id in self._plugins

    def __iter__(self) -> Iterator[type[EffectPlugin]]:
        return iter([self._plugins[i] for i in self.ids()])

    def __len__(self) -> int:
        return len(self._plugins)


def load_builtins(registry: PluginRegistry, package: str = BUILTIN_PACKAGE) -> None:
    try:
        root = importlib.import_module(package)
    except Exception as exc:  # the package itself is broken: nothing built in
        registry.failures.append(LoadFailure(package, f"cannot be imported: {exc}"))
        return
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda m: m.name):
        name = f"{package}.{info.name}"
        try:
            module = importlib.import_module(name)
        except Exception as exc:
            registry.failures.append(LoadFailure(name, f"cannot be imported: {type(exc).__name__}: {exc}"))
            continue
        if hasattr(module, "PLUGINS"):  # other sub-packages may be helpers, not plugins
            registry.add_from(module.PLUGINS, name)


def load_entry_points(registry: PluginRegistry, group: str = ENTRY_POINT_GROUP) -> None:
    try:
        entry_points = metadata.entry_points(group=group)
    except Exception as exc:
        registry.failures.append(LoadFailure(f"entry points {group}", f"cannot be listed: {exc}"))
        return
    seen = set()
    for ep in sorted(entry_points, key=lambda e: (e.name, e.value)):
        if (ep.name, ep.value) in seen:  # the same distribution visible twice on sys.path
            continue
        seen.add((ep.name, ep.value))
        dist = getattr(getattr(ep, "dist", None), "name", None)
        source = f"entry point {ep.name} = {ep.value}" + (f" ({dist})" if dist else "")
        try:
            obj = ep.load()
        except Exception as exc:
            registry.failures.append(LoadFailure(source, f"cannot be loaded: {type(exc).__name__}: {exc}"))
            continue
        registry.add_from(obj, source)


def discover(*, builtins: bool = True, entry_points: bool = True) -> PluginRegistry:
    """A fresh registry holding the built-ins and every installed extension."""
    registry = PluginRegistry()
    if builtins:
        load_builtins(registry)
    if entry_points:
        load_entry_points(registry)
    return registry


_default: PluginRegistry | None = None


def default_registry() -> PluginRegistry:
    """The registry the editor uses, discovered once per process."""
    global _default
    if _default is None:
        _default = discover()
    return _default
