"""`stylecut runtime convert|run|bench|info` end to end, plus the frame/tensor file formats."""

from __future__ import annotations

import json

import numpy as np
import pytest

import native_nets
from editor.cli import main
from native import imageio
from native.errors import NativeRunError
from native.runtime import Model, Session


@pytest.fixture(scope="module")
def onnx_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "student.onnx"
    path.write_bytes(native_nets.student(blocks=1, styles=3, seed=11))
    return path


@pytest.fixture(scope="module")
def scn(onnx_file):
    out = onnx_file.with_suffix(".scn")
    assert main(["runtime", "convert", str(onnx_file), "-o", str(out)]) == 0
    return out


def test_convert_reports_what_it_wrote(onnx_file, tmp_path, capsys):
    out = tmp_path / "m.scn"
    assert main(["runtime", "convert", str(onnx_file), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "fp32" in text and "3 styles" in text and f"{out.stat().st_size} bytes" in text
    assert Model.load(out).info.num_styles == 3


def test_int8_convert_with_video_calibration(onnx_file, tmp_path, carphone, capsys):
    out = tmp_path / "q.scn"
    assert main(["runtime", "convert", str(onnx_file), "-o", str(out), "--int8", "--calibration", str(carphone)]) == 0
    assert "int8 (7 convolutions quantized)" in capsys.readouterr().out
    assert Model.load(out).info.is_int8
    assert main(["runtime", "convert", str(onnx_file), "-o", str(out), "--int8"]) == 2
    assert "--calibration" in capsys.readouterr().err


@pytest.mark.parametrize("ext", [".png", ".ppm"])
def test_run_on_rgb_frames(scn, tmp_path, carphone, ext):
    rgb = native_nets.frames(carphone, count=1, size=(96, 128))[0]
    src, dst = tmp_path / f"in{ext}", tmp_path / f"out{ext}"
    imageio.write_rgb(src, rgb)
    assert main(["runtime", "run", str(scn), "--input", str(src), "-o", str(dst), "--style", "2",
                 "--threads", "2"]) == 0
    session = Session(Model.load(scn))
    session.set_style(2)
    assert np.array_equal(imageio.read_rgb(dst), session.run(rgb))


def test_run_on_tensor_writes_exact_output(scn, tmp_path):
    x = np.random.default_rng(0).random((1, 3, 40, 56), dtype=np.float32)
    src, dst = tmp_path / "x.npy", tmp_path / "y.npy"
    np.save(src, x)
    assert main(["runtime", "run", str(scn), "--input", str(src), "-o", str(dst), "--isa", "scalar"]) == 0
    y = np.load(dst)
    assert y.dtype == np.float32 and y.shape == (1, 3, 40, 56)
    assert np.array_equal(y, Session(Model.load(scn)).run(x))


def test_run_refuses_bad_inputs_with_one_line(scn, tmp_path, capsys):
    np.save(tmp_path / "d.npy", np.zeros((1, 3, 16, 16), np.float64))
    (tmp_path / "t.txt").write_text("x")
    np.save(tmp_path / "tiny.npy", np.zeros((1, 3, 4, 4), np.float32))
    cases = [
        (["--input", str(tmp_path / "d.npy"), "-o", str(tmp_path / "o.npy")], "float32"),
        (["--input", str(tmp_path / "t.txt"), "-o", str(tmp_path / "o.png")], ".png, .ppm or .npy"),
        (["--input", str(tmp_path / "tiny.npy"), "-o", str(tmp_path / "o.npy")], str(scn)),
        (["--input", str(tmp_path / "missing.png"), "-o", str(tmp_path / "o.png")], "no such image"),
        (["--input", str(tmp_path / "tiny.npy"), "-o", str(tmp_path / "o.npy"), "--style", "9"], "style index"),
    ]
    for extra, words in cases:
        assert main(["runtime", "run", str(scn)] + extra) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("stylecut: error:") and words in err and "\n" not in err
    assert main(["runtime", "info", str(tmp_path / "nothing.scn")]) == 2
    assert "no such model file" in capsys.readouterr().err


def test_bench_prints_median_ms(scn, capsys):
    assert main(["runtime", "bench", str(scn), "--size", "64x48", "--repeat", "3", "--threads", "2", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["median_ms"] > 0 and result["min_ms"] <= result["median_ms"] <= result["max_ms"]
    assert result["size"] == "64x48" and result["threads"] == 2 and result["gmacs"] > 0
    assert main(["runtime", "bench", str(scn), "--size", "64x48", "--repeat", "2", "--layers"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("median_ms ") and "conv" in out
    assert main(["runtime", "bench", str(scn), "--size", "62x48"]) == 2     # 62 is not a multiple of 4
    assert main(["runtime", "bench", str(scn), "--size", "big"]) == 2


def test_info_lists_layers_and_macs(scn, capsys):
    assert main(["runtime", "info", str(scn), "--size", "64x64", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["num_styles"] == 3 and info["size_multiple"] == 4 and len(info["layers"]) == info["num_layers"]
    assert info["macs"] == sum(layer["macs"] for layer in info["layers"] if layer["op"].startswith("conv"))
    assert main(["runtime", "info", str(scn)]) == 0
    text = capsys.readouterr().out
    assert "3 styles" not in text and "styles: 3" in text and "multiply-accumulates" in text


def test_ppm_reader_handles_comments_and_refuses_damage(tmp_path):
    rgb = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    good = tmp_path / "c.ppm"
    good.write_bytes(b"P6\n# made by hand\n3 2\n# another\n255\n" + rgb.tobytes())
    assert np.array_equal(imageio.read_ppm(good), rgb)
    imageio.write_ppm(tmp_path / "w.ppm", rgb)
    assert np.array_equal(imageio.read_ppm(tmp_path / "w.ppm"), rgb)
    for name, data, words in [
        ("short.ppm", b"P6\n3 2\n255\n" + rgb.tobytes()[:-1], "truncated"),
        ("deep.ppm", b"P6\n3 2\n65535\n" + rgb.tobytes() * 2, "maxval"),
        ("p3.ppm", b"P3\n3 2\n255\n1 2 3", "P6"),
        ("zero.ppm", b"P6\n0 2\n255\n", "empty"),
        ("head.ppm", b"P6\n3", "header"),
    ]:
        (tmp_path / name).write_bytes(data)
        with pytest.raises(NativeRunError, match=words):
            imageio.read_ppm(tmp_path / name)


def test_convert_checks_its_result(onnx_file, tmp_path, carphone, capsys):
    assert main(["runtime", "convert", str(onnx_file), "-o", str(tmp_path / "c.scn")]) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    assert line.startswith("checked: max |native - onnxruntime| = ")
    assert float(line.split("= ")[1].split()[0]) <= 1e-4
    assert main(["runtime", "convert", str(onnx_file), "-o", str(tmp_path / "q.scn"), "--int8",
                 "--calibration", str(carphone)]) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    assert line.startswith("checked: int8 vs fp32 PSNR ") and float(line.split("PSNR ")[1].split()[0]) >= 35
    assert main(["runtime", "convert", str(onnx_file), "-o", str(tmp_path / "n.scn"), "--no-check"]) == 0
    assert "checked" not in capsys.readouterr().out
