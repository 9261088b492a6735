"""The style-transfer effect: a neural style painted over the clip at full resolution.

Per frame: shrink to the processing size (short side), reflect-pad to the network's size
multiple, run the chosen backend, crop, enlarge edge-aware with a guided filter on the
original's luma, then blend with the original at `strength` in Oklab (optionally keeping the
original's colours). Sessions are shared per network and kept for the whole process; a style
change on a multi-style network only changes the weights, so it shows on the very next frame.

When the host renders on several threads side by side (`RenderContext.dedicated_thread`), a
shared native session would make them queue; the instance then runs a private one-thread fork
of the shared backend instead (made once per network, sharing the loaded model), so the
threads' networks overlap on the cores. The native runtime is bit-exact across thread counts,
so the pixels are the shared session's.
"""

from __future__ import annotations

import threading
from fractions import Fraction
from typing import Any

import numpy as np

from editor.core.plugin_api import (
    BoolParam,
    ChoiceParam,
    EffectPlugin,
    FloatParam,
    IntParam,
    PrepareContext,
    RenderContext,
    StringParam,
)
from editor.errors import PluginError

from . import styles
from .backends import BACKENDS, Backend, get_backend, is_loaded, preload
from .colour import blend
from .result_cache import ResultCache
from .upsample import crop, guided_upsample, pad_to_multiple, processing_shape, resize

DEFAULT_SIZE = 360


