"""`stylecut devices`: phone profiles, speed prediction, host calibration, charts, playback.

    stylecut devices [--json]                                   list the profiles
    stylecut devices predict MODEL --device ID [--size WxH] [--int8] [--json]
    stylecut devices chart MODEL --device ID -o chart.png [--size WxH] [--int8]
    stylecut devices budget MODEL [--device ID] [--size WxH] [--int8] [--json]
    stylecut devices play MODEL --device ID [--fps 25] [--frames N] [--json]
    stylecut devices calibrate [--threads N]
    stylecut devices fit [--reference DIR] [--write]
"""

from __future__ import annotations

import json
from fractions import Fraction


def register(sub) -> None:
    p = sub.add_parser("devices", help="phone speed emulation: profiles, predictions, calibration")
    p.add_argument("--json", action="store_true", help="print the profiles as JSON")
    p.set_defaults(func=run_list)
    dsub = p.add_subparsers(dest="devices_command", metavar="ACTION")

    def model_args(q, device_required=True):
        q.add_argument("model", help="ONNX file, ncnn .param file or native model")
        q.add_argument("--device", required=device_required, help="profile id (see 'stylecut devices')")
        q.add_argument("--size", help="input size WIDTHxHEIGHT (default: the model's own)")
        q.add_argument("--int8", action="store_true", help="cost the network quantized to int8")

    q = dsub.add_parser("predict", help="predicted per-layer and total time on a device")
    model_args(q)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=run_predict)

    q = dsub.add_parser("chart", help="per-layer cost chart (PNG or SVG)")
    model_args(q)
    q.add_argument("-o", "--output", required=True, help="chart file (.png or .svg)")
    q.set_defaults(func=run_chart)

    q = dsub.add_parser("budget", help="verdicts against Caffe2go, Spark AR and Lens Studio bars")
    model_args(q, device_required=False)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=run_budget)

    q = dsub.add_parser("play", help="emulated playback: shown frame rate, latency, dropped frames")
    model_args(q)
    q.add_argument("--fps", default="25", help="camera frame rate (e.g. 25 or 30000/1001)")
    q.add_argument("--frames", type=int, default=250, help="camera frames to emulate")
    q.add_argument("--keep-latest", action="store_true", help="buffer the newest frame while busy")
    q.add_argument("--throttle", metavar="AFTER_S:FACTOR",
                   help="sustained-load throttling: FACTOR times slower after AFTER_S seconds (overrides the profile)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=run_play)

    q = dsub.add_parser("calibrate", help="time layers on this machine and fit the 'host' profile")
    q.add_argument("--threads", type=int, default=None, help="threads (default 1: timed in CPU time)")
    q.add_argument("--runtime", default="auto", choices=("auto", "native", "onnxruntime"),
                   help="runtime to calibrate (auto: native when built)")
    q.set_defaults(func=run_calibrate)

    q = dsub.add_parser("fit", help="refit the phone profiles to the published benchmarks")
    q.add_argument("--reference", help="folder with latency.md and *.param (default: ../shared/reference/ncnn)")
    q.add_argument("--write", action="store_true", help="write models/devices.json")
    q.set_defaults(func=run_fit)


def _load(args):
    from editor.core.devices.load import load_network, parse_size

    return load_network(args.model, parse_size(args.size), args.int8)


def run_list(args) -> int:
    from editor.core.devices.profiles import all_profiles

    profiles = all_profiles()
    if args.json:
        print(json.dumps({"devices": [p.to_json() for p in profiles]}, indent=1))
        return 0
    print(f"{'id':26s} {'year':4s} {'thr':>3s}  soc / phones")
    for p in profiles:
        mark = "*" if p.default else " "
        print(f"{p.id:26s} {p.year:4d} {p.threads:3d}{mark} {p.soc.split(' (')[0]}: {p.name}")
    if not any(p.host for p in profiles):
        print("(host: not calibrated; run 'stylecut devices calibrate')")
    print("* the configuration an app would use on that SoC")
    return 0


def run_predict(args) -> int:
    from editor.core.devices.predict import predict
    from editor.core.devices.profiles import get_profile

    profile = get_profile(args.device)
    pred = predict(_load(args), profile)
    if args.json:
        print(json.dumps(pred.to_json(), indent=1))
        return 0
    print(f"{pred.network} on {profile.id} ({profile.soc}, {profile.threads} threads), "
          f"{pred.input_size[0]}x{pred.input_size[1]}{' int8' if pred.int8 else ''}")
    for lt in sorted(pred.layers, key=lambda t: -t.ms)[:15]:
        print(f"  {lt.ms:9.3f} ms  {lt.kind:10s} {lt.name}")
    print(f"total {pred.total_ms:.2f} ms, {pred.fps:.1f} fps")
    return 0


def run_chart(args) -> int:
    from editor.core.devices.chart import save_chart
    from editor.core.devices.predict import predict
    from editor.core.devices.profiles import get_profile

    pred = predict(_load(args), get_profile(args.device))
    print(save_chart(pred, args.output))
    return 0


def run_budget(args) -> int:
    from editor.core.devices.budgets import verdicts
    from editor.core.devices.profiles import all_profiles, get_profile, load_phone_profiles

    _, phones = load_phone_profiles()
    device = get_profile(args.device) if args.device else None
    results = verdicts(_load(args), all_profiles(), phones, device)
    if args.json:
        print(json.dumps({"verdicts": [v.to_json() for v in results]}, indent=1))
        return 0
    for v in results:
        size = "" if v.max_bytes is None else f", size {v.size_bytes / 2**20:.2f}/{v.max_bytes / 2**20:.0f} MB"
        print(f"{'PASS' if v.ok else 'FAIL'} {v.platform}: {v.phone} {v.fps:.1f} fps (needs {v.min_fps:g}"
              f"{'' if v.target_fps is None else f', target {v.target_fps:g}'}){size} [{v.device}]")
        if v.approximate:
            print(f"     {v.note}")
    return 0


def run_play(args) -> int:
    from editor.core.devices.errors import NetworkFormatError
    from editor.core.devices.playback import simulate
    from editor.core.devices.predict import predict
    from editor.core.devices.profiles import get_profile

    try:
        fps = Fraction(args.fps)
    except (ValueError, ZeroDivisionError):
        raise NetworkFormatError(None, f"frame rate {args.fps!r} is not a number") from None
    throttle = None
    if args.throttle:
        try:
            after, factor = (Fraction(v) for v in args.throttle.split(":"))
        except ValueError:
            raise NetworkFormatError(None, f"throttle {args.throttle!r} is not AFTER_S:FACTOR") from None
        if after < 0 or factor <= 0:
            raise NetworkFormatError(None, f"throttle {args.throttle!r} needs AFTER_S >= 0 and FACTOR > 0")
        throttle = {"after_s": after, "factor": factor}
    profile = get_profile(args.device)
    pred = predict(_load(args), profile)
    if args.frames <= 0:
        raise NetworkFormatError(None, f"--frames must be positive, got {args.frames}")
    if fps <= 0:
        raise NetworkFormatError(None, f"frame rate {args.fps!r} must be positive")
    pb = simulate(pred.total_ms, fps, args.frames, throttle or profile.throttle, args.keep_latest)
    if args.json:
        out = pb.to_json()
        out["inference_ms"] = round(pred.total_ms, 4)
        print(json.dumps(out))
        return 0
    print(f"{pred.network} on {profile.id}: {pred.total_ms:.2f} ms a frame; camera {float(fps):g} fps")
    print(f"shown {pb.shown_fps:.2f} fps, {pb.dropped} of {pb.frames} frames dropped, "
          f"latency {pb.mean_latency_ms():.1f} ms")
    return 0


def run_calibrate(args) -> int:
    from editor.core.devices.calibrate import calibrate
    from editor.core.devices.profiles import save_host_profile

    profile, _ = calibrate(args.threads, progress=lambda d, s: print(f"  {d:32s} {s * 1e3:8.3f} ms"),
                           runtime=args.runtime)
    path = save_host_profile(profile)
    r = profile.rates
    print(f"host on {profile.runtime} ({profile.threads} threads): dense {r.dense_gmacs:.1f} GMAC/s, 1x1 {r.pointwise_gmacs:.1f}, "
          f"depthwise {r.depthwise_gmacs:.1f}, memory {r.bandwidth_gbs:.1f} GB/s, overhead {r.overhead_us:.1f} us")
    if r.kernels:
        # the native runtime's kernels: MAC rates of the conv kernel families it ran
        rates = ", ".join(f"{name[:-5]} {1e-9 / v:.1f}" for name, v in sorted(r.kernels.items())
                          if name.endswith(":work") and v > 0)
        print(f"by kernel (GMAC/s): {rates}")
    print(f"saved {path}")
    return 0


def run_fit(args) -> int:
    from editor.core.devices.build_profiles import build, write
    from editor.core.devices.report import markdown_tables

    data, fits = build(args.reference)
    print(markdown_tables(fits))
    if args.write:
        print(f"wrote {write(data)}")
    return 0
