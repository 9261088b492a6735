"""The one render path: the timeline at a time as an RGB frame at project size.

Preview and export both call `Renderer.render(t)`, so the preview shows what the export
writes. At time t the topmost visible video track with a clip there wins. Its media frame
is scaled to fit the project size (aspect kept), the clip's effect stack runs on the fitted
picture through the plugin API, and the result is centred on black (letterbox or pillarbox).
Nothing to show gives black; missing or undecodable media gives the offline card.

Problems never stop a render: they come back in `RenderResult.errors`, one entry per clip
and effect at fault, and the picture shows what could be made (an effect that raises is
skipped, so its input passes through).

Frames returned are read-only: they may be shared with the frame cache.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import av
import numpy as np
from av.video.reformatter import Interpolation, VideoReformatter

from editor.errors import StyleCutError

from .placeholder import offline_card
from .plugin_api import EffectPlugin, PrepareContext, RenderContext, check_output, evaluate_params
from .project.model import Clip, Effect, Project
from .timeline import ClipAt, clips_between, top_video_clip


@dataclass(frozen=True)
class RenderError:
    clip_id: str | None
    message: str
    effect_id: str | None = None
    severity: str = "error"  # "error" | "warning" (e.g. a truncated file that still plays)

    def __str__(self) -> str:
        where = f"clip {self.clip_id}" + (f", effect {self.effect_id}" if self.effect_id else "")
        return f"{where}: {self.message}"


@dataclass
class RenderResult:
    frame: np.ndarray  # (height, width, 3) uint8 at project size, read-only
    errors: list[RenderError] = field(default_factory=list)
    clip_id: str | None = None  # the clip shown, if any


def fit_size(src_w: int, src_h: int, dst_w: int, dst_h: int) -> tuple[int, int]:
    """The largest size with the source's aspect ratio that fits the destination."""
    if src_w * dst_h >= src_h * dst_w:  # wider than the destination: full width
        return dst_w, max(1, min(dst_h, round(src_h * dst_w / src_w)))
    return max(1, min(dst_w, round(src_w * dst_h / src_h))), dst_h


def _read_only(frame: np.ndarray) -> np.ndarray:
    if frame.flags.writeable:
        frame = frame.view()
        frame.flags.writeable = False
    return frame


class _Instance:
    """One plugin instance for one effect on one clip, with what the host learned about it."""

    def __init__(self, plugin: type[EffectPlugin], instance: EffectPlugin):
        self.plugin = plugin
        self.instance = instance
        self.takes_context = plugin.render_takes_context()
        self.lock = None if plugin.thread_safe else threading.Lock()

    def render(self, frame, time, params, scale, context):
        kwargs = {"context": context} if self.takes_context else {}
        if self.lock is None:
            return self.instance.render(frame, time, params, scale, **kwargs)
        with self.lock:
            return self.instance.render(frame, time, params, scale, **kwargs)


