"""The fitted phone profiles: fit quality per device and leave-one-network-out error."""

import json

import numpy as np
import pytest

from editor.core.devices.fit import EXCLUDED, fit_devices, summary
from editor.core.devices.profiles import PROFILES_FILE, load_phone_profiles
from editor.core.devices.reference import read_latency_table, reference_dir, reference_networks

REF = reference_dir()
needs_ref = pytest.mark.skipif(not REF.is_dir(), reason=f"reference data {REF} is not present")


@pytest.fixture(scope="module")
def fits():
    if not REF.is_dir():
        pytest.skip("reference data not present")
    return fit_devices(read_latency_table(), reference_networks())


@needs_ref
def test_table_rows_are_read_with_their_latencies():
    rows = read_latency_table()
    assert len(rows) == 30
    sd821 = [r for r in rows if r.soc == "Snapdragon 821" and r.threads == 4][0]
    assert sd821.latency_ms["mobilenet"] == 27.88 and sd821.powersave == 0
    sd820 = [r for r in rows if r.soc.startswith("Snapdragon 820")][0]
    assert "mobilenet_int8" not in sd820.latency_ms          # '-' cells are left out


def test_every_device_fits_its_own_benchmarks(fits):
    for f in fits:
        errs = np.abs(list(f.fit_error.values()))
        # Shrinkage toward the shared template trades some fit for prediction; still close.
        assert np.median(errs) <= 0.20, (f.row.soc, f.row.threads, f.fit_error)


def test_leave_one_network_out_median_error_is_within_25_percent(fits):
    s = summary(fits)
    assert s["loo_median"] <= 0.25
    for f in fits:
        assert f.median_abs("loo") <= 0.25, (f.row.soc, f.row.threads, f.loo_error)


def test_fitted_rates_are_ordered_as_the_hardware_is(fits):
    by = {(f.row.soc.split(" (")[0], f.row.threads, f.row.powersave): f.rates for f in fits}
    # A 2023 flagship outruns a 2014 budget chip at every op kind.
    new, old = by[("Dimensity 9300", 8, 0)], by[("Snapdragon 410", 4, 0)]
    for attr in ("dense_gmacs", "pointwise_gmacs", "depthwise_gmacs"):
        assert getattr(new, attr) > 3 * getattr(old, attr)
    # Four threads beat one on the same chip.
    assert by[("Snapdragon 821", 4, 0)].dense_gmacs > by[("Snapdragon 821", 1, 0)].dense_gmacs
    # Depthwise convs run at a lower rate than 1x1 convs (the reason one number per phone fails).
    slower = sum(f.rates.depthwise_gmacs < f.rates.pointwise_gmacs for f in fits)
    assert slower >= 0.8 * len(fits)


def test_excluded_measurements_are_left_out_of_fit_and_validation(fits):
    (soc, threads, ps, net), = EXCLUDED.keys()
    f = [f for f in fits if f.row.soc.startswith(soc) and f.row.threads == threads and f.row.powersave == ps][0]
    assert net not in f.fit_error and net not in f.loo_error and net in f.excluded


def test_shipped_profiles_file_matches_a_fresh_fit(fits):
    profiles, phones = load_phone_profiles()
    assert len({p.soc for p in profiles}) >= 10
    years = [p.year for p in profiles]
    assert min(years) <= 2013 and max(years) >= 2023
    assert {"iPhone 6s", "iPhone 7", "Nexus 5"} <= set(phones)
    by_key = {(p.soc, p.threads, p.powersave): p for p in profiles}
    for f in fits:
        p = by_key[(f.row.soc, f.row.threads, f.row.powersave)]
        assert p.source and p.name and "a4d2ea1d" in p.source
        assert p.rates.dense_gmacs == pytest.approx(f.rates.dense_gmacs, rel=1e-3)
        assert p.rates.depthwise_gmacs == pytest.approx(f.rates.depthwise_gmacs, rel=1e-3)
    # One default configuration per SoC: the one an app would use.
    for soc in {p.soc.split(" (")[0] for p in profiles}:
        assert sum(p.default for p in profiles if p.soc.split(" (")[0] == soc) == 1
    json.loads(PROFILES_FILE.read_text())


@needs_ref
def test_cli_fit_prints_the_tables_without_writing(capsys):
    from editor.cli import main

    before = PROFILES_FILE.read_bytes()
    assert main(["devices", "fit"]) == 0
    out = capsys.readouterr().out
    assert "### Leave-one-network-out error" in out and "| sd821-4t |" in out
    assert "profiles with median <= 25 %: 30 of 30" in out
    assert PROFILES_FILE.read_bytes() == before
