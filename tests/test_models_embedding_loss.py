"""models.embedding_loss: the torch style predictor is the evaluation's embedding, and it can
be trained through."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from models import metrics, teachers  # noqa: E402
from models.content import resize_to, stills  # noqa: E402
from models.embedding_loss import EMBED_SIZE, StylePredictor, cosine_loss, embed_nchw  # noqa: E402


@pytest.fixture(scope="module")
def predictor():
    return StylePredictor()


@pytest.fixture(scope="module")
def picture():
    return resize_to(dict(stills())["skimage:coffee"], EMBED_SIZE, EMBED_SIZE)


def _unoptimised_embedding(a: np.ndarray) -> np.ndarray:
    """The predictor graph run op by op as written (no fusion), the reference semantics."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(str(teachers.teacher_path("arbitrary_predict")), opts,
                                providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: (a.astype(np.float32) / 255)[None]})[0].reshape(-1)


def test_teacher_embedding_follows_the_graph_not_the_cpus_int8_kernels(picture):
    # The evaluation's embedding must not depend on the CPU's 8-bit kernels.
    ref = _unoptimised_embedding(picture)
    got = teachers.style_embedding(picture)
    assert np.abs(got - ref).max() < 1e-4


def test_torch_predictor_matches_the_evaluation(predictor, picture):
    x = torch.from_numpy(picture.astype(np.float32) / 255)[None]
    e = predictor(x).numpy().reshape(-1)
    ref = teachers.style_embedding(picture)
    assert e.shape == (100,)
    assert metrics.cosine(e, ref) > 0.9995
    assert np.abs(e - ref).max() < 0.05 * np.abs(ref).max()


def test_batches_and_gradients(predictor, picture):
    x = torch.from_numpy(picture.astype(np.float32) / 255).permute(2, 0, 1)[None]
    x = torch.cat([x, x.flip(-1)]).requires_grad_(True)
    e = embed_nchw(predictor, x)
    assert e.shape == (2, 100)
    loss = cosine_loss(e, e.detach()[[1, 0]])
    loss.backward()
    assert x.grad is not None and float(x.grad.abs().sum()) > 0


def test_cosine_loss_is_zero_for_equal_and_grows_with_difference():
    a = torch.randn(3, 100)
    assert float(cosine_loss(a, a)) == pytest.approx(0.0, abs=1e-6)
    assert float(cosine_loss(a, -a)) == pytest.approx(2.0, abs=1e-5)
    assert 0 < float(cosine_loss(a, a + 0.3 * torch.randn(3, 100))) < float(cosine_loss(a, torch.randn(3, 100)))


def test_gradient_steps_bring_an_embedding_closer(predictor, picture):
    # the loss can be trained through: a few steps on the pixels of a flat grey picture move
    # its embedding toward a real picture's
    target = torch.from_numpy(teachers.style_embedding(picture))[None]
    x = torch.full((1, 3, 128, 128), 0.5, requires_grad=True)
    opt = torch.optim.Adam([x], lr=0.02)
    first = None
    for _ in range(6):
        loss = cosine_loss(embed_nchw(predictor, x), target)
        first = float(loss.detach()) if first is None else first
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            x.clamp_(0, 1)
    assert float(cosine_loss(embed_nchw(predictor, x), target).detach()) < first
