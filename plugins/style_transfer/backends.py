"""The three ways to run a style network, behind one small interface.

- desktop: onnxruntime on the ONNX network, full float precision;
- phone: the project's C runtime with the network converted to fp32 (what a phone runs);
- phone-int8: the C runtime with int8 convolutions (faster, a little less exact).

A backend takes a uint8 RGB picture whose sides are multiples of `multiple` and at least
`min_size`, plus the style weights, and returns the stylized uint8 picture of the same size.
Backends are expensive to create (model load, conversion, thread pools) and cheap to run,
so `get_backend` keeps one per (kind, network file) for the whole process: every clip and
every effect instance using that network shares it. Switching styles of a multi-style
network only changes the weights given to `run`, never the session.
"""

from __future__ import annotations

import atexit
import os
import threading
from pathlib import Path

import numpy as np

from editor.errors import PluginError, StyleCutError

BACKENDS = ("desktop", "phone", "phone-int8")
THREADS = 2   # the machines this targets have two cores; the runtimes release the GIL


class Backend:
    kind = ""
    # True when concurrent `run` calls on this one session wait for each other, so render
    # threads side by side gain from forks of their own.
    runs_one_at_a_time = False

    def __init__(self, model_path: Path):
        self.model_path = Path(model_path)
        self.multiple = 8
        self.min_size = 16
        self.style_count = 0
        self.runs = 0          # frames this backend has stylized (shows when inference is skipped)

    def run(self, rgb: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
        """Stylize one picture; counts the run."""
        self.runs += 1
        return self._run(rgb, weights)

    def _run(self, rgb: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
        raise NotImplementedError

    def fork(self, threads: int) -> "Backend":
        """The same network in a session of its own with `threads` threads: a pipeline runs
        one fork per worker so frames go through the network side by side, each on one core,
        instead of one frame at a time split across the cores (no barrier between layers)."""
        raise NotImplementedError


class DesktopBackend(Backend):
    kind = "desktop"

    def __init__(self, model_path: Path, threads: int = THREADS):
        super().__init__(model_path)
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(str(self.model_path), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime has its own exception types for damaged files
            raise PluginError(self.model_path, f"not a loadable ONNX style network ({_first_line(exc)})") from None
        inputs = {i.name: i for i in self.session.get_inputs()}
        self.image_input = "image" if "image" in inputs else self.session.get_inputs()[0].name
        shape = inputs.get("style_weights").shape if "style_weights" in inputs else None
        self.style_count = int(shape[-1]) if shape and isinstance(shape[-1], int) else 0
        self.weight_shape = tuple(shape) if shape else None
        self.output = self.session.get_outputs()[0].name
        self.multiple, self.min_size = _size_rules(self.model_path)

    def fork(self, threads: int) -> "DesktopBackend":
        return DesktopBackend(self.model_path, threads)

    def _run(self, rgb, weights):
        x = np.ascontiguousarray(rgb.transpose(2, 0, 1)[None], dtype=np.float32)
        x *= 1.0 / 255.0
        feeds = {self.image_input: x}
        if self.style_count:
            w = np.zeros(self.style_count, np.float32)
            if weights is None:
                w[0] = 1.0
            else:
                w[:] = weights
            feeds["style_weights"] = w.reshape(self.weight_shape)
        y = self.session.run([self.output], feeds)[0][0]
        y = y.transpose(1, 2, 0) * 255.0
        y += 0.5
        np.clip(y, 0.0, 255.0, out=y)
        return y.astype(np.uint8)


class NativeBackend(Backend):
    runs_one_at_a_time = True   # the session holds one style selection and one set of buffers

    def __init__(self, model_path: Path, int8: bool):
        super().__init__(model_path)
        from native.runtime import Model, Session

        from .model_cache import native_model

        self.kind = "phone-int8" if int8 else "phone"
        try:
            converted = native_model(self.model_path, int8)
            self.model = Model.load(converted)
        except PluginError:
            raise
        except StyleCutError as exc:
            raise PluginError(self.model_path, f"cannot be prepared for the phone runtime: {exc.problem}") from None
        self.session = Session(self.model, threads=THREADS)
        info = self.model.info
        self.multiple, self.min_size, self.style_count = info.size_multiple, info.min_size, info.num_styles
        self._weights: tuple | None = None
        self._lock = threading.Lock()

    def fork(self, threads: int) -> "NativeBackend":
        from native.runtime import Session

        twin = object.__new__(NativeBackend)
        twin.__dict__.update(self.__dict__)    # the loaded model is immutable and shared
        twin.session = Session(self.model, threads=threads)
        twin.runs, twin._weights, twin._lock = 0, None, threading.Lock()
        return twin

    def _run(self, rgb, weights):
        with self._lock:  # weights and run together: the session is shared between effects
            if self.style_count:
                key = None if weights is None else tuple(float(v) for v in weights)
                if key != self._weights:
                    if weights is None:
                        self.session.set_style(0)
                    else:
                        self.session.set_style_weights(weights)
                    self._weights = key
            return self.session.run(np.ascontiguousarray(rgb))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


_rules: dict[tuple, tuple[int, int]] = {}


def _size_rules(path: Path) -> tuple[int, int]:
    """(size multiple, minimum side) of an ONNX network, as the converter derives them."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _rules:
        try:
            from native.convert import to_network

            net = to_network(str(path))
            _rules[key] = (int(net.size_multiple), int(net.min_size))
        except Exception:  # an op the converter lacks: fall back to the student's rules
            _rules[key] = (8, 16)
    return _rules[key]


_backends: dict[tuple, Backend] = {}
_backends_lock = threading.Lock()
_loading: dict[tuple, threading.Lock] = {}


def _key(kind: str, model_path: Path) -> tuple:
    try:
        st = os.stat(model_path)
    except OSError:
        raise PluginError(model_path, "the style network file is missing") from None
    return kind, str(model_path), st.st_size, st.st_mtime_ns


def get_backend(kind: str, model_path: Path) -> Backend:
    """The shared backend of `kind` for `model_path`, created on first use."""
    if kind not in BACKENDS:
        raise PluginError(kind, f"unknown backend (choose from {', '.join(BACKENDS)})")
    model_path = Path(model_path)
    key = _key(kind, model_path)
    with _backends_lock:
        found = _backends.get(key)
        if found is not None:
            return found
        gate = _loading.setdefault(key, threading.Lock())
    with gate:  # one load per network even when a preload and a render ask at once
        with _backends_lock:
            found = _backends.get(key)
        if found is not None:
            return found
        if kind == "desktop":
            backend = DesktopBackend(model_path)
        else:
            backend = NativeBackend(model_path, int8=(kind == "phone-int8"))
        with _backends_lock:
            _backends[key] = backend
        return backend


def is_loaded(kind: str, model_path: Path) -> bool:
    try:
        key = _key(kind, Path(model_path))
    except PluginError:
        return False
    with _backends_lock:
        return key in _backends


def preload(kind: str, model_paths) -> threading.Thread:
    """Load backends in the background (low priority work for playback start)."""
    def work():
        for path in model_paths:
            try:
                get_backend(kind, path)
            except Exception:  # reported when the style is actually used
                continue

    thread = threading.Thread(target=work, name="style-preload", daemon=True)
    with _backends_lock:
        if not _preloads:
            atexit.register(_finish_preloads)
        _preloads.append(thread)
    thread.start()
    return thread


_preloads: list[threading.Thread] = []


def _finish_preloads() -> None:
    """At exit, let running preloads end: a process that exits while a background thread is
    inside onnxruntime (a session being made, an int8 calibration) aborts in its C++
    destructors instead of exiting cleanly."""
    for thread in list(_preloads):
        thread.join()
