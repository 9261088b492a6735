"""Host profile accuracy: calibrate on single layers, then predict whole networks it never saw.

    .venv/bin/python bench/devices_host.py [--threads 1] [--repeat 1] [--runtime auto|native|onnxruntime]

Prints, per validation network, the measured time (minimum of runs, on the runtime the host
profile is calibrated with: native when built, else onnxruntime), the host
profile's prediction and their ratio; the calibration and the measurements happen in the same
run, so the ratio is free of machine-to-machine differences.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from editor.core.devices import calibrate as cal  # noqa: E402
from editor.core.devices.onnx_build import mobile_network, style_network  # noqa: E402
from editor.core.devices.predict import predict  # noqa: E402
from editor.errors import StyleCutError  # noqa: E402

VALIDATION = (
    ("style w16 blocks3 640x360", lambda: style_network(16, 3, seed=1), (1, 3, 360, 640)),
    ("style w16 blocks3 1280x720", lambda: style_network(16, 3, seed=1), (1, 3, 720, 1280)),
    ("style w8 blocks2 480x272", lambda: style_network(8, 2, seed=2), (1, 3, 272, 480)),
    ("style w24 blocks4 320x180", lambda: style_network(24, 4, seed=3), (1, 3, 180, 320)),
    ("style w32 blocks5 256x256", lambda: style_network(32, 5, seed=5), (1, 3, 256, 256)),
    ("mobile 224x224", lambda: mobile_network(seed=4), (1, 3, 224, 224)),
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="calibrate and validate this many times")
    ap.add_argument("--runtime", default="auto", choices=("auto", "native", "onnxruntime"))
    args = ap.parse_args()
    all_errors = []
    for rep in range(args.repeat):
        profile, _ = cal.calibrate(args.threads, runtime=args.runtime)
        r = profile.rates
        print(f"run {rep + 1}: host on {profile.runtime}, {args.threads} thread(s): dense {r.dense_gmacs:.1f} GMAC/s, "
              f"1x1 {r.pointwise_gmacs:.1f}, depthwise {r.depthwise_gmacs:.1f}, {r.bandwidth_gbs:.1f} GB/s, "
              f"{r.overhead_us:.1f} us/layer, lanes {r.lanes}/{r.min_lanes}, conv traffic {r.conv_traffic}, strided x{r.strided:.2f} (depthwise x{r.strided_dw:.2f})")
        print()
        print(f"| network | measured ms | predicted ms | predicted / measured |")
        print(f"| --- | ---: | ---: | ---: |")
        for name, build, shape in VALIDATION:
            try:
                run = cal.runner(build(), shape, args.threads, profile.runtime)
                measured = cal.time_runner(run, args.threads, budget_s=1.0) * 1e3
            except StyleCutError as exc:
                print(f"| {name} | not run: {exc.problem} | | |")
                continue
            predicted = predict(run.network(), profile).total_ms
            all_errors.append(predicted / measured - 1)
            print(f"| {name} | {measured:.2f} | {predicted:.2f} | {predicted / measured:.3f} |")
    errs = np.abs(all_errors)
    print()
    print(f"median |error| {100 * np.median(errs):.1f} %, max {100 * errs.max():.1f} % over {len(errs)} predictions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
