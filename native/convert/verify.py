"""Check a converted model against its ONNX source: the native fp32 model must reproduce
onnxruntime's output; an int8 model is compared with the fp32 conversion (PSNR)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Verification:
    size: tuple[int, int]
    max_abs_diff: float | None = None     # fp32: native vs onnxruntime
    psnr_db: float | None = None          # int8: native int8 vs native fp32

    def describe(self) -> str:
        h, w = self.size
        if self.psnr_db is not None:
            return f"int8 vs fp32 PSNR {self.psnr_db:.1f} dB at {w}x{h}"
        return f"max |native - onnxruntime| = {self.max_abs_diff:.2g} at {w}x{h}"


def _input(frames, multiple: int, min_size: int):
    if frames:
        rgb = frames[0]
        return np.ascontiguousarray((rgb.astype(np.float32) / 255.0).transpose(2, 0, 1)[None])
    side = max(min_size, -(-64 // multiple) * multiple)
    return np.random.default_rng(0).random((1, 3, side, side), dtype=np.float32)


def verify(onnx_bytes: bytes, native_bytes: bytes, fp32_bytes: bytes | None = None, frames=None) -> Verification:
    """fp32_bytes given: `native_bytes` is int8 and is compared with it; else with onnxruntime."""
    import onnxruntime as ort

    from native.runtime import Model, Session

    model = Model.load(native_bytes)
    x = _input(frames, model.info.size_multiple, model.info.min_size)
    size = (x.shape[2], x.shape[3])
    session = Session(model, threads=2)
    styles = model.info.num_styles
    if fp32_bytes is not None:
        ref = Session(Model.load(fp32_bytes), threads=2)
        worst = float("inf")
        for style in range(max(styles, 1)):
            if styles:
                session.set_style(style)
                ref.set_style(style)
            mse = float(np.mean((session.run(x).astype(np.float64) - ref.run(x)) ** 2))
            worst = min(worst, float("inf") if mse == 0 else 10 * np.log10(1.0 / mse))
        return Verification(size, psnr_db=worst)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    sess = ort.InferenceSession(onnx_bytes, opts, providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    worst = 0.0
    for style in range(max(styles, 1)) if styles <= 4 else (0, styles // 2, styles - 1):
        feeds = {names[0]: x}
        if styles:
            w = np.zeros(styles, np.float32)
            w[style] = 1.0
            shape = sess.get_inputs()[1].shape
            feeds[names[1]] = w.reshape([d if isinstance(d, int) else 1 for d in shape])
            session.set_style(style)
        worst = max(worst, float(np.abs(session.run(x) - sess.run(None, feeds)[0]).max()))
    return Verification(size, max_abs_diff=worst)
