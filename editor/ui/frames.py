"""Frames for the viewer, rendered off the UI thread through the core's one render path.

One worker thread owns a `Renderer`. Requests never queue up: a still frame (scrub, step,
edit) fills a one-slot mailbox that the next request overwrites, so the worker always renders
the newest wish. During playback the worker follows the clock itself: it renders the frame due
now or the next one, at most `AHEAD` frames in front of the clock, and skips frames whose time
has passed. That is where frames drop when rendering is slower than the frame rate; the UI
thread only ever receives finished images.

The worker renders a deep copy of the project handed over with each request, never the live
model the UI edits.

While nothing is asked, the worker decodes the frames of the clip under the playhead into the
media cache (`PREFETCH_BYTES` at most, a few frames at a time so a request waits for at most
a few decodes). Clips with rare keyframes cost a decode from the keyframe for every random
access (hundreds of milliseconds at 720p); from the cache a scrub pays only the effects.

The very first still frame is shown twice: first the source picture without effects (decoding
is quick, loading a style network is not), then the finished frame. Later frames find their
effects loaded and go straight to the finished frame.
"""

from __future__ import annotations

import collections
import copy
import os
import threading
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from editor.core.render import Renderer
from editor.core.timeline import top_video_clip

from . import startup

AHEAD = 3  # frames the playback worker may render in front of the clock
RECENT = 24  # finished frames kept, so scrubbing back over them shows them at once
PREFETCH_BYTES = 384 << 20  # decoded frames kept ready around the playhead (of the media cache)
PREFETCH_BATCH = 3  # frames decoded between looks at the mailbox
BACKEND_NAMES = {"desktop": "desktop, onnxruntime", "phone": "phone, native fp32",
                 "phone-int8": "phone, native int8"}


@dataclass
class RenderedFrame:
    index: int
    image: QImage
    generation: int
    backend: str
    render_ms: float
    errors: list = field(default_factory=list)
    playing: bool = False
    preview: bool = False      # the source picture shown while the effects load
    decode_ms: float = 0.0     # of render_ms, the part spent getting the source picture


def to_qimage(rgb: np.ndarray) -> QImage:
    """A QImage owning a copy of an RGB uint8 frame (safe to build off the UI thread)."""
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def backend_label(project, t, registry=None) -> str:
    """Which part made the picture at `t`: the effects that ran and the backend they used."""
    hit = top_video_clip(project, Fraction(t))
    if hit is None:
        return "no clip"
    parts = []
    for effect in hit.clip.effects:
        if not effect.enabled:
            continue
        plugin = registry.find(effect.plugin_id) if registry is not None else None
        backend = effect.params.get("backend")
        if backend is None and plugin is not None and plugin.param("backend") is not None:
            backend = plugin.param("backend").default
        backend = BACKEND_NAMES.get(backend, backend)
        name = plugin.name if plugin is not None else effect.plugin_id.rsplit(".", 1)[-1].replace("_", " ")
        parts.append(f"{name} ({backend})" if backend else name)
    return " + ".join(parts) if parts else "source (no effects)"


def _has_effects(project, t) -> bool:
    hit = top_video_clip(project, Fraction(t))
    return hit is not None and any(e.enabled for e in hit.clip.effects)


