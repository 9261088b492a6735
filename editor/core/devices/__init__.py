"""Device-speed emulation: how fast a network runs on a phone, and what the phone would show.

    from editor.core import devices
    net = devices.load_network("style.onnx", size=(640, 360))       # or .param, or a native model
    profile = devices.get_profile("sd821-4t")                      # devices.all_profiles() lists them
    pred = devices.predict(net, profile)                           # pred.total_ms, pred.fps, pred.layers
    pb = devices.simulate(pred.total_ms, fps, frames, profile.throttle)   # pb.ticks: frame on screen per tick
    devices.save_chart(pred, "chart.png")
    devices.verdicts(net, devices.all_profiles(), devices.budget_phones(), profile)

Modules: network (the layer list every reader produces), ncnn_param / onnx_net / native_net
(readers), cost (the per-layer model), kernel_cost (the host's cost per native kernel
family), fit + reference + build_profiles (fitting the phone profiles to published latencies),
profiles (models/devices.json and the calibrated host), calibrate (the host profile), predict,
playback, budgets, chart, report.
"""

from __future__ import annotations

from editor.core.devices.budgets import verdicts
from editor.core.devices.chart import save_chart
from editor.core.devices.errors import NetworkFormatError, ProfileError
from editor.core.devices.load import load_network, parse_size
from editor.core.devices.playback import simulate
from editor.core.devices.predict import Prediction, predict
from editor.core.devices.profiles import Profile, all_profiles, get_profile, load_phone_profiles


def budget_phones() -> dict:
    """The phones named by platform budgets, with their SoC and year (from models/devices.json)."""
    return load_phone_profiles()[1]


__all__ = [
    "NetworkFormatError", "ProfileError", "Prediction", "Profile", "all_profiles", "budget_phones",
    "get_profile", "load_network", "parse_size", "predict", "save_chart", "simulate", "verdicts",
]
