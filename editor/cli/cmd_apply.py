"""`stylecut apply INPUT -o OUTPUT --style ID [...]`: a style painted over a whole clip.

Every frame of INPUT goes through the style-transfer effect (the same plugin the editor
runs) and is encoded at the input's size and frame rate; the input's sound is copied
untouched when the preset's audio codec matches it, otherwise re-encoded.

Decode, stylize and encode run as a pipeline of threads joined by short queues: one decoding
thread, stylizing workers (one per core, at least two; each with its own one-thread session,
so frames go through the network side by side) and the encoding thread, so the decoder and
the encoder work while the network runs (the native runtime, onnxruntime, OpenCV and FFmpeg
all release the GIL while they compute). The output is written under a temporary name beside
the target and renamed when complete.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from dataclasses import dataclass, field
from fractions import Fraction

from editor.errors import Cancelled, StyleCutError

PLUGIN_ID = "org.stylecut.style_transfer"
_QUEUE_DEPTH = 3          # frames in flight between stages: enough to absorb jitter
_END = object()
# x264/x265 speed for apply. On stylized 720p frames at the preset's CRF 20, x264 superfast
# costs about 14 ms of CPU a frame against 25 for veryfast and 90 for the export's medium; its
# file is about 1.6 times veryfast's and 1 dB closer to the uncompressed frames (at equal size
# it is some 0.4 dB behind veryfast): the encoder is the largest cost after the network, and
# this keeps apply faster than real time. --encode-speed veryfast or medium trade speed for
# smaller files (bench/bench_apply_encoder.py measures all of them; docs/STYLE_PLUGIN.md).
DEFAULT_SPEED = "superfast"
_ONE_THREAD_DECODE_PIXELS = 1920 * 1088
# One frame through the network per core at once, each in a one-thread session, rather than
# one frame split over the cores: no barrier between layers, and the network's CPU time is all
# on the worker's thread. At least two, so that on two cores the network overlaps itself as
# well as decoding and encoding; at most eight (each worker holds a session and its buffers).
# x264 picks its own thread count (frame threads over the cores).
def _default_workers() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 2
    return min(max(2, cores), 8)


DEFAULT_WORKERS = _default_workers()
DEFAULT_INFERENCE_THREADS = 1
DEFAULT_ENCODE_THREADS = None
SPEEDS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower")


def register(sub) -> None:
    from editor.core.presets import DEFAULT_PRESET, PRESETS

    p = sub.add_parser("apply", help="apply a style to every frame of a video, keeping its sound")
    p.add_argument("input", help="the video to stylize")
    p.add_argument("-o", "--output", required=True, help="the file to write")
    p.add_argument("--style", required=True, help="style id (see `stylecut styles`)")
    p.add_argument("--strength", type=float, default=1.0, help="0..1 (default 1: fully stylized)")
    p.add_argument("--backend", default="desktop", choices=["desktop", "phone", "phone-int8"],
                   help="desktop: onnxruntime; phone: native fp32; phone-int8: native int8")
    p.add_argument("--size", type=int, default=360,
                   help="processing size: the short side the network sees (default 360; 0: full size)")
    p.add_argument("--preserve-colors", action="store_true", help="keep the original colours")
    p.add_argument("--mix", default="", help="mix styles of one network, e.g. 'a:0.6,b:0.4'")
    p.add_argument("--preset", default=DEFAULT_PRESET, choices=sorted(PRESETS),
                   help=f"encoding preset (default {DEFAULT_PRESET})")
    p.add_argument("--encode-speed", default=DEFAULT_SPEED, choices=SPEEDS,
                   help=f"x264/x265 speed preset (default {DEFAULT_SPEED}; the export uses medium)")
    p.add_argument("--timings", action="store_true", help="print where the time went")
    p.set_defaults(func=run)


@dataclass
class ApplyResult:
    path: str
    width: int
    height: int
    frames: int
    duration: Fraction
    audio: str                                    # "passthrough", "mixed" or "none"
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)   # stage -> seconds (summed over frames)
    cpu: dict = field(default_factory=dict)       # pipeline thread -> CPU seconds; "all threads"
    # step -> CPU seconds of the pipeline thread running it (decode, scale, inference, upsample,
    # encode); work in library threads (FFmpeg's, x264's, a multi-threaded session's) is only
    # in cpu["all threads"]
    stage_cpu: dict = field(default_factory=dict)

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds else 0.0


def style_params(style: str, strength: float = 1.0, backend: str = "desktop", size: int = 360,
                 preserve_colors: bool = False, mix: str = "") -> dict:
    """The effect's parameters, validated the way the editor validates them."""
    from editor.core.plugin_api import ParamError
    from plugins.style_transfer import StyleTransfer

    if not 0.0 <= strength <= 1.0:
        raise StyleCutError(None, f"--strength {strength} is outside 0..1")
    if size < 0:
        raise StyleCutError(None, f"--size {size} must be 0 (full size) or a positive short side")
    raw = {"style": style, "strength": strength, "backend": backend, "size": size,
           "preserve_colors": preserve_colors, "mix": mix}
    params = {}
    for param in StyleTransfer.params:
        try:
            params[param.name] = param.coerce(raw[param.name])
        except ParamError as exc:
            raise StyleCutError(f"--{param.name.replace('_', '-')}", exc.problem) from None
    return params


