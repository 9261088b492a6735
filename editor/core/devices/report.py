"""Markdown tables of a fit: per-device parameters, fit error and leave-one-network-out error."""

from __future__ import annotations

import numpy as np

from editor.core.devices.fit import FP32_NETS, INT8_NETS
from editor.core.devices.profiles import profile_id

SHORT = {"squeezenet": "sqz", "mobilenet": "mb1", "mobilenet_v2": "mb2", "resnet18": "r18", "vgg16": "vgg",
         "squeezenet_int8": "sqz8", "mobilenet_int8": "mb1-8", "resnet18_int8": "r18-8", "vgg16_int8": "vgg8"}


def _pct(v) -> str:
    return "" if v is None else f"{100 * v:+.0f}"


def markdown_tables(fits: list) -> str:
    nets = list(FP32_NETS) + list(INT8_NETS)
    lines = ["### Fitted parameters", "",
             "| profile | dense GMAC/s | 1x1 GMAC/s | dw GMAC/s | GB/s | us/layer | int8 dense x | int8 1x1/dw x |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for f in fits:
        r = f.rates
        lines.append(f"| {profile_id(f.row.soc, f.row.threads, f.row.powersave)} | {r.dense_gmacs:.1f} | "
                     f"{r.pointwise_gmacs:.1f} | {r.depthwise_gmacs:.1f} | {r.bandwidth_gbs:.2f} | "
                     f"{r.overhead_us:.1f} | {r.int8_dense:.2f} | {r.int8_light:.2f} |")
    for title, attr in (("Fit error (%, prediction vs published, all networks in the fit)", "fit_error"),
                        ("Leave-one-network-out error (%, network removed from every device's fit)", "loo_error")):
        lines += ["", f"### {title}", "",
                  "| profile | " + " | ".join(SHORT[n] for n in nets) + " | median abs |",
                  "| --- | " + " | ".join("---:" for _ in nets) + " | ---: |"]
        for f in fits:
            errs = getattr(f, attr)
            cells = [_pct(errs.get(n)) if n not in f.excluded else "excl." for n in nets]
            lines.append(f"| {profile_id(f.row.soc, f.row.threads, f.row.powersave)} | " + " | ".join(cells)
                         + f" | {100 * f.median_abs('fit' if attr == 'fit_error' else 'loo'):.1f} |")
        allv = [abs(e) for f in fits for e in getattr(f, attr).values()]
        meds = [f.median_abs("fit" if attr == "fit_error" else "loo") for f in fits]
        lines += ["", f"All networks, all profiles: median {100 * np.median(allv):.1f} %, "
                      f"worst per-profile median {100 * max(meds):.1f} %, "
                      f"profiles with median <= 25 %: {sum(m <= 0.25 for m in meds)} of {len(meds)}."]
    return "\n".join(lines)