class FrameServer(QObject):
    frameReady = Signal(object)      # RenderedFrame
    playbackDropped = Signal(int)    # frames skipped so far in this playback run

    def __init__(self, pool, registry, render_scale: float = 1.0, parent=None):
        super().__init__(parent)
        self.renderer: Renderer | None = None
        self._pool, self._registry = pool, registry
        self._scale = render_scale
        self._cond = threading.Condition()
        self._still: tuple | None = None        # (index, project, generation)
        self._play: dict | None = None          # the running playback, see `play`
        self._stop = False
        self._forget = False
        self._busy = False
        self._warm = False                      # a frame with effects has been finished
        self._preview: RenderedFrame | None = None   # the first frame's source picture
        self._prefetch: collections.deque = collections.deque()  # (media path, source index)
        self.prefetched = 0
        self.dropped = 0
        self.rendered = 0
        self.reused = 0
        # (generation, index, scale) -> RenderedFrame; a generation is one state of the
        # project, so a kept frame is exactly what rendering again would give.
        self._recent: collections.OrderedDict = collections.OrderedDict()
        self._thread = threading.Thread(target=self._run, name="stylecut-frames", daemon=True)
        self._thread.start()

    # ---- requests (UI thread)

    def request(self, index: int, project, generation: int) -> None:
        """Render frame `index` of `project` (a snapshot) as soon as possible; newest wins.

        While the first frame is still being finished, its source picture, when already
        decoded, is handed out at once (a receiver that connected late still sees it)."""
        with self._cond:
            self._still = (index, project, generation)
            early = self._preview
            self._cond.notify()
        if early is not None and (early.index, early.generation) == (index, generation):
            self.frameReady.emit(early)

    def play(self, start_index: int, project, generation: int, fps, last_index: int,
             wanted: dict[int, int] | None = None) -> None:
        """Follow a clock starting now at `start_index`, frame rate `fps`, until `last_index`.

        `wanted` (device emulation) maps the only frames to render to the display tick at which
        each must be ready; without it every frame is due at its own tick.
        """
        with self._cond:
            self._play = {"start": start_index, "t0": time.perf_counter(), "fps": float(fps),
                          "project": project, "generation": generation, "last": last_index,
                          "next": start_index, "prepared": False, "wanted": wanted}
            self.dropped = 0
            self._cond.notify()

    def update_play_project(self, project, generation: int) -> None:
        """An edit while playing (a style switch): the next frame uses the new project."""
        with self._cond:
            if self._play is not None:
                self._play["project"] = project
                self._play["generation"] = generation

    def stop_play(self) -> None:
        with self._cond:
            self._play = None
            self._cond.notify()

    @property
    def playing(self) -> bool:
        return self._play is not None

    def idle(self) -> bool:
        """No frame asked for or being made (background decoding ahead may go on)."""
        with self._cond:
            return not self._busy and self._still is None and self._play is None

    def prefetching(self) -> bool:
        with self._cond:
            return bool(self._prefetch)

    def forget_frames(self) -> None:
        """Drop every kept picture: finished frames, stylized results, decoded frames (the
        next request starts cold, as after opening the project; effects stay loaded)."""
        with self._cond:
            self._prefetch.clear()
            self._forget = True
            self._cond.notify()

    def set_render_scale(self, scale: float) -> None:
        """Render smaller frames for a faster preview (1.0 full size); takes effect next frame."""
        with self._cond:
            self._scale = scale

    @property
    def render_scale(self) -> float:
        return self._scale

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._play = None
            self._cond.notify()
        self._thread.join(timeout=5)
        if self.renderer is not None:
            self.renderer.close()

    # ---- worker

    def _next_job(self):
        with self._cond:
            while True:
                if self._stop:
                    return None
                if self._forget:
                    self._forget = False
                    self._recent.clear()
                    if self.renderer is not None:
                        self.renderer.close()  # its effect instances keep their results
                        self.renderer = None
                    self._pool.cache.clear()
                if self._still is not None:
                    job, self._still = self._still, None
                    self._busy = True
                    return ("still",) + job
                play = self._play
                if play is not None:
                    due = play["start"] + int((time.perf_counter() - play["t0"]) * play["fps"])
                    if play["next"] > play["last"]:
                        self._play = None
                        continue
                    wanted = play["wanted"]
                    if wanted is not None and play["next"] not in wanted:
                        play["next"] += 1  # the emulated phone never shows this frame
                        continue
                    deadline = wanted[play["next"]] if wanted is not None else play["next"]
                    if deadline < due:  # behind the clock: this frame is already late
                        self.dropped += 1
                        play["next"] += 1
                        self.playbackDropped.emit(self.dropped)
                        continue
                    if deadline - due >= AHEAD:  # far enough ahead: wait for the clock
                        wake = play["t0"] + (deadline - AHEAD + 1 - play["start"]) / play["fps"]
                        self._cond.wait(max(0.001, wake - time.perf_counter()))
                        continue
                    index = play["next"]
                    play["next"] += 1
                    self._busy = True
                    return ("play", index, play["project"], play["generation"], play)
                if self._prefetch:
                    batch = [self._prefetch.popleft() for _ in range(min(PREFETCH_BATCH, len(self._prefetch)))]
                    return ("prefetch", batch)
                self._cond.wait()

    def _run(self) -> None:
        while True:
            job = self._next_job()
            if job is None:
                return
            try:
                if job[0] == "prefetch":
                    self._decode_ahead(job[1])
                else:
                    self._render(job)
            except Exception:  # never let one bad frame end the worker
                pass
            finally:
                with self._cond:
                    self._busy = False

    def _render(self, job) -> None:
        kind, index, project, generation = job[:4]
        key = (generation, index, self._scale)
        kept = self._recent.get(key)
        if kept is not None:
            self._recent.move_to_end(key)
            self.reused += 1
            self.frameReady.emit(RenderedFrame(index, kept.image, generation, kept.backend, 0.0,
                                               kept.errors, kind == "play"))
            return
        if self.renderer is not None and self.renderer.render_scale != self._scale:
            self.renderer.close()  # plugin instances keep per-size state: start afresh
            self.renderer = None
        if self.renderer is None:
            self.renderer = Renderer(project, pool=self._pool, registry=self._registry, render_scale=self._scale)
        renderer = self.renderer
        renderer.project = project
        t = project.frame_time(index)
        if kind == "still" and not self._warm and _has_effects(project, t):
            self._show_source_first(index, project, generation, t)
        if kind == "play" and not job[4]["prepared"]:
            job[4]["prepared"] = True
            renderer.prepare(project.frame_time(index))
        started = time.perf_counter()
        self._decode(project, t)
        decoded = time.perf_counter()
        startup.mark("frame-decoded")
        result = renderer.render(t)
        ms = (time.perf_counter() - started) * 1000
        self.rendered += 1
        self._warm = True
        self._preview = None
        frame = RenderedFrame(index, to_qimage(result.frame), generation, backend_label(project, t, self._registry), ms,
                              [str(e) for e in result.errors], kind == "play", decode_ms=(decoded - started) * 1000)
        self._recent[key] = frame
        while len(self._recent) > RECENT:
            self._recent.popitem(last=False)
        self.frameReady.emit(frame)
        if kind == "still":
            self._plan_prefetch(project, t)

    def _decode(self, project, t) -> None:
        """Get the source picture at `t` into the media cache (the renderer takes it from
        there); failures are left for the renderer to report."""
        hit = top_video_clip(project, Fraction(t))
        if hit is None or not os.path.isfile(hit.clip.media):
            return
        try:
            self._pool.source(hit.clip.media).frame_at_time(hit.source_time)
        except Exception:
            pass

    def _plan_prefetch(self, project, t) -> None:
        """Queue the frames of the clip at `t` around it that the media cache lacks: after
        it first (the decoder is already there), then those before it."""
        hit = top_video_clip(project, Fraction(t))
        if hit is None or not os.path.isfile(hit.clip.media):
            return
        try:
            source = self._pool.source(hit.clip.media)
        except Exception:
            return
        clip = hit.clip
        cache = self._pool.cache
        budget = min(PREFETCH_BYTES, cache.budget_bytes // 2)
        count = max(0, budget // max(1, source.width * source.height * 3))
        here = source.index_at_time(hit.source_time)
        first = source.index_at_time(clip.source_in)
        last = min(source.frame_count - 1, source.index_at_time(clip.source_out))
        low = max(first, here - count // 2)
        high = min(last, low + count - 1)
        low = max(first, high - count + 1)
        wanted = list(range(here + 1, high + 1)) + list(range(low, here))
        path = source.path
        with self._cond:
            self._prefetch.clear()
            self._prefetch.extend((path, i) for i in wanted if (path, i) not in cache)
            self._cond.notify()

    def _decode_ahead(self, batch) -> None:
        for path, i in batch:
            self._pool.source(path).frame(i)
            self.prefetched += 1

    def _show_source_first(self, index: int, project, generation: int, t) -> None:
        """The frame without its effects, through the same render path (the decoded picture
        stays in the media cache, so the full render that follows does not decode again)."""
        plain = copy.deepcopy(project)
        for _, clip in plain.clips():
            clip.effects = []
        started = time.perf_counter()
        with Renderer(plain, pool=self._pool, registry=self._registry, render_scale=self._scale) as renderer:
            result = renderer.render(t)
        startup.mark("frame-decoded")
        frame = RenderedFrame(index, to_qimage(result.frame), generation, "source picture; effects loading...",
                              (time.perf_counter() - started) * 1000, [str(e) for e in result.errors], preview=True)
        self._preview = frame
        self.frameReady.emit(frame)