def apply_style(input_path, output_path, params: dict, preset: str = "h264", progress=None,
                cancel=None, encode_speed: str | None = DEFAULT_SPEED,
                max_frames: int | None = None, workers: int = DEFAULT_WORKERS,
                inference_threads: int = DEFAULT_INFERENCE_THREADS,
                encode_threads: int | None = DEFAULT_ENCODE_THREADS) -> ApplyResult:
    """Stylize every frame of `input_path` into `output_path`; see the module notes.

    `max_frames` stops after that many frames (benchmarks of slow settings); the sound is
    then re-encoded to end with the picture. `workers` frames go through the network at once,
    each in its own session of `inference_threads` threads; `encode_threads` is the H.264/H.265
    encoder's thread count (None: the encoder's own choice)."""
    from editor.core.export import AudioCopier, AudioEncoder, add_video_stream, check_target, encoded_output, \
        passthrough_candidate
    from editor.core.media.pool import MediaPool
    from editor.core.plugins import default_registry
    from editor.core.presets import get_preset
    from plugins.style_transfer import styles
    from plugins.style_transfer.effect import backend_for
    from plugins.style_transfer.upsample import processing_shape

    input_path, output_path = os.fspath(input_path), os.fspath(output_path)
    preset = get_preset(preset)
    # One pool for the whole run: the file is scanned (probed and indexed) once, for the
    # project, the audio decision and the decoder alike.
    pool = MediaPool(cache_bytes=16 * 1024 * 1024)
    project = _project_for(input_path, pool)
    settings = project.settings
    clip = project.tracks[0].clips[0]
    w, h = settings.width, settings.height
    if preset.size is not None and preset.size != (w, h):
        raise StyleCutError(preset.name, f"the preset forces {preset.size[0]}x{preset.size[1]}; apply keeps "
                                         f"the input's size ({w}x{h}): choose another preset")
    if preset.pixel_format.startswith(("yuv420", "nv12")) and (w % 2 or h % 2):
        raise StyleCutError(input_path, f"the picture is {w}x{h}; the {preset.name} preset encodes 4:2:0 "
                                        "video, which needs an even width and height (crop or scale the "
                                        "clip first, or use the prores preset)")
    if preset.pixel_format.startswith("yuv422") and w % 2:
        raise StyleCutError(input_path, f"the picture is {w}x{h}; the {preset.name} preset needs an even width")
    check_target(output_path, preset, settings)

    # Resolve the style and load its session before any file is written: an unknown style,
    # a missing or damaged network, or a clip too small for it fails here, cleanly.
    styles.resolve(params["style"], params["mix"])
    engine = backend_for(params["backend"], params)
    ph, pw = processing_shape(h, w, params["size"])
    if min(ph, pw) < engine.min_size:
        raise StyleCutError(input_path, f"the picture is {w}x{h} (processed at {pw}x{ph}); the style network "
                                        f"needs at least {engine.min_size} pixels on each side")
    registry = default_registry()
    effect = registry.create(PLUGIN_ID)
    # No effect.prepare(): it would also preload the library's other networks in the
    # background, CPU this run needs and networks it never uses; the one it runs is loaded.

    identity = effect.is_identity(params, Fraction(0))
    workers = 1 if identity else max(1, workers)
    # One session per worker on the plane path. The RGB path (strength below 1, preserved
    # colours, rotated clips) renders through the effect's shared session, its workers
    # overlapping the full-resolution blending; the identity needs no network at all.
    if effect.plane_path_applies(params) and not identity:
        engines = [engine.fork(inference_threads) for _ in range(workers)]
    else:
        engines = [None] * workers

    total = project.frame_count
    if max_frames is not None and 0 < max_frames < total:
        total = max_frames
        clip.source_out = Fraction(total) / settings.fps
    copier = encoder = None
    timings = {"decode": 0.0, "encode": 0.0}
    scale_seconds = 0.0
    cpu_started = time.process_time()
    cpu: dict[str, float] = {}
    encode_cpu = 0.0
    started = time.perf_counter()
    try:
        with encoded_output(output_path, preset.container) as output:
            video = add_video_stream(output, settings, preset)
            candidate = passthrough_candidate(project, pool, preset)
            if candidate is not None:
                copier = AudioCopier(output, candidate[1], Fraction(total) / settings.fps)
                audio_mode = "passthrough"
            elif pool.info(input_path).audio is not None:
                encoder = AudioEncoder(output, project, preset, pool)
                audio_mode = "mixed"
            else:
                audio_mode = "none"
            video.options = _with_speed(preset, encode_speed, encode_threads)
            pipeline = _Pipeline(pool.source(input_path), effect, params, total, settings.fps, cancel, engines)

            def encode(i, picture):
                nonlocal encode_cpu
                t0, c0 = time.perf_counter(), time.thread_time()
                frame = _to_video_frame(picture, preset.pixel_format)
                frame.pts = i
                frame.time_base = video.codec_context.time_base
                for pkt in video.encode(frame):
                    output.mux(pkt)
                if encoder is not None:
                    encoder.encode_frame_span(i)
                if copier is not None:
                    copier.mux_until(Fraction(i + 1) / settings.fps)
                timings["encode"] += time.perf_counter() - t0
                encode_cpu += time.thread_time() - c0
                if progress is not None:
                    progress(i + 1, total)

            encode_started = time.thread_time()
            pipeline.run(encode)
            t0, c0 = time.perf_counter(), time.thread_time()
            for pkt in video.encode(None):
                output.mux(pkt)
            if encoder is not None:
                encoder.flush()
            if copier is not None:
                copier.mux_until(None)
            timings["encode"] += time.perf_counter() - t0
            encode_cpu += time.thread_time() - c0
            stage_cpu = {**pipeline.stage_cpu, "inference": effect.cpu_timings["inference"],
                         "upsample": effect.cpu_timings["upsample"] + effect.cpu_timings["resize"],
                         "encode": encode_cpu}
            timings["decode"] = pipeline.decode_seconds
            cpu.update(pipeline.thread_cpu)
            cpu["encode thread"] = time.thread_time() - encode_started
            scale_seconds = pipeline.scale_seconds
    finally:
        if copier is not None:
            copier.close()
        pool.close()
        effect.close()
    seconds = time.perf_counter() - started
    timings.update({k: v for k, v in effect.timings.items()})
    timings["resize"] += scale_seconds
    return ApplyResult(output_path, w, h, total, Fraction(total) / settings.fps, audio_mode, seconds, timings,
                       {**cpu, "all threads": time.process_time() - cpu_started}, stage_cpu)


