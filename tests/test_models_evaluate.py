"""models.evaluate on a few real held-out frames: every metric is filled in, in range, and the
verdict follows the targets."""

from __future__ import annotations

import math

import pytest

from models import catalog, content, evaluate


@pytest.fixture(scope="module")
def small_footage(carphone, bunny):
    car = [(i, content.resize_to(f, 72, 88)) for i, f in zip(range(3), content.video_frames(carphone, range(3)))]
    bun = [(i, content.resize_to(f, 72, 128)) for i, f in zip((100, 101), content.video_frames(bunny, (100, 101)))]
    return {"fidelity": {"carphone": car[:2], "bigbuckbunny": bun}, "flicker": car,
            "all": {"carphone": dict(car), "bigbuckbunny": dict(bun)}}


def test_one_style_row(small_footage):
    style = catalog.load_catalog()[0]
    row = evaluate.evaluate_style(style, small_footage)
    assert 5 < row["lowpass_psnr"] < 60 and row["lowpass_psnr_min"] <= row["lowpass_psnr"]
    assert row["psnr"] < row["lowpass_psnr"]            # blurring removes stroke-phase error
    assert -1 <= row["cosine_min"] <= row["cosine"] <= 1
    assert row["noise_sensitivity"] > 0 and row["teacher_noise_sensitivity"] > 0
    assert math.isfinite(row["flicker"]) and math.isfinite(row["teacher_flicker"])
    expected = (row["lowpass_psnr"] >= evaluate.TARGET_LOWPASS_PSNR and row["cosine"] >= evaluate.TARGET_COSINE
                and row["noise_sensitivity"] <= row["teacher_noise_sensitivity"])
    assert row["meets_targets"] == expected
    table = evaluate.summary_table({"styles": [row]})
    assert style.id in table and ("met" if expected else "MISSED") in table


def test_parameters_count_learned_tensors_only():
    model = catalog.load_catalog()[0].model
    from models.student import StyleStudent, parameter_count

    assert evaluate._parameters(model) == parameter_count(StyleStudent(catalog.load_catalog()[0].style_count))
