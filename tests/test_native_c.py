"""The C runtime's own checks, run through its Makefile: per-op kernel equality and loader
rejection (make test), the same under AddressSanitizer/UBSan (make asan), a bounded libFuzzer
run on the model loader (make fuzz) and the aarch64 cross-build with its golden-output
comparison under qemu (make check-aarch64)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

NATIVE = Path(__file__).resolve().parent.parent / "native"


def _make(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    return subprocess.run(["make", "-s", "-C", str(NATIVE), *args], capture_output=True, text=True,
                          timeout=timeout)


def _summary(out: str) -> tuple[int, int]:
    m = re.search(r"(\d+) passed, (\d+) failed", out)
    assert m, out[-2000:]
    return int(m.group(1)), int(m.group(2))


def test_c_tests_pass_and_cover_every_op():
    r = _make("test")
    passed, failed = _summary(r.stdout)
    assert r.returncode == 0 and failed == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert passed > 1000
    # the golden style network run by the reference (STYLECUT_ISA=scalar) matches the default kernels
    assert "isa scalar" in r.stdout and "byte-identical" in r.stdout
    for op in ("conv2d(+act)", "conv2d int8 (requantized)", "conv_transpose", "resize linear",
               "depth_to_space", "instance_norm+act(+add)", "conv+norm+add (fused)",
               "resize+conv (fused read)", "conv+cond_instance_norm(+relu)", "avg_pool",
               "max_pool", "loader: truncated", "loader: random damage"):
        row = re.search(re.escape(op) + r"\s+(\d+)\s+(\d+)", r.stdout)
        assert row and row.group(1) == row.group(2) and int(row.group(1)) > 0, op


def test_c_tests_under_address_and_undefined_sanitizers():
    r = _make("asan")
    passed, failed = _summary(r.stdout)
    assert r.returncode == 0 and failed == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "ERROR: AddressSanitizer" not in r.stderr and "runtime error" not in r.stderr


@pytest.mark.skipif(shutil.which("clang") is None, reason="clang (libFuzzer) is not installed")
def test_model_loader_survives_fuzzing():
    r = _make("fuzz", "FUZZ_TIME=15")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "Done" in r.stderr and "ERROR" not in r.stderr


@pytest.mark.skipif(shutil.which("aarch64-linux-gnu-gcc") is None or shutil.which("qemu-aarch64") is None,
                    reason="aarch64 cross compiler or qemu-user is not installed")
def test_aarch64_build_matches_x86_output_bytes():
    r = _make("check-aarch64")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    passed, failed = _summary(r.stdout)
    assert failed == 0 and passed > 500
    assert "isa neon" in r.stdout
    assert "byte-identical" in r.stdout
