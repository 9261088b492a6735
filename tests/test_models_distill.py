"""models.distill: a few real iterations at a tiny size learn, and the result exports."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from models import distill, teachers  # noqa: E402
from models.content import fit_short_side, stills  # noqa: E402


@pytest.fixture(scope="module")
def tiny_pairs():
    pics = dict(stills())
    pairs = []
    for name in ("skimage:astronaut", "skimage:coffee"):
        x = fit_short_side(pics[name], 64)
        t = np.stack([(teachers.multistyle(x, k) * 255 + 0.5).astype(np.uint8) for k in (19, 10)])
        pairs.append(distill.Pair(name, x, t))
    return pairs


def test_blur_is_a_normalised_gaussian():
    k = distill.gaussian_kernel(2.0)
    assert k.numel() == 13 and float(k.sum()) == pytest.approx(1.0)
    flat = torch.full((1, 3, 20, 20), 0.3)
    assert torch.allclose(distill.blur(flat, k), flat)


def test_few_iterations_lower_the_loss_and_export(tiny_pairs, tmp_path):
    recipe = distill.Recipe(iters=60, batch=4, crop=48, lr=5e-3, seed=1, threads=1)
    model, log = distill.train(tiny_pairs, 2, recipe, progress=False)
    assert len(log["pixel"]) == 3
    assert log["pixel"][-1] < log["pixel"][0]
    assert log["noise"][-1] > 0
    from models.student import export_onnx
    from models.runner import StyleNetwork

    path = tmp_path / "tiny.onnx"
    export_onnx(model, path)
    net = StyleNetwork(path)
    out = net.stylize(tiny_pairs[0].image[:40, :60], net.one_hot(1))   # not a multiple of 8
    assert out.shape == (40, 60, 3) and out.dtype == np.uint8


def test_same_seed_same_weights(tiny_pairs):
    recipe = distill.Recipe(iters=3, batch=2, crop=32, seed=7, threads=1)
    a, _ = distill.train(tiny_pairs, 2, recipe, progress=False)
    b, _ = distill.train(tiny_pairs, 2, recipe, progress=False)
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
