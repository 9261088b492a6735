"""Native runtime (fp32 and int8) against onnxruntime on a style network at 1280x720.

    .venv/bin/python bench/runtime_vs_ort.py [--size 1280x720] [--threads 2 1] [--repeat 10] [--model M.onnx]

All three engines run in the same invocation, interleaved round by round (the machine is shared
and noisy), with the same thread count; onnxruntime uses sequential execution and all graph
optimizations. Prints median ms, the speed ratios against onnxruntime, GFLOP/s (2 x conv MACs
per second) and the fraction of this CPU's AVX2 FMA peak (2 FMA units x 8 lanes x 2 flops per
core per cycle x clock x threads).

The network is the shipped student when models/ has one (models/catalog.json), else a
representative student built here: strided conv 3->16 (5x5, s2) and 16->32 (3x3, s2), four
residual blocks of 3x3 32-channel convs at 1/4 resolution with conditional instance norm and
ReLU, two nearest x2 upsamplings each followed by a conv, output conv to 3 + sigmoid.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

MEDIA = REPO.parent / "shared" / "media"


def shipped_model() -> tuple[bytes, str] | None:
    catalog = REPO / "models" / "catalog.json"
    if not catalog.is_file():
        return None
    try:
        entries = json.loads(catalog.read_text())
        entries = entries.get("styles", entries) if isinstance(entries, dict) else entries
        rel = entries[0]["model"]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    path = REPO / "models" / rel
    return (path.read_bytes(), str(path.relative_to(REPO))) if path.is_file() else None


def representative_student() -> tuple[bytes, str]:
    import native_nets

    return native_nets.student(blocks=4, width=32, styles=8, seed=0), "representative student (built in the bench)"


def cpu_ghz() -> float:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("cpu MHz"):
                    return float(line.split(":")[1]) / 1000.0
    except OSError:
        pass
    return 0.0


def ort_session(onnx_bytes: bytes, threads: int):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(onnx_bytes, opts, providers=["CPUExecutionProvider"])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--threads", type=int, nargs="+", default=[2, 1])
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--model", help="an ONNX style network (default: shipped or representative)")
    ap.add_argument("--student", action="store_true", help="use the representative student even if a shipped network exists")
    ap.add_argument("--ghz", type=float, default=None, help="clock for the peak (default: /proc/cpuinfo)")
    ap.add_argument("--layers", action="store_true", help="print per-layer native times (fp32, int8)")
    args = ap.parse_args(argv)

    from native.convert import convert_to_bytes
    from native.convert.frames import load_frames
    from native.runtime import Model, Session

    w, h = (int(v) for v in args.size.lower().split("x"))
    if args.model:
        onnx_bytes, label = Path(args.model).read_bytes(), args.model
    elif args.student:
        onnx_bytes, label = representative_student()
    else:
        onnx_bytes, label = shipped_model() or representative_student()
    fp32_bytes, _ = convert_to_bytes(onnx_bytes)
    net_model = Model.load(fp32_bytes)
    calib = load_frames(MEDIA / "carphone_pristine.mp4", count=8, multiple=net_model.info.size_multiple,
                        min_size=net_model.info.min_size)
    int8_bytes, report = convert_to_bytes(onnx_bytes, int8=True, frames=calib)
    models = {"native fp32": net_model, "native int8": Model.load(int8_bytes)}

    rng = np.random.default_rng(0)
    x = rng.random((1, 3, h, w), dtype=np.float32)
    macs = net_model.macs(h, w)
    ghz = args.ghz or cpu_ghz()
    styles = net_model.info.num_styles
    print(f"network: {label}; {macs / 1e9:.2f} GMAC at {w}x{h}; {styles or 'no'} styles; "
          f"int8: {report.quantized} convs quantized; CPU clock {ghz:.2f} GHz; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    rows = []
    for threads in args.threads:
        ort_sess = ort_session(onnx_bytes, threads)
        feeds = {ort_sess.get_inputs()[0].name: x}
        if styles:
            sw = np.zeros(styles, np.float32)
            sw[0] = 1.0
            feeds[ort_sess.get_inputs()[1].name] = sw
        natives = {name: Session(m, threads=threads) for name, m in models.items()}
        outs = {name: np.empty((1, 3, h, w), np.float32) for name in natives}
        runners = {"onnxruntime": lambda: ort_sess.run(None, feeds)}
        for name, s in natives.items():
            runners[name] = (lambda s=s, o=outs[name]: s.run(x, out=o))
        times = {name: [] for name in runners}
        for fn in runners.values():
            fn()                                              # warm-up
        for _ in range(args.repeat):
            for name, fn in runners.items():
                t0 = time.perf_counter()
                fn()
                times[name].append((time.perf_counter() - t0) * 1000.0)
        base = statistics.median(times["onnxruntime"])
        peak = 2 * 8 * 2 * ghz * threads                          # GFLOP/s
        for name, ts in times.items():
            med = statistics.median(ts)
            gflops = 2 * macs / med / 1e6
            rows.append((threads, name, med, base / med, gflops, gflops / peak if peak else float("nan")))
        if args.layers:
            for name, s in natives.items():
                print(f"\n{name}, {threads} threads, per layer (last run):")
                for t, info in zip(s.layer_timings(), models[name].layers(h, w)):
                    if t.fused_into < 0:
                        print(f"  {t.index:3d} {info.op:20s} {str(info.out_shape):18s} {t.ms:8.2f} ms  {t.kernel}")
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print()
    print("| threads | engine | median ms | speed vs onnxruntime | GFLOP/s | of AVX2 peak |")
    print("| --- | --- | --- | --- | --- | --- |")
    for threads, name, med, ratio, gflops, frac in rows:
        print(f"| {threads} | {name} | {med:.1f} | {ratio:.2f}x | {gflops:.1f} | {frac * 100:.1f}% |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
