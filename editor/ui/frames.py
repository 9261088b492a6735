"""Frames for the viewer, rendered off the UI thread through the core's one render path.

Worker threads own a `Renderer` each. Requests never queue up: a still frame (scrub, step,
edit) fills a one-slot mailbox that the next request overwrites, and the first worker always
renders the newest wish. During playback the workers follow the clock themselves: each takes
the next frame not yet taken, at most `AHEAD` frames in front of the clock, and frames whose
time has passed are skipped. That is where frames drop when rendering is slower than the frame
rate; the UI thread only ever receives finished images. With two workers, frame n+1 decodes
and runs the network while frame n is enlarged and blended, so the two cores overlap; decoding
happens in frame order (turns numbered in the order frames are handed out), because a decoder
sent backwards restarts from the last keyframe. Playback frames render inside
`dedicated_render_thread()`, so effects with a shared session (the style network) run a
one-thread session of their own per worker and the two networks overlap instead of queueing;
still frames keep the shared session, whose threads then have the cores to themselves.

The worker renders a deep copy of the project handed over with each request, never the live
model the UI edits.

While nothing is asked, the worker decodes the frames of the clip under the playhead into the
media cache (`PREFETCH_BYTES` at most, a few frames at a time so a request waits for at most
a few decodes). Clips with rare keyframes cost a decode from the keyframe for every random
access (hundreds of milliseconds at 720p); from the cache a scrub pays only the effects.

While the playhead is dragged, the viewer asks for drafts: the frame rendered at half the
preview scale (a quarter of the pixels, the style network at half its processing size), shown
at once; when no newer request has come for `REFINE_DELAY_S`, the worker renders the same
frame at full quality. So a drag shows pictures that follow the mouse, and the frame where it
stops gets its full quality a moment later.

The very first still frame is shown twice: first the source picture without effects (decoding
is quick, loading a style network is not), then the finished frame. Later frames find their
effects loaded and go straight to the finished frame.
"""

from __future__ import annotations

import collections
import copy
import itertools
import os
import threading
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from editor.core.plugin_api import dedicated_render_thread
from editor.core.render import Renderer
from editor.core.timeline import top_video_clip

from . import startup

