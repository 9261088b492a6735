"""native/examples/stylecut_stylize.c, the phone-side example, against the editor's phone
preview (`stylecut runtime run`) on real frames: the same bytes, for every style and model."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
from stylepack_support import built_pack

from editor.cli import main as cli_main
from native import imageio

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "native" / "build" / "stylecut-stylize"


@pytest.fixture(scope="module")
def example():
    done = subprocess.run(["make", "-C", str(REPO / "native"), "examples"], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert EXAMPLE.is_file()
    return EXAMPLE


@pytest.fixture(scope="module")
def pack_dir(request, tmp_path_factory):
    pack = built_pack(request, tmp_path_factory)
    folder = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(pack) as zf:
        zf.extractall(folder)    # our own pack, just verified by the other tests
    return folder


def _frames(path: Path, indices, size) -> list[np.ndarray]:
    import av
    from PIL import Image

    out = []
    with av.open(str(path)) as c:
        for i, frame in enumerate(c.decode(video=0)):
            if i in indices:
                img = frame.to_image()
                if size:
                    img = img.resize(size, Image.BILINEAR)
                out.append(np.asarray(img.convert("RGB")))
            if i >= max(indices):
                break
    return out


def _run_example(example, model, src, dst, *extra):
    return subprocess.run([str(example), str(model), str(src), str(dst), *extra], capture_output=True,
                          text=True, timeout=120)


def _run_preview(model, src, dst, style):
    args = ["runtime", "run", str(model), "--input", str(src), "-o", str(dst)]
    if style is not None:
        args += ["--style", str(style)]
    assert cli_main(args) == 0


def test_example_equals_phone_preview_on_real_frames(example, pack_dir, bunny, carphone, tmp_path):
    frames = _frames(bunny, {10, 70, 125}, (256, 144)) + _frames(carphone, {0, 60}, None)
    for precision in ("int8", "fp32"):
        model = pack_dir / "native" / f"model-{precision}.scn"
        for f, rgb in enumerate(frames):
            src = tmp_path / f"in{f}.ppm"
            imageio.write_ppm(src, rgb)
            for style in (None, 1, 2):
                a, b = tmp_path / "example.ppm", tmp_path / "preview.ppm"
                extra = [] if style is None else ["--style", str(style)]
                done = _run_example(example, model, src, a, *extra, "--threads", "2")
                assert done.returncode == 0, done.stderr
                _run_preview(model, src, b, style)
                assert a.read_bytes() == b.read_bytes(), (precision, f, style)
        # the styles really differ: equal bytes are not a degenerate constant output
        outs = []
        for style in ("0", "2"):
            done = _run_example(example, model, tmp_path / "in0.ppm", tmp_path / f"s{style}.ppm", "--style", style)
            assert done.returncode == 0
            outs.append((tmp_path / f"s{style}.ppm").read_bytes())
        assert outs[0] != outs[1]


def test_example_reproduces_the_pack_samples(example, pack_dir, tmp_path):
    for precision in ("int8", "fp32"):
        for style_id, index in (("test-ember", 0), ("test-moss", 2)):
            out = tmp_path / "o.ppm"
            done = _run_example(example, pack_dir / "native" / f"model-{precision}.scn",
                                pack_dir / "sample" / "input.ppm", out, "--style", str(index))
            assert done.returncode == 0, done.stderr
            assert out.read_bytes() == (pack_dir / "sample" / f"{precision}-{style_id}.ppm").read_bytes()


def test_example_reads_ppm_comments_like_the_editor(example, pack_dir, tmp_path):
    rgb = imageio.read_ppm(pack_dir / "sample" / "input.ppm")
    h, w = rgb.shape[:2]
    src = tmp_path / "comment.ppm"
    src.write_bytes(b"P6\n# made by a camera\n%d %d\n# depth\n255\n" % (w, h) + rgb.tobytes())
    a, b = tmp_path / "a.ppm", tmp_path / "b.ppm"
    assert _run_example(example, pack_dir / "native" / "model-int8.scn", src, a).returncode == 0
    _run_preview(pack_dir / "native" / "model-int8.scn", src, b, None)
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize("case, words", [
    ("truncated", "truncated"),
    ("not_ppm", "not a binary PPM"),
    ("bad_size", "multiples of 8"),
    ("style", "out of range"),
    ("model", "model.scn"),
])
def test_example_errors_name_the_file(example, pack_dir, tmp_path, case, words):
    model = pack_dir / "native" / "model-int8.scn"
    src = tmp_path / "in.ppm"
    data = (pack_dir / "sample" / "input.ppm").read_bytes()
    extra = []
    if case == "truncated":
        src.write_bytes(data[:-100])
    elif case == "not_ppm":
        src.write_bytes(b"GIF89a" + data[6:])
    elif case == "bad_size":
        imageio.write_ppm(src, np.zeros((30, 50, 3), np.uint8))
    elif case == "style":
        src.write_bytes(data)
        extra = ["--style", "3"]
    else:
        src.write_bytes(data)
        bad = tmp_path / "model.scn"
        bad.write_bytes(model.read_bytes()[:500])
        model = bad
    out = tmp_path / "out.ppm"
    done = _run_example(example, model, src, out, *extra)
    assert done.returncode == 2
    assert words in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert not out.exists() and not (tmp_path / "out.ppm.part").exists()


def test_example_under_qemu_aarch64_reproduces_the_pack_samples(pack_dir, tmp_path):
    """The pack's models on NEON kernels (aarch64, under qemu-user) give the samples written
    on x86-64, byte for byte."""
    import shutil

    if not (shutil.which("qemu-aarch64") and shutil.which("aarch64-linux-gnu-gcc")):
        pytest.skip("qemu-aarch64 or the aarch64 cross compiler is not installed")
    done = subprocess.run(["make", "-C", str(REPO / "native"), "CC=aarch64-linux-gnu-gcc", "AR=aarch64-linux-gnu-ar",
                           "BUILD=build/aarch64", "build/aarch64/stylecut-stylize"],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    arm = REPO / "native" / "build" / "aarch64" / "stylecut-stylize"
    for precision in ("int8", "fp32"):
        out = tmp_path / "arm.ppm"
        run = subprocess.run(["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", str(arm),
                              str(pack_dir / "native" / f"model-{precision}.scn"), str(pack_dir / "sample" / "input.ppm"),
                              str(out), "--style", "2", "--threads", "2"], capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        assert "neon" in run.stdout
        assert out.read_bytes() == (pack_dir / "sample" / f"{precision}-test-moss.ppm").read_bytes()