class StyleTransfer(EffectPlugin):
    id = "org.stylecut.style_transfer"
    version = "1.0.0"
    name = "Style transfer"
    description = "Paints the clip in a learned artistic style, on the desktop or exactly as a phone would."
    thread_safe = True
    params = (
        StringParam("style", "", pattern=r"[A-Za-z0-9_.-]*",
                    hint="style id from `stylecut styles` (empty: the first installed style)"),
        FloatParam("strength", 1.0, 0.0, 1.0, hint="0 is the original, 1 fully stylized (blended in Oklab)"),
        BoolParam("preserve_colors", False, hint="keep the original colours, take only the style's lightness"),
        IntParam("size", DEFAULT_SIZE, 0, 4320, animates=False,
                 hint="processing size: the short side the network sees (0: the frame's own size)"),
        ChoiceParam("backend", "desktop", BACKENDS,
                    hint="desktop: onnxruntime; phone: the native runtime fp32; phone-int8: native int8"),
        StringParam("mix", "", pattern=styles.MIX_PATTERN,
                    hint="blend styles of one network, e.g. 'cobalt-and-gold:0.7, graphite-wash:0.3' (overrides style)"),
    )

    def __init__(self) -> None:
        self.cache = ResultCache()
        self.inference_runs = 0          # how often a network actually ran (tests, HUD)
        self.timings = {"resize": 0.0, "inference": 0.0, "upsample": 0.0, "blend": 0.0}
        self.cpu_timings = {"resize": 0.0, "inference": 0.0, "upsample": 0.0}   # plane path, see there
        self._lock = threading.Lock()
        self._forks: dict[tuple[str, str], tuple[Backend, Backend]] = {}   # (kind, model) -> (shared, fork)

    # ---- plugin API

    def is_identity(self, params: dict[str, Any], time: Fraction) -> bool:
        return params["strength"] <= 0.0

    def prepare(self, context: PrepareContext) -> None:
        """Load the session for the starting style now; other styles' networks in the background."""
        params = {**self.defaults(), **(context.params or {})}
        choice = styles.resolve(params["style"], params["mix"])
        get_backend(params["backend"], choice.model)
        others = []
        for style in styles.available()[0]:
            if style.model != choice.model and style.model not in others and style.model.is_file():
                others.append(style.model)
        others = [m for m in others if not is_loaded(params["backend"], m)]
        if others:
            preload(params["backend"], others)

    def render(self, frame: np.ndarray, time: Fraction, params: dict[str, Any], render_scale: float,
               context: RenderContext | None = None) -> np.ndarray:
        key = None
        if context is not None:
            source = context.source_index if context.source_index is not None else context.source_time
            key = (context.clip_id, context.effect_id, context.media, source, frame.shape,
                   params["style"], params["mix"], params["size"], params["backend"], render_scale)
        stylized = self.cache.get(key) if key is not None else None
        if stylized is None:
            dedicated = context is not None and getattr(context, "dedicated_thread", False)
            stylized = self.stylize(frame, params, render_scale, dedicated=dedicated)
            if key is not None:
                self.cache.put(key, stylized)
        return self._finish(frame, stylized, params)

    def close(self) -> None:
        self.cache.clear()
        with self._lock:
            self._forks.clear()

    def forks(self) -> list[Backend]:
        """The private sessions this instance made for a dedicated render thread."""
        with self._lock:
            return [fork for _, fork in self._forks.values()]

    # ---- the steps, usable on their own (compare, bench)

    def stylize(self, frame: np.ndarray, params: dict[str, Any], render_scale: float = 1.0,
                backend: str | None = None, dedicated: bool = False) -> np.ndarray:
        """The fully stylized frame (no strength blend), at the frame's size. `dedicated`:
        the caller is a render thread of its own, so the network runs in this instance's
        one-thread fork rather than the shared session."""
        import time as clock

        choice = styles.resolve(params["style"], params["mix"])
        engine = self.engine(backend or params["backend"], choice.model, dedicated)
        h, w = frame.shape[:2]
        ph, pw = self.processing_size(h, w, params, render_scale)
        _check_size(engine, choice, h, w, ph, pw)
        t0 = clock.perf_counter()
        small = resize(frame, ph, pw)
        padded, crop_to = pad_to_multiple(small, engine.multiple)
        t1 = clock.perf_counter()
        out = crop(engine.run(padded, choice.weights), crop_to)
        t2 = clock.perf_counter()
        full = guided_upsample(out, small, frame, radius=_radius(ph, pw)) if (ph, pw) != (h, w) else out
        t3 = clock.perf_counter()
        with self._lock:
            self.inference_runs += 1
            self.timings["resize"] += t1 - t0
            self.timings["inference"] += t2 - t1
            self.timings["upsample"] += t3 - t2
        return full

    def engine(self, kind: str, model, dedicated: bool = False) -> Backend:
        """The backend to run: the shared one, or for a dedicated thread this instance's
        one-thread fork of it (native backends only, whose shared session runs one frame
        at a time). The fork is made on first use and kept; a style switch within
        the network only changes the weights given to `run`, and another network (or the
        network file replaced on disk, which gives a new shared backend) gets a fork of its own."""
        shared = get_backend(kind, model)
        if not dedicated or not shared.runs_one_at_a_time:
            # onnxruntime runs concurrent calls on one session side by side already, and a
            # fork of another thread count may sum in another order (a level apart)
            return shared
        key = (kind, str(model))
        with self._lock:
            held = self._forks.get(key)
        if held is not None and held[0] is shared:
            return held[1]
        fork = shared.fork(1)   # outside the lock: a new session allocates its buffers
        with self._lock:
            self._forks[key] = (shared, fork)
        return fork

    def processing_size(self, height: int, width: int, params: dict[str, Any], render_scale: float = 1.0):
        """(h, w) the network sees for a frame of height x width."""
        size = params["size"]
        return processing_shape(height, width, round(size * render_scale) if size > 0 else 0)

    def plane_path_applies(self, params: dict[str, Any]) -> bool:
        """True when `stylize_planes` gives this effect's result (full strength, own colours)."""
        return params["strength"] >= 1.0 and not params["preserve_colors"]

    def stylize_planes(self, small_rgb: np.ndarray, luma_full: np.ndarray, params: dict[str, Any],
                       engine: Backend | None = None):
        """The effect for a 4:2:0 encoder: (Y, Cb, Cr) planes at the luma's size.

        `small_rgb` is the frame already scaled to `processing_size`; `luma_full` the decoded
        luma plane. Only valid when `plane_path_applies(params)`. `engine` is a private fork
        of the backend (a pipeline worker's); by default the shared one runs.

        Besides wall time, the calling thread's CPU time per step goes to `cpu_timings`: with
        a one-thread fork the network runs on this thread, so that is the step's whole cost."""
        import time as clock

        from .planes import stylized_planes

        choice = styles.resolve(params["style"], params["mix"])
        engine = engine or get_backend(params["backend"], choice.model)
        H, W = luma_full.shape
        ph, pw = small_rgb.shape[:2]
        _check_size(engine, choice, H, W, ph, pw)
        t0, c0 = clock.perf_counter(), clock.thread_time()
        padded, crop_to = pad_to_multiple(small_rgb, engine.multiple)
        t1, c1 = clock.perf_counter(), clock.thread_time()
        out = crop(engine.run(padded, choice.weights), crop_to)
        t2, c2 = clock.perf_counter(), clock.thread_time()
        planes = stylized_planes(out, luma_full, radius=_radius(ph, pw))
        t3, c3 = clock.perf_counter(), clock.thread_time()
        with self._lock:
            self.inference_runs += 1
            for name, wall, cpu in (("resize", t1 - t0, c1 - c0), ("inference", t2 - t1, c2 - c1),
                                    ("upsample", t3 - t2, c3 - c2)):
                self.timings[name] += wall
                self.cpu_timings[name] += cpu
        return planes

    def _finish(self, frame, stylized, params) -> np.ndarray:
        import time as clock

        t0 = clock.perf_counter()
        out = blend(frame, stylized, params["strength"], params["preserve_colors"])
        if out is frame:
            out = frame.copy()
        with self._lock:
            self.timings["blend"] += clock.perf_counter() - t0
        return out


def _radius(h: int, w: int) -> int:
    # About 1/180 of the short side: 2 px at 360 p, enough for a stable local fit.
    return max(1, round(min(h, w) / 180))


def _check_size(engine: Backend, choice: styles.Choice, h: int, w: int, ph: int, pw: int) -> None:
    if min(ph, pw) < engine.min_size:
        raise PluginError(choice.model, f"the picture is {w}x{h} and processed at {pw}x{ph}; the network "
                                        f"needs at least {engine.min_size} pixels on each side")


def backend_for(kind: str, params: dict[str, Any]) -> Backend:
    """The backend `kind` would use for these parameters (loaded now if needed)."""
    choice = styles.resolve(params["style"], params["mix"])
    return get_backend(kind, choice.model)