AHEAD = 3  # frames the playback workers may render in front of the clock
PREROLL_FRAMES = 2  # frames finished before a playback clock starts
PREROLL_MAX_S = 1.0  # the clock starts after this long even if they are not
RENDER_THREADS = 2  # playback workers (still frames, drafts and decoding ahead use the first)
RECENT = 24  # finished frames kept, so scrubbing back over them shows them at once
PREFETCH_BYTES = 384 << 20  # decoded frames kept ready around the playhead (of the media cache)
PREFETCH_BATCH = 3  # frames decoded between looks at the mailbox
DRAFT_SCALE = 0.5  # of the preview scale, for frames asked for while the playhead is dragged
REFINE_DELAY_S = 0.06  # quiet time after a draft before its full-quality frame is rendered
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
    draft: bool = False        # rendered small while the playhead is dragged
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
    clockStarted = Signal(int, float)  # a playback's id and the perf_counter time its clock started

    def __init__(self, pool, registry, render_scale: float = 1.0, parent=None,
                 render_threads: int = RENDER_THREADS):
        super().__init__(parent)
        self._pool, self._registry = pool, registry
        self._scale = render_scale
        self._cond = threading.Condition()
        # Playback decodes in hand-out order: each frame handed out gets a ticket, and a worker
        # decodes when its ticket's turn comes (`_turns`), one decode at a time (`_decode_lock`,
        # which the decoding ahead takes too). Neither is ever awaited while holding `_cond`.
        self._turns = threading.Condition()
        self._decode_lock = threading.Lock()
        self._lock = threading.Lock()               # kept frames and counters
        self._still: tuple | None = None        # (index, project, generation, draft)
        self._refine: tuple | None = None       # (when, (index, project, generation)): after a draft
        self._play: dict | None = None          # the running playback, see `play`
        self._play_ids = 0
        self._stop = False
        self._forget = False
        self._busy = 0                          # workers rendering now
        self._warm = False                      # a frame with effects has been finished
        self._prepared = None                   # the project generation effects last prepared
        self._preview: RenderedFrame | None = None   # the first frame's source picture
        self._prefetch: collections.deque = collections.deque()  # (media path, source index)
        self._prefetch_running = False
        self.prefetched = 0
        self.dropped = 0
        self.rendered = 0
        self.reused = 0
        # (generation, index, scale) -> RenderedFrame; a generation is one state of the
        # project, so a kept frame is exactly what rendering again would give.
        self._recent: collections.OrderedDict = collections.OrderedDict()
        # per worker: its renderers by scale ("full" and "draft"); plugin instances keep
        # per-size state, and two workers never share one
        self._renderers: list[dict[str, Renderer | None]] = []
        self._threads = []
        for k in range(max(1, render_threads)):
            self._renderers.append({"full": None, "draft": None})
            thread = threading.Thread(target=self._run, args=(k,), name=f"stylecut-frames-{k}", daemon=True)
            self._threads.append(thread)
        for thread in self._threads:
            thread.start()

    @property
    def render_threads(self) -> int:
        return len(self._threads)

    # ---- requests (UI thread)

    def request(self, index: int, project, generation: int, draft: bool = False) -> None:
        """Render frame `index` of `project` (a snapshot) as soon as possible; newest wins.

        `draft`: a small frame first, the full-quality one when no newer request follows.
        While the first frame is still being finished, its source picture, when already
        decoded, is handed out at once (a receiver that connected late still sees it)."""
        with self._cond:
            self._still = (index, project, generation, draft)
            self._refine = None
            early = self._preview
            self._cond.notify_all()
        if early is not None and (early.index, early.generation) == (index, generation):
            self.frameReady.emit(early)

    def play(self, start_index: int, project, generation: int, fps, last_index: int,
             wanted: dict[int, int] | None = None, preroll: int = 0) -> int:
        """Follow a clock that shows `start_index` first, frame rate `fps`, until `last_index`;
        returns this playback's id.

        With `preroll`, the clock starts only when that many frames are finished (or after
        PREROLL_MAX_S): the first frames of a playback pay for decoder seeks and per-worker
        sessions, and a clock already running would count them late and drop the frames after
        them. `clockStarted(id, t0)` tells when it starts (t0 a time.perf_counter() value);
        without a pre-roll it starts at once.

        `wanted` (device emulation) maps the only frames to render to the display tick at which
        each must be ready; without it every frame is due at its own tick.
        """
        now = time.perf_counter()
        with self._cond:
            self._play_ids += 1
            # the pre-roll waits for the first frames to be shown, not just any frames
            first = sorted(i for i in wanted if i >= start_index) if wanted is not None \
                else range(start_index, last_index + 1)
            first = set(itertools.islice(first, max(0, preroll)))
            self._play = {"id": self._play_ids, "start": start_index, "t0": None if preroll > 0 else now,
                          "pressed": now, "preroll": first, "fps": float(fps),
                          "project": project, "generation": generation, "last": last_index,
                          "next": start_index, "prepared": set(), "wanted": wanted,
                          "tickets": 0, "turn": 0, "finished": set()}
            self.dropped = 0
            self._refine = None
            self._cond.notify_all()
            play_id = self._play_ids
        if preroll <= 0:
            self.clockStarted.emit(play_id, now)
        return play_id

    def _start_clock(self, play: dict) -> None:
        """Start a pre-rolled playback's clock now (call holding `_cond`)."""
        if play["t0"] is None:
            play["t0"] = time.perf_counter()
            self.clockStarted.emit(play["id"], play["t0"])
            self._cond.notify_all()

    def _preroll_frame_done(self, play: dict, index: int) -> None:
        with self._cond:
            if play["t0"] is None:
                play["preroll"].discard(index)
                if not play["preroll"]:
                    self._start_clock(play)

    def update_play_project(self, project, generation: int) -> None:
        """An edit while playing (a style switch): the next frame uses the new project."""
        with self._cond:
            if self._play is not None:
                self._play["project"] = project
                self._play["generation"] = generation

    def stop_play(self) -> None:
        with self._cond:
            self._play = None
            self._cond.notify_all()

    @property
    def playing(self) -> bool:
        return self._play is not None

    def idle(self) -> bool:
        """No frame asked for or being made (background decoding ahead may go on)."""
        with self._cond:
            return not self._busy and self._still is None and self._play is None and self._refine is None

    def prefetching(self) -> bool:
        """Frames are still being decoded ahead (queued, or a batch under way)."""
        with self._cond:
            return bool(self._prefetch) or self._prefetch_running

    def forget_frames(self) -> None:
        """Drop every kept picture: finished frames, stylized results, decoded frames (the
        next request starts cold, as after opening the project; effects stay loaded)."""
        with self._cond:
            self._prefetch.clear()
            self._forget = True
            self._cond.notify_all()

    def set_render_scale(self, scale: float) -> None:
        """Render smaller frames for a faster preview (1.0 full size); takes effect next frame."""
        with self._cond:
            self._scale = scale

    @property
    def render_scale(self) -> float:
        return self._scale

    def close(self) -> None:
        """Stop and join the workers, then close their renderers (and the plugin instances)."""
        with self._cond:
            self._stop = True
            self._play = None
            self._still = self._refine = None
            self._prefetch.clear()
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=10)
        for slots in self._renderers:
            for name, renderer in slots.items():
                if renderer is not None:
                    renderer.close()
                slots[name] = None

    # ---- worker

    def _next_job(self, worker: int):
        with self._cond:
            while True:
                if self._stop:
                    return None
                if self._forget and worker == 0 and not self._busy:
                    self._forget = False
                    self._recent.clear()
                    for slots in self._renderers:
                        for name, renderer in slots.items():
                            if renderer is not None:
                                renderer.close()  # its effect instances keep their results
                            slots[name] = None
                    self._pool.cache.clear()
                if worker == 0 and self._still is not None:
                    job, self._still = self._still, None
                    self._busy += 1
                    return ("still",) + job
                if worker == 0 and self._refine is not None and self._play is None:
                    when, job = self._refine
                    wait = when - time.perf_counter()
                    if wait > 0:
                        self._cond.wait(wait)
                        continue
                    self._refine = None
                    self._busy += 1
                    return ("still",) + job + (False,)
                play = self._play
                if play is not None:
                    if play["t0"] is None and time.perf_counter() - play["pressed"] > PREROLL_MAX_S:
                        self._start_clock(play)
                    # during the pre-roll the first frame is due: up to AHEAD frames start at once
                    t0 = play["t0"]
                    due = play["start"] + (0 if t0 is None else int((time.perf_counter() - t0) * play["fps"]))
                    if play["next"] > play["last"]:
                        if not self._busy:
                            self._play = None
                        else:
                            self._cond.wait(0.005)
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
                        if t0 is None:  # or for the pre-roll to end
                            self._cond.wait(0.01)
                            continue
                        wake = t0 + (deadline - AHEAD + 1 - play["start"]) / play["fps"]
                        self._cond.wait(max(0.001, wake - time.perf_counter()))
                        continue
                    index = play["next"]
                    play["next"] += 1
                    self._busy += 1
                    turn = {"ticket": play["tickets"], "open": True}  # frames decode in this order
                    play["tickets"] += 1
                    return ("play", index, play["project"], play["generation"], play, turn)
                if worker == 0 and self._prefetch:
                    batch = [self._prefetch.popleft() for _ in range(min(PREFETCH_BATCH, len(self._prefetch)))]
                    self._prefetch_running = True
                    return ("prefetch", batch)
                self._cond.wait()

    def _run(self, worker: int) -> None:
        while True:
            job = self._next_job(worker)
            if job is None:
                return
            try:
                if job[0] == "prefetch":
                    self._decode_ahead(job[1])
                else:
                    self._render(worker, job)
            except Exception:  # never let one bad frame end the worker
                pass
            finally:
                if job[0] == "prefetch":
                    with self._cond:
                        self._prefetch_running = False
                if job[0] == "play":
                    self._end_turn(job[4], job[5])  # when the job ended before its decode
                if job[0] != "prefetch":
                    with self._cond:
                        self._busy -= 1
                        self._cond.notify_all()

    def _await_turn(self, play: dict, turn: dict) -> None:
        """Wait until the frames handed out before this one are decoded (or playback ended)."""
        with self._turns:
            while play["turn"] != turn["ticket"] and not self._stop and self._play is play:
                self._turns.wait(0.05)

    def _end_turn(self, play: dict, turn: dict) -> None:
        if not turn["open"]:
            return
        turn["open"] = False
        with self._turns:
            play["finished"].add(turn["ticket"])
            while play["turn"] in play["finished"]:
                play["finished"].discard(play["turn"])
                play["turn"] += 1
            self._turns.notify_all()

    def _renderer(self, worker: int, kind: str, project, scale: float) -> Renderer:
        slots = self._renderers[worker]
        renderer = slots[kind]
        if renderer is not None and renderer.render_scale != scale:
            renderer.close()  # plugin instances keep per-size state: start afresh
            renderer = None
        if renderer is None:
            renderer = slots[kind] = Renderer(project, pool=self._pool, registry=self._registry, render_scale=scale)
        renderer.project = project
        return renderer

    def _kept(self, key) -> RenderedFrame | None:
        with self._lock:
            frame = self._recent.get(key)
            if frame is not None:
                self._recent.move_to_end(key)
            return frame

    def _keep(self, key, frame: RenderedFrame) -> None:
        with self._lock:
            self._recent[key] = frame
            while len(self._recent) > RECENT:
                self._recent.popitem(last=False)

    def _render(self, worker: int, job) -> None:
        kind, index, project, generation = job[:4]
        scale = self._scale
        key = (generation, index, scale)
        kept = self._kept(key)
        if kept is not None:
            if kind == "play":
                self._end_turn(job[4], job[5])
            with self._lock:
                self.reused += 1
            self.frameReady.emit(RenderedFrame(index, kept.image, generation, kept.backend, 0.0,
                                               kept.errors, kind == "play"))
            if kind == "play":
                self._preroll_frame_done(job[4], index)
            return
        if kind == "still" and job[4] and self._warm:
            self._render_draft(worker, index, project, generation)
            return
        renderer = self._renderer(worker, "full", project, scale)
        t = project.frame_time(index)
        if kind == "still" and not self._warm and _has_effects(project, t):
            self._show_source_first(index, project, generation, t)
        started = time.perf_counter()
        if kind == "play":
            try:
                self._await_turn(job[4], job[5])
                with self._decode_lock:
                    self._decode(project, t)
            finally:
                self._end_turn(job[4], job[5])
            if worker not in job[4]["prepared"]:
                job[4]["prepared"].add(worker)
                renderer.prepare(t)
                started = time.perf_counter()
        else:
            self._decode(project, t)
        decoded = time.perf_counter()
        startup.mark("frame-decoded")
        if kind == "play" and len(self._renderers) > 1:
            with dedicated_render_thread():
                result = renderer.render(t)
        else:
            result = renderer.render(t)
        ms = (time.perf_counter() - started) * 1000
        if _has_effects(project, t):
            self._warm = True  # effects loaded: no more source pictures first
        self._preview = None
        frame = RenderedFrame(index, to_qimage(result.frame), generation, backend_label(project, t, self._registry), ms,
                              [str(e) for e in result.errors], kind == "play", decode_ms=(decoded - started) * 1000)
        with self._lock:
            self.rendered += 1
        self._keep(key, frame)
        self.frameReady.emit(frame)
        if kind == "play":
            self._preroll_frame_done(job[4], index)
        if kind == "still":
            if self._prepared != generation and _has_effects(project, t):
                # Effects preload what playback may need (for the style effect, the networks
                # of the other styles) now, once per edit, while the user looks at the frame:
                # done at Play, that loading competed with the first frames and dropped some.
                self._prepared = generation
                renderer.prepare(t)
            self._plan_prefetch(project, t)

    def _render_draft(self, worker: int, index: int, project, generation: int) -> None:
        """The frame at DRAFT_SCALE of the preview scale now, the full one after a quiet moment."""
        scale = self._scale * DRAFT_SCALE
        key = (generation, index, scale)
        frame = self._kept(key)
        if frame is None:
            renderer = self._renderer(worker, "draft", project, scale)
            t = project.frame_time(index)
            started = time.perf_counter()
            self._decode(project, t)
            decoded = time.perf_counter()
            result = renderer.render(t)
            frame = RenderedFrame(index, to_qimage(result.frame), generation, backend_label(project, t, self._registry),
                                  (time.perf_counter() - started) * 1000, [str(e) for e in result.errors],
                                  draft=True, decode_ms=(decoded - started) * 1000)
            self._keep(key, frame)
        self.frameReady.emit(frame)
        with self._cond:
            if self._still is None and self._play is None:
                self._refine = (time.perf_counter() + REFINE_DELAY_S, (index, project, generation))

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
            self._cond.notify_all()

    def _decode_ahead(self, batch) -> None:
        done = 0
        with self._decode_lock:  # never in the middle of playback's decoding
            for path, i in batch:
                self._pool.source(path).frame(i)
                done += 1
        with self._lock:
            self.prefetched += done
