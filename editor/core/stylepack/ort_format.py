"""The ORT-format model of a pack, made by onnxruntime's own converter.

onnxruntime Mobile (the minimal build phone apps link) reads only the ORT format. The pack
carries the model with the converter's fixed optimizations for ARM CPUs, the target of every
phone, and the list of operators it needs, which a minimal onnxruntime build takes as
`--include_ops_by_config`.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from editor.core.stylepack.errors import PackError

CONVERTER = "onnxruntime.tools.convert_onnx_models_to_ort"


def convert(onnx_bytes: bytes, name: str = "model") -> tuple[bytes, bytes]:
    """(ORT model bytes, required-operators config bytes) for an ONNX model."""
    with tempfile.TemporaryDirectory(prefix="stylecut-ort-") as tmp:
        src = Path(tmp) / "in" / f"{name}.onnx"
        out = Path(tmp) / "out"
        src.parent.mkdir()
        src.write_bytes(onnx_bytes)
        cmd = [sys.executable, "-m", CONVERTER, "--output_dir", str(out), "--optimization_style", "Fixed",
               "--target_platform", "arm", str(src)]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PackError(name, f"onnxruntime's ORT converter did not run ({exc})") from None
        ort_path = out / f"{name}.ort"
        config = out / f"{name}.required_operators.config"
        if done.returncode != 0 or not ort_path.is_file():
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise PackError(name, f"onnxruntime's ORT converter failed: {tail[0]}")
        return ort_path.read_bytes(), _stable_config(config, name)


def _stable_config(path: Path, name: str) -> bytes:
    """The operator list without the converter's comment naming its temporary folder."""
    if not path.is_file():
        return b""
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    return ("# operators " + name + ".ort needs; for an onnxruntime minimal build:\n"
            "# --include_ops_by_config " + name + ".required_operators.config\n"
            + "\n".join(lines) + "\n").encode()
