"""Budget verdicts against the bars real platforms set for camera effects.

- Caffe2go (Facebook, 2016): style transfer at 20 fps on an iPhone 6s.
- Meta Spark AR approval: >= 24 fps on iPhone 7, >= 20 fps on Nexus 5, effect <= 4 MB.
- Snap Lens Studio: >= 15 fps minimum, 30 fps target, lens <= 8 MB (on the chosen device).

A bar names a phone; when its SoC has no profile, the nearest profiled SoC stands in (closest
year first, then the same vendor) and the verdict says it is an approximation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from editor.core.devices.network import Network
from editor.core.devices.predict import predict
from editor.core.devices.profiles import Profile

MB = 1024 * 1024


@dataclass
class Bar:
    platform: str
    phone: str | None          # None: the device the user chose
    min_fps: float
    target_fps: float | None = None
    max_bytes: int | None = None


BARS = (
    Bar("Caffe2go", "iPhone 6s", 20.0),
    Bar("Meta Spark AR", "iPhone 7", 24.0, max_bytes=4 * MB),
    Bar("Meta Spark AR", "Nexus 5", 20.0, max_bytes=4 * MB),
    Bar("Snap Lens Studio", None, 15.0, target_fps=30.0, max_bytes=8 * MB),
)


@dataclass
class Verdict:
    platform: str
    phone: str
    device: str
    approximate: bool
    note: str
    fps: float
    min_fps: float
    target_fps: float | None
    fps_ok: bool
    target_ok: bool | None
    size_bytes: int
    max_bytes: int | None
    size_ok: bool | None

    @property
    def ok(self) -> bool:
        return self.fps_ok and self.size_ok is not False

    def to_json(self) -> dict:
        d = asdict(self)
        d["ok"] = self.ok
        d["fps"] = round(self.fps, 3)
        return d


def vendor(soc: str) -> str:
    s = soc.lower()
    for key, name in (("apple", "Apple"), ("snapdragon", "Qualcomm"), ("kirin", "HiSilicon"),
                      ("dimensity", "MediaTek"), ("exynos", "Samsung")):
        if key in s:
            return name
    return "other"


def stand_in(phone: str, phones: dict, profiles: list) -> tuple:
    """(profile, approximate, note) for a phone named by a bar."""
    info = phones.get(phone)
    candidates = [p for p in profiles if p.default and not p.host]
    if not candidates:
        candidates = [p for p in profiles if not p.host]
    if info is None:
        raise KeyError(phone)
    for p in candidates:
        if p.soc.split(" (")[0] == info["soc"]:
            return p, False, f"{phone} ({info['soc']}) is profiled"

    def key(p):
        return (abs(p.year - info["year"]), vendor(p.soc) != info.get("vendor", vendor(info["soc"])),
                -p.threads, p.id)

    best = min(candidates, key=key)
    note = (f"approximation: {phone} ({info['soc']}, {info['year']}) is not profiled; nearest profiled "
            f"SoC is {best.soc.split(' (')[0]} ({best.year}), profile {best.id}")
    return best, True, note


def model_bytes(net: Network) -> int:
    return int(net.file_bytes) if net.file_bytes else net.weight_bytes()


def verdicts(net: Network, profiles: list, phones: dict, device: Profile | None = None) -> list:
    out = []
    size = model_bytes(net)
    for bar in BARS:
        if bar.phone is None:
            if device is None:
                continue
            prof, approx, note, phone = device, False, f"on the chosen device {device.id}", device.name or device.id
        else:
            prof, approx, note = stand_in(bar.phone, phones, profiles)
            phone = bar.phone
        fps = predict(net, prof).fps
        out.append(Verdict(
            platform=bar.platform, phone=phone, device=prof.id, approximate=approx, note=note,
            fps=fps, min_fps=bar.min_fps, target_fps=bar.target_fps, fps_ok=fps >= bar.min_fps,
            target_ok=None if bar.target_fps is None else fps >= bar.target_fps,
            size_bytes=size, max_bytes=bar.max_bytes,
            size_ok=None if bar.max_bytes is None else size <= bar.max_bytes))
    return out
