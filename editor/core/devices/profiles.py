"""Device profiles: the phone SoC configurations in models/devices.json plus this machine's `host`.

The phone profiles are fitted from published benchmarks and ship with the program; `host` is
measured on the user's machine by `stylecut devices calibrate` and kept in the user's config
folder, because it describes that machine only.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from editor.core.devices.cost import Rates
from editor.core.devices.errors import ProfileError

REPO = Path(__file__).resolve().parents[3]
PROFILES_FILE = REPO / "models" / "devices.json"
SCHEMA = 1


@dataclass
class Profile:
    id: str
    name: str                 # phones that use the SoC
    soc: str                  # as spelled in the benchmark table
    year: int
    threads: int
    powersave: int            # ncnn: 0 all cores, 1 little cores, 2 big cores
    source: str
    rates: Rates
    fit: dict = field(default_factory=dict)        # network -> {"measured_ms", "fit_error", "loo_error"}
    default: bool = False     # the configuration an app would use on this SoC (most threads)
    throttle: dict | None = None   # {"after_s": s, "factor": f}: slower after s seconds of load
    host: bool = False
    runtime: str | None = None     # host only: the runtime it was calibrated with

    def to_json(self) -> dict:
        d = {"id": self.id, "name": self.name, "soc": self.soc, "year": self.year,
             "threads": self.threads, "powersave": self.powersave, "source": self.source,
             "default": self.default, "params": self.rates.to_json()}
        if self.fit:
            d["fit"] = self.fit
        if self.throttle:
            d["throttle"] = self.throttle
        if self.runtime:
            d["runtime"] = self.runtime
        return d

    @classmethod
    def from_json(cls, d: dict, where, host=False) -> "Profile":
        try:
            return cls(id=str(d["id"]), name=str(d["name"]), soc=str(d["soc"]), year=int(d["year"]),
                       threads=int(d["threads"]), powersave=int(d.get("powersave", 0)),
                       source=str(d["source"]), rates=Rates.from_json(d["params"]),
                       fit=dict(d.get("fit", {})), default=bool(d.get("default", False)),
                       throttle=d.get("throttle"), host=host, runtime=d.get("runtime"))
        except (KeyError, TypeError, ValueError) as exc:
            raise ProfileError(where, f"profile {d.get('id', '?') if isinstance(d, dict) else '?'} is malformed: {exc!r}") from None


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "stylecut"


def host_profile_path() -> Path:
    return config_dir() / "devices_host.json"


def soc_slug(soc: str) -> str:
    base = soc.split(" (")[0].lower()
    base = base.replace("snapdragon ", "sd").replace("dimensity ", "dimensity").replace("apple ", "")
    base = base.replace("kirin ", "kirin").replace(" gen ", "gen").replace("+", "plus")
    return re.sub(r"[^a-z0-9]+", "", base)


def profile_id(soc: str, threads: int, powersave: int) -> str:
    return f"{soc_slug(soc)}-{threads}t" + ("-little" if powersave == 1 else "")


def load_phone_profiles(path: Path | None = None) -> tuple:
    """(profiles, phones table) from the shipped data file."""
    path = Path(path) if path else PROFILES_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(path, "device profiles file is missing") from None
    except (OSError, ValueError) as exc:
        raise ProfileError(path, f"cannot read device profiles: {exc}") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("profiles"), list):
        raise ProfileError(path, f"not a schema-{SCHEMA} device profiles file")
    profiles = [Profile.from_json(d, path) for d in data["profiles"]]
    return profiles, data.get("phones", {})


def load_host_profile(path: Path | None = None) -> Profile | None:
    path = Path(path) if path else host_profile_path()
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ProfileError(path, f"cannot read the host profile (run 'stylecut devices calibrate' again): {exc}") from None
    return Profile.from_json(data, path, host=True)


def save_host_profile(profile: Profile, path: Path | None = None) -> Path:
    """Write atomically: a crash mid-write never leaves a half profile behind."""
    path = Path(path) if path else host_profile_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".devices_host.", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(profile.to_json(), f, indent=2)
    os.replace(tmp, path)
    return path


def all_profiles(path: Path | None = None, host_path: Path | None = None) -> list:
    profiles, _ = load_phone_profiles(path)
    host = load_host_profile(host_path)
    return profiles + ([host] if host else [])


def get_profile(device_id: str, path: Path | None = None, host_path: Path | None = None) -> Profile:
    profiles = all_profiles(path, host_path)
    for p in profiles:
        if p.id == device_id:
            return p
    if device_id == "host":
        raise ProfileError("host", "this machine is not calibrated yet: run 'stylecut devices calibrate'")
    known = ", ".join(p.id for p in profiles)
    raise ProfileError(device_id, f"unknown device; known devices: {known}")
