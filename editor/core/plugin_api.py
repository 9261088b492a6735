"""The plugin contract: the only door between the editor and its effects.

Modelled on OpenFX and kept small. A plugin is a subclass of `EffectPlugin` that describes
itself in class attributes (reverse-DNS `id`, `version`, `name`, typed `params`,
`thread_safe`). The host makes one instance per effect on a clip, so an instance may keep
state (sessions, caches) between frames; `prepare` is called before a run of frames and
`close` when the instance is dropped.

Per frame the host evaluates the parameters at the clip-local time (keyframes, linear or
hold; parameters that do not animate ignore keyframes), asks `is_identity(params, time)`,
and if work is needed calls `render(frame, time, params, render_scale)`. A render method
that also accepts a `context` argument receives a `RenderContext` naming the clip, the
effect and the frame, which is what a result cache keys on.

A host that renders on several threads side by side, each with its own plugin instances
(a preview's playback workers), wraps those render calls in `dedicated_render_thread()`;
the context then says `dedicated_thread=True`, and a plugin may use private single-threaded
resources (a one-thread inference session) instead of queueing on a shared one.

Frames are RGB `uint8` arrays of shape (height, width, 3). The input is read-only; render
returns a new array of the same shape (or the input itself, unchanged).
"""

from __future__ import annotations

import inspect
import math
import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from editor.errors import PluginError

PARAM_TYPES = ("float", "int", "bool", "choice", "colour", "string", "path")
# Text and file names have no in-between values; everything else may carry keyframes.
ANIMATABLE_TYPES = ("float", "int", "bool", "choice", "colour")
# Types whose values travel smoothly between keyframes; the rest step (hold).
SMOOTH_TYPES = ("float", "int", "colour")

_PLUGIN_ID = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9_-]*){2,}$")
_VERSION = re.compile(r"^\d+\.\d+(\.\d+)?$")
_PARAM_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_HEX_COLOUR = re.compile(r"^#([0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")


class ParamError(PluginError):
    """A parameter value was refused; `path` names the plugin and parameter."""


# ------------------------------------------------------------------ parameters

