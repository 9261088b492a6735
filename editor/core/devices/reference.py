"""The published phone benchmark data the profiles are fitted to.

ncnn's `benchncnn` latencies (ms, 224x224 input) per SoC, thread count and powersave mode, as
collected in `latency.md`, plus the network descriptions they were measured on (`*.param`).
The folder is found through STYLECUT_NCNN_REFERENCE or beside the repository
(`../shared/reference/ncnn`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from editor.core.devices.errors import NetworkFormatError
from editor.core.devices.ncnn_param import read_param

REPO = Path(__file__).resolve().parents[3]
DEFAULT_DIR = REPO.parent / "shared" / "reference" / "ncnn"
SOURCE = "Tencent/ncnn benchmark/README.md at commit a4d2ea1d (BSD-3-Clause), benchncnn average latency"


def reference_dir() -> Path:
    env = os.environ.get("STYLECUT_NCNN_REFERENCE")
    return Path(env) if env else DEFAULT_DIR


@dataclass
class Measurement:
    """One row of the latency table: a SoC at a thread count and powersave mode."""

    soc: str                      # first column, spelled as in the table
    year: str                     # as in the table ("2019/20" kept as written)
    cores: str
    codename: str
    threads: int
    powersave: int
    added: str                    # when the row entered ncnn's README
    latency_ms: dict = field(default_factory=dict)   # network name -> ms

    @property
    def first_year(self) -> int:
        return int(self.year.split("/")[0])


def read_latency_table(path: Path | None = None) -> list:
    """Rows of latency.md as `Measurement`s; '-' cells are left out."""
    path = Path(path) if path else reference_dir() / "latency.md"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise NetworkFormatError(path, f"cannot read the latency table: {exc}") from None
    rows = [ln for ln in lines if ln.startswith("|")]
    if len(rows) < 3:
        raise NetworkFormatError(path, "no markdown table found")
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    try:
        first_net = header.index("squeezenet")
    except ValueError:
        raise NetworkFormatError(path, "the table has no 'squeezenet' column") from None
    nets = header[first_net:]
    out = []
    for n, row in enumerate(rows[2:], start=3):
        cells = [c.strip() for c in row.strip("|").split("|")]
        if len(cells) != len(header):
            raise NetworkFormatError(path, f"table row {n} has {len(cells)} cells, the header {len(header)}")
        lat = {}
        for name, cell in zip(nets, cells[first_net:]):
            if cell not in ("-", ""):
                lat[name] = float(cell)
        out.append(Measurement(soc=cells[0], year=cells[1], cores=cells[2], codename=cells[3],
                               threads=int(cells[4]), powersave=int(cells[5]), added=cells[6],
                               latency_ms=lat))
    return out


def reference_networks(directory: Path | None = None, names=None) -> dict:
    """The benchmark networks by name, parsed from their .param files."""
    directory = Path(directory) if directory else reference_dir()
    files = sorted(directory.glob("*.param"))
    if not files:
        raise NetworkFormatError(directory, "no .param network descriptions found")
    nets = {}
    for f in files:
        if names is None or f.stem in names:
            nets[f.stem] = read_param(f)
    return nets
