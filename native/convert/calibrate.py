"""Activation ranges for int8: run the float ONNX model in onnxruntime on representative frames
and record, per tensor, the minimum and maximum it reaches."""

from __future__ import annotations

import numpy as np

from native.convert.ir import Network


def activation_ranges(onnx_model, net: Network, frames: list[np.ndarray],
                      names: list[str]) -> dict[str, tuple[float, float]]:
    """{tensor name: (min, max)} over all frames (and, for conditional networks, all styles)."""
    import onnx
    import onnxruntime as ort

    model = onnx.ModelProto()
    model.CopyFrom(onnx_model)
    graph_inputs = {i.name for i in model.graph.input}
    existing = {o.name for o in model.graph.output}
    wanted = [n for n in names if n not in graph_inputs]
    for name in wanted:
        if name not in existing:
            model.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL  # keep every tensor
    opts.intra_op_num_threads = 2
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    out_names = [o.name for o in sess.get_outputs()]
    ranges: dict[str, list[float]] = {}

    def note(name, arr):
        lo, hi = float(arr.min()), float(arr.max())
        if name in ranges:
            ranges[name][0] = min(ranges[name][0], lo)
            ranges[name][1] = max(ranges[name][1], hi)
        else:
            ranges[name] = [lo, hi]

    runs = max(len(frames), net.num_styles)
    for j in range(runs):
        rgb = frames[j % len(frames)]
        x = (rgb.astype(np.float32) / 255.0).transpose(2, 0, 1)[None].copy()
        feeds = {net.image_input: x}
        if net.style_input:
            w = np.zeros(net.num_styles, np.float32)
            w[j % net.num_styles] = 1.0
            shape = [d.dim_value for d in next(i for i in model.graph.input
                                               if i.name == net.style_input).type.tensor_type.shape.dim]
            feeds[net.style_input] = w.reshape(shape)
        note(net.image_input, x)
        for name, arr in zip(out_names, sess.run(out_names, feeds)):
            note(name, arr)
    return {k: (v[0], v[1]) for k, v in ranges.items() if k in names}