@dataclass(frozen=True)
class Param:
    """One typed parameter a plugin declares.

    `minimum`/`maximum` bound float and int values; `out_of_range` says whether a value
    outside them is clamped (the default, what a slider does) or refused. `choices` lists
    the values of a choice; `channels` is 3 (RGB) or 4 (RGBA) for a colour, whose
    components run 0..1. `pattern` is a regular expression a string must match fully;
    `extensions` are the file suffixes a path accepts (an empty path means "none").
    """

    name: str
    type: str
    default: Any
    label: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    animates: bool = False
    out_of_range: str = "clamp"
    channels: int = 3
    pattern: str | None = None
    extensions: tuple[str, ...] = ()
    hint: str = ""

    def __post_init__(self):
        where = f"parameter {self.name!r}"
        if not isinstance(self.name, str) or not _PARAM_NAME.match(self.name):
            raise PluginError(where, "a parameter name is lower case letters, digits and _")
        if self.type not in PARAM_TYPES:
            raise PluginError(where, f"unknown type {self.type!r} (expected one of {', '.join(PARAM_TYPES)})")
        if self.animates and self.type not in ANIMATABLE_TYPES:
            raise PluginError(where, f"a {self.type} parameter cannot animate")
        if self.out_of_range not in ("clamp", "refuse"):
            raise PluginError(where, "out_of_range is 'clamp' or 'refuse'")
        if self.type == "choice" and (not self.choices or not all(isinstance(c, str) for c in self.choices)):
            raise PluginError(where, "a choice needs a list of string choices")
        if self.type == "colour" and self.channels not in (3, 4):
            raise PluginError(where, "a colour has 3 or 4 channels")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise PluginError(where, f"minimum {self.minimum} is above maximum {self.maximum}")
        object.__setattr__(self, "choices", tuple(self.choices))
        object.__setattr__(self, "extensions", tuple(e.lower() for e in self.extensions))
        if not self.label:
            object.__setattr__(self, "label", self.name.replace("_", " ").capitalize())
        try:
            default = self.coerce(self.default)
        except ParamError as exc:
            raise PluginError(where, f"the default is invalid: {exc.problem}") from None
        if self.type in ("float", "int") and default != self.default:
            raise PluginError(where, f"the default {self.default} is outside {self.minimum}..{self.maximum}")
        object.__setattr__(self, "default", default)

    def coerce(self, value: Any) -> Any:
        """`value` in this parameter's canonical form, clamped if allowed, else ParamError."""
        kind = self.type
        if kind == "float":
            return self._ranged(self._number(value), float)
        if kind == "int":
            number = self._number(value)
            if number != int(number):
                raise self._refuse(f"{value!r} is not a whole number")
            return self._ranged(int(number), int)
        if kind == "bool":
            if isinstance(value, (bool, np.bool_)):
                return bool(value)
            raise self._refuse(f"expected true or false, got {value!r}")
        if kind == "choice":
            if value in self.choices:
                return value
            raise self._refuse(f"{value!r} is not one of {', '.join(self.choices)}")
        if kind == "colour":
            return self._colour(value)
        if kind == "string":
            if not isinstance(value, str):
                raise self._refuse(f"expected text, got {value!r}")
            if self.pattern is not None and not re.fullmatch(self.pattern, value):
                raise self._refuse(f"{value!r} does not match the form {self.pattern}")
            return value
        # path
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if not isinstance(value, str):
            raise self._refuse(f"expected a file path, got {value!r}")
        if value and self.extensions and not value.lower().endswith(self.extensions):
            raise self._refuse(f"{value!r} is not a {' or '.join(self.extensions)} file")
        return value

    def _refuse(self, problem: str) -> ParamError:
        return ParamError(f"parameter {self.name!r}", problem)

    def _number(self, value: Any) -> float | int:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, Fraction, np.integer, np.floating)):
            raise self._refuse(f"expected a number, got {value!r}")
        if isinstance(value, (float, np.floating)) and not math.isfinite(value):
            raise self._refuse(f"{value!r} is not a finite number")
        return value

    def _ranged(self, value, cast):
        low, high = self.minimum, self.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            if self.out_of_range == "refuse":
                raise self._refuse(f"{value} is outside {low}..{high}")
            value = min(max(value, low if low is not None else value), high if high is not None else value)
        return cast(value)

    def _colour(self, value: Any) -> tuple[float, ...]:
        if isinstance(value, str) and _HEX_COLOUR.match(value):
            digits = value[1:]
            value = tuple(int(digits[i:i + 2], 16) / 255 for i in range(0, len(digits), 2))
        if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
            raise self._refuse(f"expected a colour (a list of {self.channels} numbers 0..1 or #rrggbb), got {value!r}")
        items = list(value)
        if len(items) == 3 and self.channels == 4:
            items.append(1.0)
        if len(items) != self.channels:
            raise self._refuse(f"expected {self.channels} colour components, got {len(items)}")
        result = []
        for item in items:
            number = float(self._number(item))
            if not 0.0 <= number <= 1.0:
                if self.out_of_range == "refuse":
                    raise self._refuse(f"colour component {number} is outside 0..1")
                number = min(max(number, 0.0), 1.0)
            result.append(number)
        return tuple(result)

    def describe(self) -> dict:
        """A plain description for UIs and `stylecut plugins`."""
        data = {"name": self.name, "type": self.type, "label": self.label, "default": self.default,
                "animates": self.animates}
        for key in ("minimum", "maximum", "pattern", "hint"):
            if getattr(self, key) not in (None, ""):
                data[key] = getattr(self, key)
        if self.choices:
            data["choices"] = list(self.choices)
        if self.extensions:
            data["extensions"] = list(self.extensions)
        return data


def FloatParam(name, default, minimum=None, maximum=None, *, animates=True, **kw) -> Param:
    return Param(name, "float", default, minimum=minimum, maximum=maximum, animates=animates, **kw)


def IntParam(name, default, minimum=None, maximum=None, *, animates=True, **kw) -> Param:
    return Param(name, "int", default, minimum=minimum, maximum=maximum, animates=animates, **kw)


def BoolParam(name, default=False, *, animates=False, **kw) -> Param:
    return Param(name, "bool", default, animates=animates, **kw)