class Renderer:
    """Renders one project; keeps plugin instances and scalers between frames.

    `pool` is a `MediaPool` (one is made when not given and closed by `close`); `registry`
    a `PluginRegistry` (the discovered default when not given). `render_scale` below 1 makes
    smaller frames for a fast preview; plugins are told the scale.
    """

    def __init__(self, project: Project, pool: Any = None, registry: Any = None, render_scale: float = 1.0):
        self.project = project
        self._own_pool = pool is None
        if pool is None:
            from editor.core.media.pool import MediaPool

            pool = MediaPool()
        self.pool = pool
        if registry is None:
            from editor.core.plugins import default_registry

            registry = default_registry()
        self.registry = registry
        if not 0 < render_scale <= 1:
            raise ValueError(f"render_scale {render_scale} is outside (0, 1]")
        self.render_scale = render_scale
        self._instances: dict[tuple[str, str], _Instance] = {}
        self._scalers: dict[tuple[int, int, int, int], VideoReformatter] = {}
        self._lock = threading.RLock()
        self._black: np.ndarray | None = None

    # ---- public

    def render_frame(self, index: int) -> RenderResult:
        """Project frame `index` (time index / fps)."""
        return self.render(self.project.frame_time(index))

    def render(self, t: Fraction | float | int) -> RenderResult:
        t = Fraction(t)
        width, height = self.output_size
        hit = top_video_clip(self.project, t)
        if hit is None:
            return RenderResult(self._black_frame(width, height))
        errors: list[RenderError] = []
        clip = hit.clip
        media_frame = self._media_frame(clip, hit.source_time, errors)
        if media_frame is None:
            return RenderResult(offline_card(width, height), errors, clip.id)
        picture = media_frame.rgb
        fitted = fit_size(picture.shape[1], picture.shape[0], width, height)
        picture = _read_only(self._scale(picture, *fitted))
        if clip.effects:
            picture = _read_only(self._run_effects(hit, picture, t, getattr(media_frame, "index", None), errors))
        return RenderResult(self._letterbox(picture, width, height), errors, clip.id)

    @property
    def output_size(self) -> tuple[int, int]:
        """Project size times the render scale (a fast preview may render smaller)."""
        s = self.project.settings
        if self.render_scale == 1.0:
            return s.width, s.height
        return max(1, round(s.width * self.render_scale)), max(1, round(s.height * self.render_scale))

    def prepare(self, start: Fraction = Fraction(0), end: Fraction | None = None) -> list[RenderError]:
        """Give every effect that will play in [start, end) its `prepare` call (preload)."""
        end = self.project.duration if end is None else Fraction(end)
        width, height = self.output_size
        errors: list[RenderError] = []
        self._forget_unused()
        for hit in clips_between(self.project, Fraction(start), end, kind="video"):
            clip = hit.clip
            if hit.track.hidden or not clip.effects:
                continue
            size = (width, height)  # the size effects will see
            if os.path.isfile(clip.media):
                try:
                    source = self.pool.source(clip.media)
                    size = fit_size(source.width, source.height, width, height)
                except Exception:
                    pass  # reported when the frame is rendered
            for effect in clip.effects:
                if not effect.enabled:
                    continue
                inst = self._instance(clip, effect, errors)
                if inst is None:
                    continue
                try:
                    params = evaluate_params(inst.plugin, effect, hit.local_time)
                    inst.instance.prepare(PrepareContext(
                        clip.id, effect.id, clip.media, clip.source_in, clip.source_out, size,
                        self.project.settings.fps, self.render_scale, params))
                except Exception as exc:  # a plugin must not stop the editor
                    errors.append(RenderError(clip.id, f"{inst.plugin.name} could not prepare: {_describe(exc)}", effect.id))
        return errors

    def close(self) -> None:
        with self._lock:
            for inst in self._instances.values():
                _close_quietly(inst)
            self._instances.clear()
        if self._own_pool:
            self.pool.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- steps

    def _media_frame(self, clip: Clip, source_time: Fraction, errors: list[RenderError]) -> Any:
        if not os.path.isfile(clip.media):
            errors.append(RenderError(clip.id, f"{clip.media}: media file is missing (offline)"))
            return None
        try:
            source = self.pool.source(clip.media)
            frame = source.frame_at_time(source_time)
        except StyleCutError as exc:
            errors.append(RenderError(clip.id, str(exc)))
            return None
        except Exception as exc:  # a decoder failure on a damaged file
            errors.append(RenderError(clip.id, f"{clip.media}: cannot decode the frame at {float(source_time):.3f}s ({_describe(exc)})"))
            return None
        warning = getattr(source, "warning", None)
        if warning:
            errors.append(RenderError(clip.id, f"{clip.media}: {warning}", severity="warning"))
        duration = getattr(source, "duration", None)
        if duration is not None and source_time >= duration:
            errors.append(RenderError(
                clip.id, f"{clip.media}: the clip runs past the end of its media ({float(duration):.3f}s); "
                         "showing the last frame", severity="warning"))
        return frame

    def _scale(self, picture: np.ndarray, width: int, height: int) -> np.ndarray:
        h, w = picture.shape[:2]
        if (w, h) == (width, height):
            return picture
        key = (w, h, width, height)
        scaler = self._scalers.get(key)
        if scaler is None:
            scaler = self._scalers[key] = VideoReformatter()
        # AREA averages when shrinking (no aliasing) and is bilinear when growing; it is also
        # the fastest of swscale's good filters on packed RGB.
        scaled = scaler.reformat(_video_frame(picture), width=width, height=height, format="rgb24",
                                 interpolation=Interpolation.AREA)
        return scaled.to_ndarray()

    def _letterbox(self, picture: np.ndarray, width: int, height: int) -> np.ndarray:
        h, w = picture.shape[:2]
        if (w, h) == (width, height):
            return picture
        canvas = np.zeros((height, width, 3), np.uint8)
        top, left = (height - h) // 2, (width - w) // 2
        canvas[top:top + h, left:left + w] = picture
        return _read_only(canvas)

    def _black_frame(self, width: int, height: int) -> np.ndarray:
        black = self._black
        if black is None or black.shape[:2] != (height, width):
            black = np.zeros((height, width, 3), np.uint8)
            black.flags.writeable = False
            self._black = black
        return black

    def _run_effects(self, hit: ClipAt, picture: np.ndarray, t: Fraction, source_index: int | None,
                     errors: list[RenderError]) -> np.ndarray:
        clip = hit.clip
        settings = self.project.settings
        for effect in clip.effects:
            if not effect.enabled:
                continue
            inst = self._instance(clip, effect, errors)
            if inst is None:
                continue
            try:
                params = evaluate_params(inst.plugin, effect, hit.local_time)
                if inst.instance.is_identity(params, hit.local_time):
                    continue
                context = RenderContext(
                    clip.id, effect.id, clip.media, hit.source_time, int(t * settings.fps // 1),
                    (settings.width, settings.height), settings.fps, source_index)
                result = inst.render(picture, hit.local_time, params, self.render_scale, context)
                picture = _read_only(check_output(inst.plugin, picture, result))
            except Exception as exc:  # the frame goes on without this effect
                errors.append(RenderError(clip.id, f"{inst.plugin.name} failed: {_describe(exc)}", effect.id))
        return picture

    def _instance(self, clip: Clip, effect: Effect, errors: list[RenderError]) -> _Instance | None:
        key = (clip.id, effect.id)
        with self._lock:
            inst = self._instances.get(key)
            if inst is not None and inst.plugin.id == effect.plugin_id:
                return inst
            if inst is not None:  # the effect now names another plugin
                _close_quietly(self._instances.pop(key))
            plugin = self.registry.find(effect.plugin_id)
            if plugin is None:
                errors.append(RenderError(clip.id, f"effect plugin {effect.plugin_id} is not installed; the effect is skipped", effect.id))
                return None
            try:
                inst = _Instance(plugin, plugin())
            except Exception as exc:
                errors.append(RenderError(clip.id, f"{plugin.name} could not start: {_describe(exc)}", effect.id))
                return None
            self._instances[key] = inst
            return inst

    def _forget_unused(self) -> None:
        """Drop plugin instances whose effect left the project (their state may be large)."""
        live = {(clip.id, effect.id) for _, clip in self.project.clips() for effect in clip.effects}
        with self._lock:
            for key in [k for k in self._instances if k not in live]:
                _close_quietly(self._instances.pop(key))


def _video_frame(rgb: np.ndarray) -> av.VideoFrame:
    """An rgb24 frame holding `rgb`, filled by one copy into its plane (from_ndarray is slower)."""
    height, width = rgb.shape[:2]
    frame = av.VideoFrame(width, height, "rgb24")
    plane = frame.planes[0]
    rows = np.frombuffer(plane, np.uint8).reshape(height, plane.line_size)
    rows[:, :width * 3] = rgb.reshape(height, width * 3)
    return frame


def _describe(exc: BaseException) -> str:
    if isinstance(exc, StyleCutError):
        return str(exc)
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _close_quietly(inst: _Instance) -> None:
    try:
        inst.instance.close()
    except Exception:
        pass
