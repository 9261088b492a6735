"""Run a style network on a picture with onnxruntime, at any picture size.

The networks need sides that divide by 8 (three stride-2 stages): the picture is padded by
reflection up to the next multiple and the result cropped back, so borders stay clean.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from editor.errors import StyleCutError

MULTIPLE = 8


class StyleNetwork:
    """One ONNX style network: `image` [1,3,H,W] in 0..1, optional `style_weights` [N]."""

    def __init__(self, path, threads: int = 2):
        import onnxruntime as ort

        self.path = Path(path)
        if not self.path.is_file():
            raise StyleCutError(self.path, "style network file not found")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(str(self.path), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types for bad files
            raise StyleCutError(self.path, f"not a loadable ONNX model ({exc})") from None
        inputs = {i.name: i for i in self.session.get_inputs()}
        if "image" not in inputs:
            raise StyleCutError(self.path, "the network has no 'image' input")
        self.style_count = 0
        if "style_weights" in inputs:
            shape = inputs["style_weights"].shape
            if len(shape) != 1 or not isinstance(shape[0], int):
                raise StyleCutError(self.path, f"'style_weights' must have a fixed shape [N], has {shape}")
            self.style_count = shape[0]
        self.output = self.session.get_outputs()[0].name

    def one_hot(self, index: int) -> np.ndarray:
        if not 0 <= index < self.style_count:
            raise StyleCutError(self.path, f"style index {index} out of range 0..{self.style_count - 1}")
        w = np.zeros(self.style_count, np.float32)
        w[index] = 1.0
        return w

    def run_float(self, rgb: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """HxWx3 float32 0..1 in, HxWx3 float32 0..1 out."""
        x = np.asarray(rgb, np.float32)
        h, w = x.shape[:2]
        ph, pw = (-h) % MULTIPLE, (-w) % MULTIPLE
        if ph or pw:
            mode = "reflect" if min(h, w) > max(ph, pw) else "edge"
            x = np.pad(x, ((0, ph), (0, pw), (0, 0)), mode=mode)
        feeds = {"image": np.ascontiguousarray(x.transpose(2, 0, 1)[None])}
        if self.style_count:
            if weights is None:
                weights = self.one_hot(0)
            feeds["style_weights"] = np.asarray(weights, np.float32)
        out = self.session.run([self.output], feeds)[0][0]
        return np.clip(out.transpose(1, 2, 0)[:h, :w], 0.0, 1.0)

    def stylize(self, rgb: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """HxWx3 uint8 in, HxWx3 uint8 out."""
        out = self.run_float(np.asarray(rgb, np.float32) / 255.0, weights)
        return (out * 255.0 + 0.5).astype(np.uint8)
