"""Native models converted from the catalog's ONNX networks, made once and kept on disk.

The phone backends run the project's C runtime, which reads its own model format. The
conversion (and for int8 the calibration that measures activation ranges) takes seconds,
so its result is stored in the user's cache folder under the ONNX file's content hash, a
digest of the converter's code and, for int8, of the calibration pictures: a retrained
network or a changed converter gets a new file, an unchanged one is never converted again.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import numpy as np

from editor.errors import PluginError

# Bump when the calibration pictures or their preparation change: int8 models made from
# other calibration data must not be reused.
CALIBRATION_VERSION = 1
CALIBRATION_SHORT_SIDE = 360

_lock = threading.Lock()
_hashes: dict[tuple[str, int, int], str] = {}


def cache_dir() -> Path:
    """$STYLECUT_CACHE_DIR, else $XDG_CACHE_HOME/stylecut, else ~/.cache/stylecut."""
    env = os.environ.get("STYLECUT_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stylecut"


def file_hash(path: Path) -> str:
    """sha256 of the file's content (remembered per path, size and modification time)."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    with _lock:
        known = _hashes.get(key)
    if known:
        return known
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    value = digest.hexdigest()
    with _lock:
        _hashes[key] = value
    return value


_converter: str | None = None


def converter_digest() -> str:
    """A digest of the converter's own code: a changed converter (new fusions, another
    quantization rule) makes new models instead of reusing those the old one wrote."""
    global _converter
    if _converter is None:
        import importlib.util

        # Found, not imported: the converter's imports are not needed to read its files
        # (a fifth of a second at every start when the converted model is already cached).
        spec = importlib.util.find_spec("native.convert")
        folder = Path(spec.origin).parent
        digest = hashlib.sha256()
        for source in sorted(folder.glob("*.py")):
            digest.update(source.name.encode())
            digest.update(source.read_bytes())
        _converter = digest.hexdigest()[:10]
    return _converter


def native_model(onnx_path: Path, int8: bool) -> Path:
    """The cached native model for `onnx_path` (fp32 or int8), converting it on first use."""
    onnx_path = Path(onnx_path)
    try:
        digest = file_hash(onnx_path)
    except OSError as exc:
        raise PluginError(onnx_path, f"cannot read the style network ({exc.strerror})") from None
    frames = None
    kind = "fp32"
    folder = cache_dir() / "native-models"
    if int8:
        # the calibration pictures depend on what is installed: their digest is in the name,
        # so a model calibrated on other pictures is never taken for this one
        kind = f"int8-c{CALIBRATION_VERSION}-{_calibration_digest(folder)}"
    target = folder / f"{digest[:32]}-{converter_digest()}-{kind}.scn"
    if target.is_file():
        return target
    if int8:
        frames, pictures = _calibration()
        target = folder / f"{digest[:32]}-{converter_digest()}-int8-c{CALIBRATION_VERSION}-{pictures}.scn"
        _remember_calibration_digest(folder, pictures)
        if target.is_file():
            return target
    from native.convert import convert

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PluginError(folder, f"cannot create the model cache folder ({exc.strerror})") from None
    # convert() writes a temporary file and renames it, so a crash never leaves half a model
    # and two processes converting at once both end with a whole one.
    convert(onnx_path, target, int8=int8, frames=frames)
    return target


_calibration_cache: tuple[list, str] | None = None

# Where calibration_frames() reads its pictures from, per package. Decoding them (and
# importing scikit-image and matplotlib) costs most of a second; the digest of the prepared
# pictures is remembered under a fingerprint of these files and of the libraries that decode
# and scale them, so a start-up with a converted model already in the cache skips all that.
_CALIBRATION_SOURCES = {
    "skimage": ("data/astronaut.png", "data/chelsea.png", "data/coffee.png", "data/rocket.jpg", "data/ihc.png"),
    "matplotlib": ("mpl-data/sample_data/grace_hopper.jpg", "mpl-data/sample_data/Minduka_Present_Blue_Pack.png"),
}
_CALIBRATION_LIBRARIES = ("skimage", "matplotlib", "PIL", "imageio", "cv2", "numpy")


