"""The styles the style plugin can use, and which plugin that is, for the gallery and demo."""

from __future__ import annotations


def installed_styles() -> tuple[list, list[str]]:
    """(styles, problems): shipped and library styles; an unreadable catalog is a problem."""
    try:
        from models.catalog import all_styles

        styles, problems = all_styles()
    except Exception as exc:  # no catalog yet, or a damaged one: the app runs without styles
        return [], [str(exc)]
    return [s for s in styles if s.model.is_file()], [str(p) for p in problems]


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
