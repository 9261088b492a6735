"""Build models/devices.json: fit every benchmark row and record its profile with its source."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

from editor.core.devices.fit import fit_devices, summary
from editor.core.devices.profiles import PROFILES_FILE, SCHEMA, Profile, profile_id
from editor.core.devices.reference import SOURCE, read_latency_table, reference_dir, reference_networks

# Phones that use each SoC (the part of the table's first column before any parenthesis).
SOC_PHONES = {
    "Apple A7": "iPhone 5s, iPad Air, iPad mini 2",
    "Snapdragon 410": "Xiaomi Redmi 2 (HM2014812), Motorola Moto E (2015), Samsung Galaxy J5",
    "Snapdragon 810": "Google Nexus 6P (angler), OnePlus 2, LG G Flex 2",
    "Snapdragon 821": "Google Pixel / Pixel XL, Xiaomi Mi 5s Plus (natrium), OnePlus 3T, LG G6",
    "Snapdragon 835": "Google Pixel 2 XL (taimen), Samsung Galaxy S8 (US), OnePlus 5",
    "Kirin 970": "Huawei P20 (EML), Huawei Mate 10, Honor 10",
    "Snapdragon 660": "Xiaomi Redmi Note 7 (lavender), Nokia 7 Plus, Xiaomi Mi A2",
    "Snapdragon 675": "Xiaomi Redmi Note 7 Pro (violet), Samsung Galaxy A70",
    "Snapdragon 855+": "OnePlus 7T, Asus ROG Phone II",
    "Snapdragon 765G": "Google Pixel 4a 5G (bramble), Google Pixel 5, OnePlus Nord",
    "Snapdragon 888": "Xiaomi Mi 11 (venus), Samsung Galaxy S21 (US), OnePlus 9 Pro",
    "Snapdragon 8 Gen 2": "Samsung Galaxy S23, OnePlus 11, Xiaomi 13",
    "Dimensity 9300": "vivo X100, OPPO Find X7 (MediaTek k6989 reference build)",
    "Snapdragon 820": "Samsung Galaxy S7 (US), LG G5, OnePlus 3, Xiaomi Mi 5",
}

# Phones named by platform budgets whose SoC has no benchmark row; budgets.py stands in the
# nearest profiled SoC for them and says so.
BUDGET_PHONES = {
    "iPhone 6s": {"soc": "Apple A9", "year": 2015, "vendor": "Apple"},
    "iPhone 7": {"soc": "Apple A10 Fusion", "year": 2016, "vendor": "Apple"},
    "Nexus 5": {"soc": "Snapdragon 800", "year": 2013, "vendor": "Qualcomm"},
}


def soc_name(soc: str) -> str:
    return soc.split(" (")[0]


def _speed_key(row) -> float:
    nets = ("squeezenet", "mobilenet", "mobilenet_v2", "resnet18", "vgg16")
    vals = [row.latency_ms[n] for n in nets if n in row.latency_ms]
    return float(sum(math.log(v) for v in vals) / len(vals))


def build(ref_dir: Path | None = None) -> tuple:
    """(data for devices.json, fits) from the reference folder."""
    ref_dir = Path(ref_dir) if ref_dir else reference_dir()
    rows = read_latency_table(ref_dir / "latency.md")
    nets = reference_networks(ref_dir)
    fits = fit_devices(rows, nets)
    most_threads: dict = {}
    for row in rows:
        key = soc_name(row.soc)
        best = most_threads.get(key)
        # An app picks the fastest configuration of the SoC: lowest geometric-mean latency over
        # the fp32 benchmark networks (on the Snapdragon 8 Gen 2, 4 big cores beat all 8).
        if best is None or _speed_key(row) < _speed_key(best):
            most_threads[key] = row
    profiles = []
    for f in fits:
        row = f.row
        fit_table = {}
        for n, ms in row.latency_ms.items():
            entry = {"measured_ms": ms}
            if n in f.fit_error:
                entry["fit_error"] = round(f.fit_error[n], 4)
            if n in f.loo_error:
                entry["loo_error"] = round(f.loo_error[n], 4)
            if n in f.excluded:
                entry["excluded"] = f.excluded[n]
            fit_table[n] = entry
        profiles.append(Profile(
            id=profile_id(row.soc, row.threads, row.powersave), name=SOC_PHONES.get(soc_name(row.soc), ""),
            soc=row.soc, year=row.first_year, threads=row.threads, powersave=row.powersave,
            source=f"{SOURCE}; row '{row.soc}', {row.threads} threads, powersave {row.powersave} "
                   f"({row.codename}, added {row.added})",
            rates=f.rates, fit=fit_table, default=most_threads[soc_name(row.soc)] is row))
    s = summary(fits)
    data = {
        "schema": SCHEMA,
        "about": "Phone SoC profiles for the per-layer cost model (editor/core/devices/cost.py), "
                 "fitted by 'stylecut devices fit' to published ncnn benchmark latencies; see docs/DEVICES.md.",
        "summary": {"fit_median_error": round(s["fit_median"], 4), "loo_median_error": round(s["loo_median"], 4)},
        "phones": BUDGET_PHONES,
        "profiles": [p.to_json() for p in profiles],
    }
    return data, fits


def write(data: dict, path: Path | None = None) -> Path:
    path = Path(path) if path else PROFILES_FILE
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".devices.", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)
    return path