def ChoiceParam(name, default, choices, *, animates=False, **kw) -> Param:
    return Param(name, "choice", default, choices=tuple(choices), animates=animates, **kw)


def ColourParam(name, default=(1.0, 1.0, 1.0), *, animates=True, **kw) -> Param:
    return Param(name, "colour", default, channels=len(default) if not isinstance(default, str) else 3,
                 animates=animates, **kw)


def StringParam(name, default="", *, pattern=None, **kw) -> Param:
    return Param(name, "string", default, pattern=pattern, **kw)


def PathParam(name, default="", *, extensions=(), **kw) -> Param:
    return Param(name, "path", default, extensions=tuple(extensions), **kw)


# ------------------------------------------------------------------ keyframes

def value_at(param: Param, static: Any, keyframes: Sequence[Any] | None, time: Fraction) -> Any:
    """The parameter's value at clip-local `time`.

    Without keyframes (or for a parameter that does not animate) it is the static value.
    Before the first keyframe it is the first keyframe's value, after the last the last's.
    Between two keyframes the earlier one's interpolation decides: "hold" keeps its value
    until the next; "linear" travels in a straight line (ints round to the nearest, choices
    and booleans always hold).
    """
    if not param.animates or not keyframes:
        return static
    time = Fraction(time)
    if time <= keyframes[0].time:
        return keyframes[0].value
    if time >= keyframes[-1].time:
        return keyframes[-1].value
    lo, hi = 0, len(keyframes) - 1
    while hi - lo > 1:  # binary search for the segment holding `time`
        mid = (lo + hi) // 2
        if keyframes[mid].time <= time:
            lo = mid
        else:
            hi = mid
    k0, k1 = keyframes[lo], keyframes[hi]
    if k0.interpolation == "hold" or param.type not in SMOOTH_TYPES:
        return k0.value
    w = float((time - k0.time) / (k1.time - k0.time))
    if param.type == "colour":
        return tuple(a + (b - a) * w for a, b in zip(k0.value, k1.value))
    value = k0.value + (k1.value - k0.value) * w
    return int(math.floor(value + 0.5)) if param.type == "int" else float(value)


def evaluate_params(plugin: type["EffectPlugin"], effect: Any, time: Fraction) -> dict[str, Any]:
    """Every declared parameter's value at clip-local `time` for an `Effect` of the model.

    Stored values are validated (a hand-edited document may hold anything); a value the
    plugin refuses raises ParamError naming the effect and parameter. Stored values for
    parameters the plugin does not declare are ignored.
    """
    values = {}
    for param in plugin.params:
        try:
            static = param.coerce(effect.params[param.name]) if param.name in effect.params else param.default
            keyframes = effect.keyframes.get(param.name) if param.animates else None
            if keyframes:
                keyframes = [_Coerced(k.time, param.coerce(k.value), k.interpolation) for k in keyframes]
        except ParamError as exc:
            raise ParamError(f"effect {effect.id} ({plugin.id}) {exc.path}", exc.problem) from None
        values[param.name] = value_at(param, static, keyframes, time)
    return values


@dataclass(frozen=True)
class _Coerced:
    time: Fraction
    value: Any
    interpolation: str


# ------------------------------------------------------------------ contexts

_thread_hints = threading.local()


@contextmanager
def dedicated_render_thread():
    """Mark renders made inside this block, on the calling thread, as running on a thread of
    their own beside other render threads. Contexts built there say `dedicated_thread=True`."""
    before = getattr(_thread_hints, "dedicated", False)
    _thread_hints.dedicated = True
    try:
        yield
    finally:
        _thread_hints.dedicated = before


def on_dedicated_render_thread() -> bool:
    """True inside `dedicated_render_thread()` on the calling thread."""
    return getattr(_thread_hints, "dedicated", False)


