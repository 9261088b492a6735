"""Python face of the C runtime: load a model, open a session, run numpy arrays through it.

    from native.runtime import Model, Session
    model = Model.load("style.scn")
    session = Session(model, threads=2)            # isa="auto" | "scalar" | "avx2" | "avx512" | "neon"
    session.set_style(3)                           # or session.set_style_weights([...])
    rgb_out = session.run(rgb)                     # uint8 H x W x 3 -> uint8 H' x W' x 3
    y = session.run(x)                             # float32 1 x C x H x W -> float32 1 x C' x H' x W'

Arrays go to C without copies (the binding checks dtype, layout and shape, because cffi does
not), results are written into freshly allocated numpy arrays (or `out=`), and the GIL is
released while the network runs, so other Python threads (the UI) keep going.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import numpy as np

from native.errors import NativeModelError, NativeRunError

ISAS = {"auto": 0, "scalar": 1, "avx2": 2, "avx512": 3, "neon": 4}
ISA_NAMES = {v: k for k, v in ISAS.items()}

_lib = None
_ffi = None


def _load_binding():
    global _lib, _ffi
    if _lib is None:
        try:
            from native._stylecut_native import ffi, lib
        except ImportError as exc:
            raise NativeModelError(
                os.path.join(os.path.dirname(__file__), "_stylecut_native"),
                f"the native runtime is not built ({exc}); run `make -C native lib` and "
                "`.venv/bin/python native/build_ffi.py` (or .ci/setup)") from None
        _lib, _ffi = lib, ffi
    return _lib, _ffi


def available() -> bool:
    """True when the compiled binding can be imported."""
    try:
        _load_binding()
    except NativeModelError:
        return False
    return True


def version() -> str:
    lib, ffi = _load_binding()
    return ffi.string(lib.sc_version()).decode()


_guided_workspace = threading.local()


def guided_upsample(src: np.ndarray, guide_low: np.ndarray, guide_full: np.ndarray, radius: int = 2,
                    eps: float = 2e-3) -> np.ndarray:
    """Guided-filter enlargement of `src` (uint8 h x w or h x w x c, c <= 4) to the size of
    `guide_full` (uint8 H x W), fitted against `guide_low` (uint8 h x w). See
    sc_guided_upsample_u8 in stylecut.h. Releases the GIL; each thread keeps its workspace
    (video frames come one size after another)."""
    lib, ffi = _load_binding()
    src = np.ascontiguousarray(src, dtype=np.uint8)
    guide_low = np.ascontiguousarray(guide_low, dtype=np.uint8)
    guide_full = np.ascontiguousarray(guide_full, dtype=np.uint8)
    if src.ndim not in (2, 3) or guide_low.shape != src.shape[:2] or guide_full.ndim != 2:
        raise ValueError(f"picture {src.shape}, guides {guide_low.shape} and {guide_full.shape}: expected "
                         "h x w (x c), h x w and H x W")
    c = 1 if src.ndim == 2 else src.shape[2]
    H, W = guide_full.shape
    out = np.empty((H, W) if src.ndim == 2 else (H, W, c), np.uint8)
    need = lib.sc_guided_upsample_workspace(src.shape[0], src.shape[1], c, W, int(radius))
    ws = getattr(_guided_workspace, "buffer", None)
    if need and (ws is None or ws.nbytes < need or ws.nbytes > 4 * need):
        ws = _guided_workspace.buffer = np.empty(need, np.uint8)
    status = lib.sc_guided_upsample_u8(ffi.from_buffer("uint8_t[]", src), src.shape[0], src.shape[1], c,
                                       ffi.from_buffer("uint8_t[]", guide_low), ffi.from_buffer("uint8_t[]", guide_full),
                                       H, W, int(radius), float(eps),
                                       ffi.from_buffer("uint8_t[]", out, require_writable=True), out.nbytes,
                                       ffi.from_buffer("uint8_t[]", ws, require_writable=True) if need else ffi.NULL,
                                       ws.nbytes if need else 0)
    if status != 0:
        raise ValueError(_message(status))
    return out


def checksum(data: bytes) -> int:
    """FNV-1a 64 of `data`, the model file checksum."""
    lib, ffi = _load_binding()
    return int(lib.sc_fnv1a64(ffi.from_buffer(data), len(data)))


def isa_available(name: str) -> bool:
    lib, _ = _load_binding()
    return bool(lib.sc_isa_available(_isa_code(name)))


def default_isa() -> str:
    lib, _ = _load_binding()
    return ISA_NAMES.get(lib.sc_isa_default(), "unknown")


def _isa_code(name: str) -> int:
    try:
        return ISAS[name]
    except KeyError:
        raise NativeRunError(None, f"unknown kernel family '{name}' (choose from {', '.join(ISAS)})") from None


def _message(status: int) -> str:
    lib, ffi = _load_binding()
    text = ffi.string(lib.sc_last_error()).decode("utf-8", "replace")
    name = ffi.string(lib.sc_status_name(status)).decode()
    return text or name


@dataclass(frozen=True)
class ModelInfo:
    version: int
    is_int8: bool
    in_channels: int
    out_channels: int
    size_multiple: int
    min_size: int
    num_styles: int
    num_layers: int
    num_tensors: int
    num_values: int
    num_params: int
    file_size: int
    name: str


@dataclass(frozen=True)
class LayerInfo:
    index: int
    op: str
    in_shape: tuple[int, int, int]
    out_shape: tuple[int, int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    groups: int
    is_int8: bool
    macs: int
    params: int


@dataclass(frozen=True)
class LayerTiming:
    index: int
    ms: float
    fused_into: int       # -1 when the layer ran itself
    kernel: str


class Model:
    """An immutable loaded network; share it between sessions and threads."""

    def __init__(self, handle, path: str):
        self._handle = handle
        self.path = path
        self.info = self._read_info()

    @classmethod
    def load(cls, source) -> "Model":
        """Load from a file path, or from bytes (then errors name the model '<memory>')."""
        lib, ffi = _load_binding()
        out = ffi.new("sc_model **")
        if isinstance(source, (bytes, bytearray, memoryview)):
            path = "<memory>"
            data = bytes(source)
            status = lib.sc_model_load_memory(ffi.from_buffer(data), len(data), out)
        else:
            path = os.fspath(source)
            if not os.path.isfile(path):
                raise NativeModelError(path, "no such model file")
            status = lib.sc_model_load_file(path.encode(), out)
        if status != 0:
            raise NativeModelError(path, _message(status))
        return cls(ffi.gc(out[0], lib.sc_model_free), path)

    def _read_info(self) -> ModelInfo:
        lib, ffi = _load_binding()
        info = ffi.new("sc_model_info *")
        self._check(lib.sc_model_get_info(self._handle, info))
        return ModelInfo(info.version, bool(info.is_int8), info.in_channels, info.out_channels,
                         info.size_multiple, info.min_size, info.num_styles, info.num_layers,
                         info.num_tensors, info.num_values, int(info.num_params), int(info.file_size),
                         ffi.string(info.name).decode("utf-8", "replace"))

    def _check(self, status: int, error=NativeModelError):
        if status != 0:
            raise error(self.path, _message(status))

    def output_shape(self, height: int, width: int) -> tuple[int, int, int]:
        """(C, H, W) of the result for an input of height x width; raises if not accepted."""
        lib, ffi = _load_binding()
        c, h, w = ffi.new("int *"), ffi.new("int *"), ffi.new("int *")
        self._check(lib.sc_model_output_shape(self._handle, int(height), int(width), c, h, w), NativeRunError)
        return c[0], h[0], w[0]

    def layers(self, height: int, width: int) -> list[LayerInfo]:
        lib, ffi = _load_binding()
        out = []
        info = ffi.new("sc_layer_info *")
        for i in range(lib.sc_model_layer_count(self._handle)):
            self._check(lib.sc_model_layer_info(self._handle, i, int(height), int(width), info), NativeRunError)
            out.append(LayerInfo(i, ffi.string(info.op_name).decode(),
                                 (info.in_c, info.in_h, info.in_w), (info.out_c, info.out_h, info.out_w),
                                 (info.kernel_h, info.kernel_w), (info.stride_h, info.stride_w),
                                 info.groups, bool(info.is_int8), int(info.macs), int(info.params)))
        return out

    def macs(self, height: int, width: int) -> int:
        return sum(layer.macs for layer in self.layers(height, width) if layer.op in ("conv", "conv_transpose"))


class Session:
    """Runs a model; holds the working buffers. One call at a time (guarded by a lock)."""

    def __init__(self, model: Model, threads: int = 1, isa: str = "auto"):
        lib, ffi = _load_binding()
        if not isinstance(threads, int) or threads < 1:
            raise NativeRunError(model.path, f"thread count must be a positive integer, got {threads!r}")
        self.model = model
        self.threads = threads
        out = ffi.new("sc_session **")
        status = lib.sc_session_create(model._handle, threads, out)
        if status != 0:
            raise NativeRunError(model.path, _message(status))
        self._handle = ffi.gc(out[0], lib.sc_session_free)
        self._lock = threading.Lock()
        if isa != "auto":
            self.set_isa(isa)

    def _check(self, status: int):
        if status != 0:
            raise NativeRunError(self.model.path, _message(status))

    @property
    def isa(self) -> str:
        lib, _ = _load_binding()
        return ISA_NAMES.get(lib.sc_session_get_isa(self._handle), "unknown")

    def set_isa(self, name: str) -> None:
        lib, _ = _load_binding()
        with self._lock:
            self._check(lib.sc_session_set_isa(self._handle, _isa_code(name)))

    def set_style(self, index: int) -> None:
        lib, _ = _load_binding()
        n = self.model.info.num_styles
        if not 0 <= int(index) < max(n, 1):
            raise NativeRunError(self.model.path, f"style index {index} is outside 0..{max(n - 1, 0)}")
        with self._lock:
            self._check(lib.sc_session_set_style(self._handle, int(index)))

    def set_style_weights(self, weights) -> None:
        lib, ffi = _load_binding()
        w = np.ascontiguousarray(weights, dtype=np.float32).reshape(-1)
        if w.size != self.model.info.num_styles:
            raise NativeRunError(self.model.path, f"{w.size} style weights given, the model has "
                                                  f"{self.model.info.num_styles} styles")
        if not np.all(np.isfinite(w)):
            raise NativeRunError(self.model.path, "style weights must be finite numbers")
        with self._lock:
            self._check(lib.sc_session_set_style_weights(self._handle, ffi.from_buffer("float[]", w), w.size))

    def run(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """uint8 H x W x 3 RGB -> uint8 RGB; float32 1 x C x H x W -> float32 1 x C' x H' x W'."""
        lib, ffi = _load_binding()
        if not isinstance(x, np.ndarray):
            raise NativeRunError(self.model.path, f"input must be a numpy array, got {type(x).__name__}")
        if not x.flags.c_contiguous:
            raise NativeRunError(self.model.path, "input array must be C-contiguous (use np.ascontiguousarray)")
        if x.dtype == np.uint8:
            if x.ndim != 3 or x.shape[2] != 3:
                raise NativeRunError(self.model.path, f"a uint8 image must be H x W x 3, got shape {x.shape}")
            h, w = x.shape[:2]
            c, oh, ow = self._output_shape(h, w)
            out = self._out(out, (oh, ow, 3), np.uint8)
            with self._lock:
                status = lib.sc_session_run_rgb(self._handle, ffi.from_buffer("uint8_t[]", x), h, w,
                                                ffi.from_buffer("uint8_t[]", out, require_writable=True),
                                                out.nbytes)
        elif x.dtype == np.float32:
            if x.ndim != 4 or x.shape[0] != 1:
                raise NativeRunError(self.model.path, f"a float32 tensor must be 1 x C x H x W, got shape {x.shape}")
            _, cin, h, w = x.shape
            if cin != self.model.info.in_channels:
                raise NativeRunError(self.model.path, f"input has {cin} channels, the model takes "
                                                      f"{self.model.info.in_channels}")
            c, oh, ow = self._output_shape(h, w)
            out = self._out(out, (1, c, oh, ow), np.float32)
            with self._lock:
                status = lib.sc_session_run_f32(self._handle, ffi.from_buffer("float[]", x), cin, h, w,
                                                ffi.from_buffer("float[]", out, require_writable=True),
                                                out.size)
        else:
            raise NativeRunError(self.model.path, f"input dtype must be uint8 (RGB) or float32 (NCHW), got {x.dtype}")
        self._check(status)
        return out

    def _output_shape(self, h: int, w: int):
        if h < 1 or w < 1:
            raise NativeRunError(self.model.path, f"empty image ({h}x{w})")
        return self.model.output_shape(h, w)

    def _out(self, out, shape, dtype):
        if out is None:
            return np.empty(shape, dtype)
        if not isinstance(out, np.ndarray) or out.dtype != dtype or out.shape != tuple(shape) \
                or not out.flags.c_contiguous or not out.flags.writeable:
            raise NativeRunError(self.model.path, f"out= must be a writable C-contiguous {np.dtype(dtype)} "
                                                  f"array of shape {tuple(shape)}")
        return out

    def layer_timings(self) -> list[LayerTiming]:
        lib, ffi = _load_binding()
        t = ffi.new("sc_layer_timing *")
        result = []
        for i in range(lib.sc_model_layer_count(self.model._handle)):
            self._check(lib.sc_session_layer_timing(self._handle, i, t))
            kernel = ffi.string(t.kernel).decode() if t.kernel != ffi.NULL else ""
            result.append(LayerTiming(i, float(t.ms), int(t.fused_into), kernel))
        return result

    @property
    def last_run_ms(self) -> float:
        lib, _ = _load_binding()
        return float(lib.sc_session_last_run_ms(self._handle))