def _calibration_fingerprint() -> str:
    """A digest of the calibration pictures' files and of the libraries that decode and
    scale them (size and modification time of each file, and of each library's package
    file, which an upgrade rewrites); never imports them, and reads no package metadata
    (importlib.metadata would cost more than a tenth of a second)."""
    import importlib.util

    digest = hashlib.sha256(f"c{CALIBRATION_VERSION}-{CALIBRATION_SHORT_SIDE}".encode())
    for package, files in _CALIBRATION_SOURCES.items():
        spec = importlib.util.find_spec(package)
        roots = list(spec.submodule_search_locations or []) if spec else []
        for name in files:
            path = Path(roots[0]) / name if roots else None
            try:
                st = path.stat() if path else None
            except OSError:
                st = None
            digest.update(f"{package}/{name}:{st.st_size if st else -1}:{st.st_mtime_ns if st else -1};".encode())
    for library in _CALIBRATION_LIBRARIES:
        spec = importlib.util.find_spec(library)
        try:
            st = os.stat(spec.origin) if spec and spec.origin else None
        except OSError:
            st = None
        digest.update(f"{library}:{st.st_size if st else -1}:{st.st_mtime_ns if st else -1};".encode())
    return digest.hexdigest()[:16]


def _memo_path(folder: Path) -> Path:
    return folder / f"calibration-{_calibration_fingerprint()}.digest"


def _calibration_digest(folder: Path) -> str:
    """The calibration pictures' digest: remembered for these files, else computed."""
    try:
        known = _memo_path(folder).read_text().strip()
        if len(known) == 12 and all(c in "0123456789abcdef" for c in known):
            return known
    except OSError:
        pass
    digest = _calibration()[1]
    _remember_calibration_digest(folder, digest)
    return digest


def _remember_calibration_digest(folder: Path, digest: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        memo = _memo_path(folder)
        tmp = memo.with_name(f".{memo.name}.{os.getpid()}")
        tmp.write_text(digest + "\n")
        os.replace(tmp, memo)
    except OSError:
        pass  # a read-only cache only costs the computation next time


def _calibration() -> tuple[list[np.ndarray], str]:
    """The calibration pictures and a digest of them, made once per process."""
    global _calibration_cache
    with _lock:
        if _calibration_cache is not None:
            return _calibration_cache
    frames = calibration_frames()
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(repr(frame.shape).encode())
        digest.update(frame.tobytes())
    with _lock:
        _calibration_cache = (frames, digest.hexdigest()[:12])
        return _calibration_cache


def calibration_frames() -> list[np.ndarray]:
    """Photographs that ship with the installed libraries, at the typical processing size.

    Natural pictures with people, animals, objects and landscapes: their activation ranges
    cover what video footage reaches, which random noise would not."""
    pictures = []
    try:
        import skimage.data

        for name in ("astronaut", "chelsea", "coffee", "rocket", "immunohistochemistry"):
            try:
                pictures.append(np.asarray(getattr(skimage.data, name)()))
            except Exception:  # a picture this installation lacks
                continue
    except ImportError:
        pass
    try:
        import matplotlib.cbook as cbook
        from PIL import Image

        for name in ("grace_hopper.jpg", "Minduka_Present_Blue_Pack.png"):
            try:
                with cbook.get_sample_data(name) as fh:
                    pictures.append(np.asarray(Image.open(fh).convert("RGB")))
            except (OSError, ValueError):
                continue
    except ImportError:
        pass
    if not pictures:
        raise PluginError("int8 calibration", "no calibration pictures are installed "
                                              "(matplotlib's sample data or scikit-image)")
    return [_prepare(p) for p in pictures]


def _prepare(picture: np.ndarray) -> np.ndarray:
    from .upsample import processing_shape, resize

    if picture.ndim == 2:
        picture = np.repeat(picture[:, :, None], 3, axis=2)
    picture = np.ascontiguousarray(picture[:, :, :3].astype(np.uint8))
    h, w = processing_shape(*picture.shape[:2], CALIBRATION_SHORT_SIDE)
    picture = resize(picture, h, w)
    h8, w8 = h - h % 8, w - w % 8
    return np.ascontiguousarray(picture[:h8, :w8])
