"""The styles the style plugin can use, and which plugin that is, for the gallery and demo."""

from __future__ import annotations


def installed_styles() -> tuple[list, list[str]]:
    """(styles, problems): shipped and library styles; an unreadable catalog is a problem."""
    try:
        from models import catalog
    except Exception as exc:
        return [], [str(exc)]
    try:
        styles, problems = catalog.all_styles()
        problems = [str(p) for p in problems]
    except Exception as exc:  # a missing or damaged catalog must not hide the user's library
        problems = [str(exc)]
        try:
            styles, more = catalog.load_library()
            problems += [str(p) for p in more]
        except Exception as exc2:
            return [], problems + [str(exc2)]
    return [s for s in styles if s.model.is_file()], problems


def style_plugin(registry):
    """The installed plugin that paints styles: it has `style` and `backend` parameters."""
    for plugin in registry:
        if plugin.param("style") is not None and plugin.param("backend") is not None:
            return plugin
    return None


def style_effect(clip, registry):
    """The clip's first enabled style effect, or None."""
    if clip is None:
        return None
    for effect in clip.effects:
        plugin = registry.find(effect.plugin_id)
        if effect.enabled and plugin is not None and plugin is style_plugin(registry):
            return effect
    return None
