"""`stylecut runtime`: the native runtime from the command line.

    stylecut runtime convert MODEL.onnx -o OUT.scn [--int8 --calibration VIDEO_OR_IMAGE_DIR]
    stylecut runtime run MODEL.scn --input IMG -o OUT [--threads N] [--isa ISA] [--style K]
    stylecut runtime bench MODEL.scn [--size WxH] [--threads N] [--repeat R] [--json]
    stylecut runtime info MODEL.scn [--size WxH] [--json]

IMG and OUT are .png or .ppm RGB frames, or .npy float32 [1, C, H, W] tensors (the output is
then written exactly as the network produced it).
"""

from __future__ import annotations

import json
import os
import statistics
import time

from editor.errors import StyleCutError

ISA_CHOICES = ["auto", "scalar", "avx2", "avx512", "neon"]


def register(sub) -> None:
    p = sub.add_parser("runtime", help="convert, run, benchmark and inspect native runtime models")
    rs = p.add_subparsers(dest="runtime_command", metavar="ACTION", required=True)

    c = rs.add_parser("convert", help="convert an ONNX network to a native model file")
    c.add_argument("model", help="ONNX file (opset 13 or later)")
    c.add_argument("-o", "--output", required=True, help="native model file to write (.scn)")
    c.add_argument("--int8", action="store_true", help="quantize convolutions to int8")
    c.add_argument("--calibration", help="video file or folder of images for int8 activation ranges")
    c.add_argument("--no-check", action="store_true",
                   help="skip running the result against onnxruntime (fp32) or the fp32 conversion (int8)")
    c.set_defaults(func=run_convert)

    r = rs.add_parser("run", help="run a native model on one image or tensor")
    r.add_argument("model")
    r.add_argument("--input", required=True, help=".png/.ppm RGB frame or .npy float32 1xCxHxW tensor")
    r.add_argument("-o", "--output", required=True, help=".png/.ppm (for RGB input) or .npy")
    _session_args(r)
    r.set_defaults(func=run_run)

    b = rs.add_parser("bench", help="time a native model on a synthetic frame")
    b.add_argument("model")
    b.add_argument("--size", default="1280x720", help="WxH (default 1280x720)")
    b.add_argument("--repeat", type=int, default=10, help="timed runs (default 10, after one warm-up)")
    b.add_argument("--json", action="store_true", help="print one JSON object")
    b.add_argument("--layers", action="store_true", help="also print per-layer times of the last run")
    _session_args(b)
    b.set_defaults(func=run_bench)

    i = rs.add_parser("info", help="describe a native model: metadata and layers")
    i.add_argument("model")
    i.add_argument("--size", default=None, help="WxH for layer shapes and MACs (default: 256x256 rounded)")
    i.add_argument("--json", action="store_true")
    i.set_defaults(func=run_info)


def _session_args(p) -> None:
    p.add_argument("--threads", type=int, default=1, help="threads (default 1)")
    p.add_argument("--isa", choices=ISA_CHOICES, default="auto", help="kernel family (default auto)")
    p.add_argument("--style", type=int, default=None, help="style index for multi-style networks")


def _parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise StyleCutError(None, f"--size must look like 1280x720, got '{text}'") from None
    if w < 1 or h < 1:
        raise StyleCutError(None, f"--size must be positive, got '{text}'")
    return w, h


def _open_session(args):
    from native.runtime import Model, Session

    if args.threads < 1:
        raise StyleCutError(None, f"--threads must be at least 1, got {args.threads}")
    model = Model.load(args.model)
    session = Session(model, threads=args.threads, isa=args.isa)
    if args.style is not None:
        session.set_style(args.style)
    return model, session


def run_convert(args) -> int:
    from native import runtime
    from native.convert import convert

    if args.calibration and not args.int8:
        raise StyleCutError(args.calibration, "--calibration is only used with --int8")
    if args.int8 and not args.calibration:
        raise StyleCutError(args.model, "--int8 needs --calibration VIDEO_OR_IMAGE_DIR")
    started = time.perf_counter()
    check = not args.no_check and runtime.available()
    report = convert(args.model, args.output, int8=args.int8, calibration=args.calibration, check=check)
    kind = f"int8 ({report.quantized} convolutions quantized)" if args.int8 else "fp32"
    styles = f", {report.num_styles} styles" if report.num_styles else ""
    print(f"wrote {args.output}: {kind}, {report.layers} layers{styles}, {report.bytes} bytes, "
          f"input sides multiple of {report.size_multiple} and >= {report.min_size} "
          f"({time.perf_counter() - started:.1f} s)")
    if report.verification is not None:
        print(f"checked: {report.verification.describe()}")
    return 0