def _project_for(path: str, pool):
    from editor.core.project import Clip, Project, Settings, Track
    from editor.errors import MediaError

    info = pool.info(path)
    if info.video is None:
        raise MediaError(path, "has no video stream (it is audio only)")
    v = info.video
    audio = info.audio
    settings = Settings(width=v.display_width, height=v.display_height, fps=v.fps,
                        sample_rate=audio.sample_rate if audio else 48000,
                        channels=audio.channels if audio else 2)
    clip = Clip(id="input", media=info.path, source_in=Fraction(0), source_out=v.duration, start=Fraction(0),
                name=os.path.basename(path), media_duration=v.duration)
    return Project(settings=settings, tracks=[Track(id="video", kind="video", clips=[clip])],
                   name=os.path.splitext(os.path.basename(path))[0])


def _with_speed(preset, speed: str | None, threads: int | None = None) -> dict:
    """The preset's encoder options with x264/x265's speed preset replaced by `speed` and,
    for them, `threads` encoder threads."""
    options = dict(preset.video_options)
    if preset.video_codec in ("libx264", "libx265"):
        if speed:
            options["preset"] = speed
        if threads:
            options["threads"] = str(threads)
    return options


def _to_video_frame(picture, pixel_format: str):
    """The encoder's frame: planes from the stylize stage, or an RGB picture converted by swscale."""
    import av

    from editor.core.export import rgb_frame

    frame = picture if isinstance(picture, av.VideoFrame) else rgb_frame(picture)
    return frame if frame.format.name == pixel_format else frame.reformat(format=pixel_format)


def _plane(frame, k: int, height: int, width: int):
    import numpy as np

    plane = frame.planes[k]
    return np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:height, :width]