@dataclass(frozen=True)
class RenderContext:
    """What the host knows about the frame being rendered: enough to key a result cache.

    `clip_id` and `effect_id` are stable across edits and saves; `media` with `source_index`
    (the media's frame number, when the decoder knows it) or `source_time` identify the
    source picture; `frame_index` is the project frame being rendered.

    `dedicated_thread` is True when the host renders this instance on a thread of its own
    while other threads render beside it (taken from `dedicated_render_thread()` when the
    context is made): shared multi-threaded resources would make those threads queue, so a
    plugin may switch to private single-threaded ones. The pixels must not change.
    """

    clip_id: str
    effect_id: str
    media: str
    source_time: Fraction
    frame_index: int
    project_size: tuple[int, int]
    fps: Fraction
    source_index: int | None = None
    dedicated_thread: bool = field(default_factory=on_dedicated_render_thread)


@dataclass(frozen=True)
class PrepareContext:
    """A run of frames about to be rendered (preview start, export): a chance to preload."""

    clip_id: str
    effect_id: str
    media: str
    source_in: Fraction
    source_out: Fraction
    frame_size: tuple[int, int]
    fps: Fraction
    render_scale: float = 1.0
    params: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------ plugins

class EffectPlugin:
    """Base class of effect plugins. Subclasses set the class attributes and `render`."""

    id: ClassVar[str] = ""
    version: ClassVar[str] = "1.0.0"
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    params: ClassVar[tuple[Param, ...]] = ()
    # False when render must not run on two threads at once (the host then serializes calls).
    thread_safe: ClassVar[bool] = True

    # ---- description (class level)

    @classmethod
    def param(cls, name: str) -> Param | None:
        for param in cls.params:
            if param.name == name:
                return param
        return None

    @classmethod
    def require_param(cls, name: str) -> Param:
        param = cls.param(name)
        if param is None:
            raise ParamError(cls.id, f"the effect has no parameter {name!r}")
        return param

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        return {p.name: p.default for p in cls.params}

    @classmethod
    def describe(cls) -> dict:
        return {"id": cls.id, "version": cls.version, "name": cls.name, "description": cls.description,
                "thread_safe": cls.thread_safe, "params": [p.describe() for p in cls.params]}

    @classmethod
    def check_declaration(cls) -> None:
        """Raise PluginError if the class does not describe itself properly."""
        where = f"{cls.__module__}.{cls.__qualname__}"
        if not isinstance(cls.id, str) or not _PLUGIN_ID.match(cls.id):
            raise PluginError(where, f"id {cls.id!r} is not a reverse-DNS name such as org.example.blur")
        if not isinstance(cls.version, str) or not _VERSION.match(cls.version):
            raise PluginError(cls.id, f"version {cls.version!r} is not of the form 1.2 or 1.2.3")
        if not isinstance(cls.name, str) or not cls.name.strip():
            raise PluginError(cls.id, "the plugin has no display name")
        names = set()
        for param in cls.params:
            if not isinstance(param, Param):
                raise PluginError(cls.id, f"{param!r} is not a Param")
            if param.name in names:
                raise PluginError(cls.id, f"parameter {param.name!r} is declared twice")
            names.add(param.name)
        if cls.render is EffectPlugin.render:
            raise PluginError(cls.id, "the plugin does not implement render")

    @classmethod
    def render_takes_context(cls) -> bool:
        try:
            return "context" in inspect.signature(cls.render).parameters
        except (TypeError, ValueError):
            return False

    # ---- instance (one per effect on a clip)

    def prepare(self, context: PrepareContext) -> None:
        """Called before a run of frames; load models, warm caches. Optional."""

    def is_identity(self, params: dict[str, Any], time: Fraction) -> bool:
        """True when render would return the frame unchanged, so the host can skip it."""
        return False

    def render(self, frame: np.ndarray, time: Fraction, params: dict[str, Any], render_scale: float) -> np.ndarray:
        raise NotImplementedError

    def close(self) -> None:
        """Release sessions, caches and files. Optional."""


def check_output(plugin: type[EffectPlugin], frame: np.ndarray, result: Any) -> np.ndarray:
    """The plugin's result if it is a frame like the input, else PluginError saying why."""
    if not isinstance(result, np.ndarray):
        raise PluginError(plugin.id, f"render returned {type(result).__name__}, not an image array")
    if result.shape != frame.shape or result.dtype != np.uint8:
        raise PluginError(plugin.id, f"render returned a {result.dtype} array of shape {result.shape}; "
                                     f"expected uint8 {frame.shape}")
    return result