def run_run(args) -> int:
    from native import imageio

    model, session = _open_session(args)
    src = args.input.lower()
    dst = args.output.lower()
    if src.endswith(".npy"):
        x = imageio.read_tensor(args.input)
        y = session.run(x)
        if dst.endswith(".npy"):
            imageio.write_tensor(args.output, y)
        else:
            raise StyleCutError(args.output, "a tensor input (.npy) writes a tensor output: use .npy")
    elif src.endswith((".png", ".ppm")):
        rgb = imageio.read_rgb(args.input)
        if dst.endswith(".npy"):
            import numpy as np

            x = np.ascontiguousarray((rgb.astype(np.float32) / 255.0).transpose(2, 0, 1)[None])
            imageio.write_tensor(args.output, session.run(x))
        else:
            imageio.write_rgb(args.output, session.run(rgb))
    else:
        raise StyleCutError(args.input, "input must be .png, .ppm or .npy")
    print(f"wrote {args.output} ({session.last_run_ms:.1f} ms, {session.threads} threads, {session.isa})")
    return 0


def run_bench(args) -> int:
    import numpy as np

    model, session = _open_session(args)
    w, h = _parse_size(args.size)
    if args.repeat < 1:
        raise StyleCutError(None, f"--repeat must be at least 1, got {args.repeat}")
    rgb = np.random.default_rng(0).integers(0, 256, (h, w, 3), dtype=np.uint8)
    out = np.empty(tuple(model.output_shape(h, w)[1:]) + (3,), np.uint8)
    session.run(rgb, out=out)        # warm-up: buffers, caches, thread start
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        session.run(rgb, out=out)
        times.append((time.perf_counter() - t0) * 1000.0)
    macs = model.macs(h, w)
    median = statistics.median(times)
    result = {"model": os.fspath(args.model), "size": f"{w}x{h}", "threads": args.threads, "isa": session.isa,
              "int8": model.info.is_int8, "repeat": args.repeat, "median_ms": round(median, 3),
              "min_ms": round(min(times), 3), "max_ms": round(max(times), 3),
              "gmacs": round(macs / 1e9, 4), "gflops": round(2 * macs / median / 1e6, 2)}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"median_ms {result['median_ms']}  min_ms {result['min_ms']}  max_ms {result['max_ms']}  "
              f"({w}x{h}, {args.threads} threads, {session.isa}, {'int8' if model.info.is_int8 else 'fp32'}, "
              f"{result['gflops']} GFLOP/s)")
    if args.layers:
        infos = model.layers(h, w)
        for t, info in zip(session.layer_timings(), infos):
            print(f"  {t.index:3d} {info.op:16s} {str(info.out_shape):18s} {t.ms:8.3f} ms  {t.kernel}")
    return 0


def run_info(args) -> int:
    model, _ = _open_session(argparse_defaults(args))
    info = model.info
    if args.size:
        w, h = _parse_size(args.size)
    else:
        m = info.size_multiple
        w = h = max(info.min_size, (256 + m - 1) // m * m)
    layers = model.layers(h, w)
    if args.json:
        print(json.dumps({"path": model.path, **info.__dict__, "size": f"{w}x{h}",
                          "macs": model.macs(h, w),
                          "layers": [{**layer.__dict__} for layer in layers]}))
        return 0
    print(f"{model.path}: '{info.name}' format v{info.version}, {'int8' if info.is_int8 else 'fp32'}, "
          f"{info.num_layers} layers, {info.num_params} parameters, {info.file_size} bytes")
    print(f"input {info.in_channels} channels, sides multiple of {info.size_multiple} and >= {info.min_size}; "
          f"output {info.out_channels} channels; styles: {info.num_styles or 'none'}")
    print(f"at {w}x{h}: {model.macs(h, w) / 1e6:.1f} M multiply-accumulates")
    for layer in layers:
        print(f"  {layer.index:3d} {layer.op:16s} {str(layer.in_shape):18s} -> {str(layer.out_shape):18s} "
              f"{layer.macs / 1e6:9.2f} M{'  int8' if layer.is_int8 else ''}")
    return 0


def argparse_defaults(args):
    """info takes no session options; fill in the defaults _open_session expects."""
    for name, value in (("threads", 1), ("isa", "auto"), ("style", None)):
        if not hasattr(args, name):
            setattr(args, name, value)
    return args
