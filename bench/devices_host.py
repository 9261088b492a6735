"""Host profile accuracy: calibrate on single layers, then predict whole networks it never saw.

    .venv/bin/python bench/devices_host.py [--runtime auto|native|onnxruntime] [--rounds 3] [--repeat 1]

Every round times each calibration layer once and then each validation network once; after
`--rounds` rounds the host profile is fitted to the best round of every layer and each
network's best round is compared with its prediction; the same is done with median rounds. Calibration and validation thus share
the same minutes of load on this shared machine (a burst of load spoils one round of each, not
one side of the comparison). Each round's timing is the best of `--runs` runs of the calling
thread's CPU time (one thread; the same count for layers and networks), on the runtime the host profile is calibrated with (native when built).
The load average is printed with every round; the spread of the rounds shows how much the
load alone moves a measurement. The best round is the least disturbed one and the steadier
statistic while other processes compete for the memory system; the median shows the effect.

Validation networks, none of them in the calibration set: the shipped style network at three
sizes, student-shaped networks of other widths, Caffe2go-shaped style networks, networks shaped
like ncnn's mobilenet, resnet18 and squeezenet benchmarks, and int8 versions of four of them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from editor.core.devices import calibrate as cal  # noqa: E402
from editor.core.devices.onnx_build import (mobile_network, resnet_network, squeeze_network,  # noqa: E402
                                            student_network, style_network)
from editor.core.devices.predict import predict  # noqa: E402
from editor.errors import StyleCutError  # noqa: E402


def shipped():
    import onnx

    return onnx.load(str(ROOT / "models" / "stylecut_styles.onnx"))


# (name, ONNX builder, input shape, int8)
VALIDATION = (
    ("shipped 480x272", shipped, (1, 3, 272, 480), False),
    ("shipped 640x360", shipped, (1, 3, 360, 640), False),
    ("shipped 1280x720", shipped, (1, 3, 720, 1280), False),
    ("student 8/16/32 640x360", lambda: student_network((8, 16, 32), seed=11), (1, 3, 360, 640), False),
    ("student 16/48/64 480x272", lambda: student_network((16, 48, 64), seed=12), (1, 3, 272, 480), False),
    ("student 24/64/96 320x184", lambda: student_network((24, 64, 96), seed=13), (1, 3, 184, 320), False),
    ("style w16 blocks3 640x360", lambda: style_network(16, 3, seed=1), (1, 3, 360, 640), False),
    ("style w16 blocks3 1280x720", lambda: style_network(16, 3, seed=1), (1, 3, 720, 1280), False),
    ("style w8 blocks2 480x272", lambda: style_network(8, 2, seed=2), (1, 3, 272, 480), False),
    ("style w24 blocks4 320x180", lambda: style_network(24, 4, seed=3), (1, 3, 180, 320), False),
    ("style w32 blocks5 256x256", lambda: style_network(32, 5, seed=5), (1, 3, 256, 256), False),
    ("mobilenet-shaped 224x224", lambda: mobile_network(seed=4), (1, 3, 224, 224), False),
    ("resnet18-shaped 224x224", lambda: resnet_network(seed=6), (1, 3, 224, 224), False),
    ("squeezenet-shaped 224x224", lambda: squeeze_network(seed=7), (1, 3, 224, 224), False),
    ("int8 shipped 640x360", shipped, (1, 3, 360, 640), True),
    ("int8 student 16/48/64 480x272", lambda: student_network((16, 48, 64), seed=12), (1, 3, 272, 480), True),
    ("int8 style w16 blocks3 640x360", lambda: style_network(16, 3, seed=1), (1, 3, 360, 640), True),
    ("int8 mobilenet-shaped 224x224", lambda: mobile_network(seed=4), (1, 3, 224, 224), True),
)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


def prepare_validation(threads: int, runtime: str) -> list:
    """[(name, runner)] for the validation networks the runtime accepts."""
    cases = []
    for name, build, shape, int8 in VALIDATION:
        try:
            cases.append((name, cal.runner(build(), shape, threads, runtime, int8)))
        except StyleCutError as exc:
            print(f"{name}: not run ({exc.problem})")
        except Exception as exc:  # onnxruntime's own errors (a second graph input it is not fed)
            print(f"{name}: not run ({type(exc).__name__}: {exc})")
    return cases


def calibrate_and_validate(threads: int, runtime: str, rounds: int, runs: int):
    """(profile, [(name, predicted ms, [measured ms per round])]).

    Each round times every calibration layer once, then every validation network once, so
    the calibration's median and the networks' median come from the same minutes of load."""
    runtime = cal.resolve_runtime(runtime)
    layers = cal.prepare_layers(threads, runtime)
    cases = prepare_validation(threads, runtime)
    layer_rounds, base_rounds, net_rounds = [], [], []
    for r in range(rounds):
        t0 = time.perf_counter()
        base_rounds.append(cal.run_overhead(threads, runtime))
        # the same number of runs for a layer and a network: the best of many runs sits lower
        # than the best of few, and that must not tilt the comparison
        layer_rounds.append(cal.time_pass(layers, threads, budget_s=0.0, min_runs=runs))
        t1 = time.perf_counter()
        net_rounds.append([cal.time_runner(run, threads, budget_s=0.0, min_runs=runs) * 1e3
                           for _, run in cases])
        print(f"  round {r + 1}: layers {t1 - t0:.0f} s, networks {time.perf_counter() - t1:.0f} s, {load()}")
    out = {}
    for label, statistic in (("min", np.min), ("median", np.median)):
        measured = cal.finish_layers(layers, layer_rounds, base_rounds, statistic=statistic)
        profile = cal.profile_from(measured, threads, runtime)
        out[label] = (profile, measured, [predict(run.network(), profile).total_ms for _, run in cases])
    results = [(name, [r[k] for r in net_rounds]) for k, (name, _) in enumerate(cases)]
    return out, results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=6, help="rounds over every layer and network")
    ap.add_argument("--repeat", type=int, default=1, help="independent calibrations, each validated")
    ap.add_argument("--runs", type=int, default=5, help="runs of every layer and network per round (best kept)")
    ap.add_argument("--runtime", default="auto", choices=("auto", "native", "onnxruntime"))
    args = ap.parse_args()
    all_errors = []
    for rep in range(args.repeat):
        print(f"calibration {rep + 1}: {load()}")
        fits, results = calibrate_and_validate(args.threads, args.runtime, args.rounds, args.runs)
        profile, measured, _ = fits["min"]
        print(f"  {len(measured)} layers on {profile.runtime} ({profile.source}); "
              f"{len(profile.rates.kernels)} kernel coefficients")
        print()
        print("| network | predicted ms | measured ms | error | predicted ms | measured ms | error | rounds: min..max ms |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        print("| | **best round** | | | **median round** | | | |")
        errors = {"min": [], "median": []}
        for k, (name, times) in enumerate(results):
            cells = []
            for label, statistic in (("min", np.min), ("median", np.median)):
                predicted, measured_ms = fits[label][2][k], float(statistic(times))
                err = predicted / measured_ms - 1
                errors[label].append(err)
                cells.append(f"{predicted:.2f} | {measured_ms:.2f} | {100 * err:+.1f} %")
            print(f"| {name} | {' | '.join(cells)} | {min(times):.2f}..{max(times):.2f} |")
        spread = [max(t) / min(t) - 1 for _, t in results]
        print()
        print(f"load alone: the rounds of one network differ by median {100 * np.median(spread):.1f} %, "
              f"max {100 * max(spread):.1f} %")
        for label in ("min", "median"):
            e = np.abs(errors[label])
            print(f"{label:6s} round: median |error| {100 * np.median(e):.1f} %, max {100 * e.max():.1f} %, "
                  f"{int(np.sum(e <= 0.15))} of {len(e)} within 15 %")
        all_errors += errors["min"]
    if args.repeat > 1:
        errs = np.abs(all_errors)
        print(f"all calibrations, best round: median |error| {100 * np.median(errs):.1f} %, "
              f"max {100 * errs.max():.1f} %, {int(np.sum(errs <= 0.15))} of {len(errs)} within 15 %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
