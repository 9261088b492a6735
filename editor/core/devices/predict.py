"""Predicted time of a network on a device: per layer, total, frames per second."""

from __future__ import annotations

from dataclasses import dataclass, field

from editor.core.devices.cost import layer_seconds
from editor.core.devices.network import Network
from editor.core.devices.profiles import Profile


@dataclass
class LayerTime:
    name: str
    op: str
    kind: str
    ms: float
    macs: int
    out_shape: tuple
    int8: bool


@dataclass
class Prediction:
    network: str
    device: str
    input_size: tuple          # (width, height)
    int8: bool
    total_ms: float
    layers: list = field(default_factory=list)

    @property
    def fps(self) -> float:
        return 1000.0 / self.total_ms if self.total_ms > 0 else float("inf")

    def by_kind(self) -> dict:
        out: dict = {}
        for layer in self.layers:
            out[layer.kind] = out.get(layer.kind, 0.0) + layer.ms
        return out

    def to_json(self) -> dict:
        return {
            "network": self.network, "device": self.device,
            "input_size": list(self.input_size), "int8": self.int8,
            "total_ms": round(self.total_ms, 4), "fps": round(self.fps, 3),
            "ms_by_kind": {k: round(v, 4) for k, v in self.by_kind().items()},
            "layers": [{"name": lt.name, "op": lt.op, "kind": lt.kind, "ms": round(lt.ms, 5),
                        "macs": lt.macs, "out_shape": list(lt.out_shape), "int8": lt.int8}
                       for lt in self.layers],
        }


def predict(net: Network, profile: Profile) -> Prediction:
    layers = []
    for layer in net.layers:
        if layer.kind == "free":
            continue
        ms = layer_seconds(layer, profile.rates) * 1e3
        layers.append(LayerTime(layer.name, layer.op, layer.kind, ms, layer.macs,
                                tuple(layer.out_shape), layer.int8))
    total = sum(lt.ms for lt in layers)
    c, h, w = net.input_shape
    return Prediction(network=net.name, device=profile.id, input_size=(w, h), int8=net.int8,
                      total_ms=total, layers=layers)
