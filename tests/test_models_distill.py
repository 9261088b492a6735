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


def test_starting_from_chosen_styles_of_an_exported_network(tiny_pairs, tmp_path):
    """A one-style (or re-ordered) student started from a many-style file paints exactly what
    the file's chosen style painted, before any training."""
    from models.runner import StyleNetwork
    from models.student import StyleStudent, export_onnx

    recipe = distill.Recipe(iters=20, batch=2, crop=32, lr=5e-3, seed=3, threads=1)
    two, _ = distill.train(tiny_pairs, 2, recipe, progress=False)
    path = tmp_path / "two.onnx"
    export_onnx(two, path)
    x = tiny_pairs[1].image[:48, :56]
    many = StyleNetwork(path, threads=1)
    for rows, expected in (([1], [1]), ([1, 0], [1, 0])):
        student = StyleStudent(len(rows))
        distill.load_onnx_weights(student, path, style=rows)
        export_onnx(student, tmp_path / "picked.onnx")
        picked = StyleNetwork(tmp_path / "picked.onnx", threads=1)
        for i, k in enumerate(expected):
            assert np.array_equal(picked.stylize(x, picked.one_hot(i)), many.stylize(x, many.one_hot(k)))
    one = StyleStudent(1)
    distill.load_onnx_weights(one, path, style=1)          # a bare index: that style alone
    assert torch.equal(one.n1.gamma.detach()[0], two.n1.gamma.detach()[1])
    with pytest.raises(Exception, match="no style 5"):
        distill.load_onnx_weights(StyleStudent(1), path, style=5)


def test_texture_energy_ignores_phase_but_sees_blur():
    rng = np.random.default_rng(3)
    texture = torch.from_numpy(rng.random((1, 3, 64, 80), dtype=np.float32))
    fine, coarse = distill.gaussian_kernel(distill.TEXTURE_SIGMA), distill.gaussian_kernel(distill.LOWPASS_SIGMA)
    shifted = torch.roll(texture, shifts=(3, 5), dims=(2, 3))
    blurred = distill.blur(texture, distill.gaussian_kernel(1.5))
    e = distill.texture_energy(texture, fine, coarse)
    # the same texture moved: pixels differ a lot, texture energy hardly at all
    inner = (slice(None), slice(None), slice(12, -12), slice(12, -12))
    assert float((shifted - texture).abs().mean()) > 0.2
    change = float((distill.texture_energy(shifted, fine, coarse) - e)[inner].abs().mean())
    assert change < 0.2 * float(e[inner].mean())
    # the same texture blurred: the energy falls well below the original's
    assert float(distill.texture_energy(blurred, fine, coarse)[inner].mean()) < 0.5 * float(e[inner].mean())


def test_crop_bank_batches_whole_samples_of_one_shape():
    from models import crop_bank

    rng = np.random.default_rng(0)
    samples = [distill.Pair(f"s{i}", rng.integers(0, 255, (h, w, 3), dtype=np.uint8),
                                rng.integers(0, 255, (2, h, w, 3), dtype=np.uint8))
               for i, (h, w) in enumerate([(16, 16), (16, 16), (16, 24)])]
    groups = crop_bank.by_shape(samples)
    assert sorted(groups) == [(16, 16), (16, 24)]
    x, t, w, _ = distill._bank_batch(groups, 2, distill.Recipe(batch=3), np.random.default_rng(1))
    assert x.shape[0] == 3 and x.shape == t.shape and w.shape == (3, 2)
    # every target is the teacher output of its own input, untouched
    for xi, ti, wi in zip(x, t, w):
        s = next(s for s in samples if np.array_equal(s.image, (xi.permute(1, 2, 0) * 255).round().byte().numpy()))
        assert np.array_equal(s.targets[int(wi.argmax())], (ti.permute(1, 2, 0) * 255).round().byte().numpy())


def test_draw_crops_are_reproducible_and_sized():
    from models import crop_bank

    pics = [("a", np.random.default_rng(5).integers(0, 255, (300, 500, 3), dtype=np.uint8))]
    a = crop_bank.draw_crops(pics, 4, seed=9)
    b = crop_bank.draw_crops(pics, 4, seed=9)
    assert [c[1].shape[:2] for c in a] == [(256, 256), (256, 448), (256, 256), (256, 448)]
    assert all(np.array_equal(x[1], y[1]) for x, y in zip(a, b))


def test_style_sampling_follows_the_weights():
    rng = np.random.default_rng(0)
    even = [distill._pick_style(3, distill.Recipe(), rng) for _ in range(600)]
    assert sorted(set(even)) == [0, 1, 2]
    leaning = distill.Recipe(extra={"sample_weights": [1.0, 0.0, 3.0]})
    picks = np.array([distill._pick_style(3, leaning, rng) for _ in range(800)])
    assert not np.any(picks == 1)
    assert 0.65 < np.mean(picks == 2) < 0.85


def test_embedding_term_is_near_zero_on_the_teachers_own_output(tiny_pairs):
    from models import crop_bank

    groups = crop_bank.by_shape(tiny_pairs[:1])
    x, t, w, refs = distill._bank_batch(groups, 2, distill.Recipe(batch=2), np.random.default_rng(3))
    term = distill.EmbeddingTerm()
    assert float(term(t, refs)) < 2e-3
    assert float(term(torch.full_like(t, 0.5), refs)) > 0.05


def test_training_with_the_embedding_term_logs_it(tiny_pairs):
    from models import crop_bank

    groups = crop_bank.by_shape(tiny_pairs)
    recipe = distill.Recipe(iters=3, batch=2, lr=1e-3, seed=2, threads=1, extra={"embedding_weight": 2.0})
    _, log = distill.train(groups, 2, recipe, progress=False)
    assert log["done"] == 3 and log["style"] and log["style"][0] > 0
    with pytest.raises(ValueError, match="crop-bank"):
        distill.train(tiny_pairs, 2, recipe, progress=False)