def _planes_frame(y, u, v):
    """A yuv420p VideoFrame holding the three planes (one copy each)."""
    import av
    import numpy as np

    height, width = y.shape
    frame = av.VideoFrame(width, height, "yuv420p")
    for k, data in enumerate((y, u, v)):
        plane = frame.planes[k]
        rows = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
        rows[:data.shape[0], :data.shape[1]] = data
    return frame


class _Reorder:
    """Stylized frames back in frame order: workers finish out of order, the encoder takes
    frame `next` only. At most `limit` frames wait; the one the encoder needs is always let in,
    so a slow frame can never block the others forever."""

    def __init__(self, limit: int, workers: int, stop: threading.Event):
        self.items: dict[int, object] = {}
        self.next = 0
        self.limit, self.running, self.stop = limit, workers, stop
        self.cond = threading.Condition()

    def put(self, i: int, item) -> bool:
        with self.cond:
            while len(self.items) >= self.limit and i != self.next:
                if self.stop.is_set():
                    return False
                self.cond.wait(0.1)
            self.items[i] = item
            self.cond.notify_all()
            return True

    def worker_done(self) -> None:
        with self.cond:
            self.running -= 1
            self.cond.notify_all()

    def get(self):
        with self.cond:
            while self.next not in self.items:
                if self.stop.is_set() or self.running == 0:
                    return _END
                self.cond.wait(0.1)
            item = self.items.pop(self.next)
            self.next += 1
            self.cond.notify_all()
            return item


class _Pipeline:
    """Decode thread -> `workers` stylize threads -> the caller's thread encoding, in frame order.

    On the plane path the decode thread also scales each frame to the processing size (swscale,
    one pass from YCbCr) and copies its luma, so the workers hold only the network and the
    guided step. Each worker runs its own fork of the backend (`engines`)."""

    def __init__(self, source, effect, params, total: int, fps: Fraction, cancel, engines: list):
        self.source, self.effect, self.params = source, effect, params
        self.total, self.fps, self.cancel = total, fps, cancel
        self.engines = engines
        self.decoded: queue.Queue = queue.Queue(_QUEUE_DEPTH)
        self.stop = threading.Event()
        self.styled = _Reorder(_QUEUE_DEPTH + len(engines), len(engines), self.stop)
        self.failure: BaseException | None = None
        self.decode_seconds = 0.0
        self.scale_seconds = 0.0     # decoded frame -> processing-size RGB (plane path)
        self.thread_cpu: dict[str, float] = {}   # CPU seconds of each pipeline thread
        self.stage_cpu = {"decode": 0.0, "scale": 0.0}   # CPU seconds of the decode thread's steps
        self.planes = source.rotation == 0 and effect.plane_path_applies(params)
        self._lock = threading.Lock()

    def _put(self, q: queue.Queue, item) -> bool:
        while not self.stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _get(self, q: queue.Queue):
        while True:
            try:
                return q.get(timeout=0.1)
            except queue.Empty:
                if self.stop.is_set():
                    return _END

    def _fail(self, exc: BaseException) -> None:
        if self.failure is None:
            self.failure = exc
        self.stop.set()

    def _decoded_frames(self):
        """(index, av.VideoFrame) in presentation order, straight through the file."""
        import av

        from editor.core.media.opening import open_container

        container = open_container(self.source.path)
        try:
            stream = container.streams[self.source.video.stream_index]
            if stream.codec_context.width * stream.codec_context.height > _ONE_THREAD_DECODE_PIXELS:
                stream.thread_type = "AUTO"
            else:
                # Up to 1080p one core decodes far faster than the network runs, and the other
                # stages keep both cores busy: a single decoding thread costs no speed, holds no
                # frames in flight, and its CPU time is all on this thread (measurable).
                stream.codec_context.thread_count = 1
            for packet in container.demux(stream):
                try:
                    frames = stream.decode(packet)
                except av.FFmpegError:
                    continue  # a damaged packet: its frame repeats the previous one
                for frame in frames:
                    j = None if frame.pts is None else self.source.index.index_of_pts(frame.pts)
                    if j is not None:
                        yield j, frame
        finally:
            container.close()

    def _prepared(self, frame, scaler, t: Fraction):
        """What a worker needs: (frame, processing-size RGB, full-size luma) on the plane path."""
        import numpy as np
        from av.video.reformatter import Interpolation

        if not self.planes or self.effect.is_identity(self.params, t):
            return frame, None, None
        t0, c0 = time.perf_counter(), time.thread_time()
        ph, pw = self.effect.processing_size(frame.height, frame.width, self.params)
        small = scaler.reformat(frame, width=pw, height=ph, format="rgb24",
                                interpolation=Interpolation.AREA).to_ndarray()
        yuv = frame if frame.format.name == "yuv420p" else frame.reformat(format="yuv420p")
        luma = np.ascontiguousarray(_plane(yuv, 0, frame.height, frame.width))
        self.scale_seconds += time.perf_counter() - t0
        self.stage_cpu["scale"] += time.thread_time() - c0
        return frame, small, luma

    def _decode(self) -> None:
        from av.video.reformatter import VideoReformatter

        scaler = VideoReformatter()
        try:
            frames = self._decoded_frames()
            current = prepared = None
            for i in range(self.total):
                t0, c0 = time.perf_counter(), time.thread_time()
                want = self.source.index_at_time(Fraction(i) / self.fps)
                # Constant-rate input maps frame to frame; otherwise frames repeat or drop to
                # keep the output at the input's average rate.
                while current is None or current[0] < want:
                    found = next(frames, None)
                    if found is None:
                        break
                    current, prepared = found, None
                self.decode_seconds += time.perf_counter() - t0
                self.stage_cpu["decode"] += time.thread_time() - c0
                if current is None:
                    raise StyleCutError(self.source.path, "no picture could be decoded")
                if prepared is None:
                    prepared = self._prepared(current[1], scaler, Fraction(i) / self.fps)
                if not self._put(self.decoded, (i, *prepared)):
                    return
            for _ in self.engines:
                self._put(self.decoded, _END)
        except BaseException as exc:
            self._fail(exc)
        finally:
            self.thread_cpu["decode thread"] = time.thread_time()

    def _stylize(self, k: int) -> None:
        from av.video.reformatter import VideoReformatter

        import numpy as np

        rgb_scaler = VideoReformatter()
        rotation = self.source.rotation
        engine = self.engines[k]
        try:
            while True:
                item = self._get(self.decoded)
                if item is _END:
                    return
                i, frame, small, luma = item
                t = Fraction(i) / self.fps
                if self.effect.is_identity(self.params, t):
                    picture = frame
                elif small is not None:
                    picture = _planes_frame(*self.effect.stylize_planes(small, luma, self.params, engine))
                else:
                    rgb = rgb_scaler.reformat(frame, format="rgb24").to_ndarray()
                    if rotation:
                        rgb = np.ascontiguousarray(np.rot90(rgb, rotation // 90))
                    picture = self.effect.render(rgb, t, self.params, 1.0)
                if not self.styled.put(i, (i, picture)):
                    return
        except BaseException as exc:
            self._fail(exc)
        finally:
            self.styled.worker_done()
            with self._lock:
                self.thread_cpu["stylize threads"] = self.thread_cpu.get("stylize threads", 0.0) + time.thread_time()

    def run(self, encode) -> None:
        threads = [threading.Thread(target=self._decode, name="apply-decode", daemon=True)]
        threads += [threading.Thread(target=self._stylize, args=(k,), name=f"apply-stylize-{k}", daemon=True)
                    for k in range(len(self.engines))]
        for thread in threads:
            thread.start()
        try:
            done = 0
            while True:
                if self.cancel is not None and (self.cancel.is_set() if hasattr(self.cancel, "is_set")
                                                else self.cancel()):
                    raise Cancelled()
                item = self.styled.get()
                if item is _END:
                    break
                i, picture = item
                encode(i, picture)
                done += 1
            if self.failure is not None:
                raise self.failure
            if done != self.total:
                raise StyleCutError(self.source.path, f"only {done} of {self.total} frames could be decoded")
        except BaseException:
            self.stop.set()
            raise
        finally:
            self.stop.set()
            for thread in threads:
                thread.join()
        if self.failure is not None:
            raise self.failure


def run(args) -> int:
    from editor.core.progress import ProgressBar

    params = style_params(args.style, args.strength, args.backend, args.size, args.preserve_colors, args.mix)
    with ProgressBar(f"styling {os.path.basename(args.output)}") as bar:
        result = apply_style(args.input, args.output, params, args.preset, progress=bar,
                             encode_speed=args.encode_speed)
    print(f"wrote {result.path}: {result.width}x{result.height}, {result.frames} frames, "
          f"{float(result.duration):.3f} s, audio {result.audio}, {result.fps:.1f} fps")
    if args.timings:
        parts = ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items())
        print(f"time: {result.seconds:.2f} s wall; summed per stage: {parts}", file=sys.stderr)
        n = max(result.frames, 1)
        steps = ", ".join(f"{k} {v / n * 1000:.1f}" for k, v in result.stage_cpu.items())
        print(f"CPU ms per frame: {result.cpu['all threads'] / n * 1000:.1f} in all; by step, on the thread "
              f"running it: {steps}", file=sys.stderr)
    return 0
