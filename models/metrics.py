"""How close a student is to its teacher, and how steady it is on video.

Pictures are HxWx3 float arrays in 0..1 (uint8 is accepted and scaled).

- low-pass PSNR: PSNR after a Gaussian blur (sigma 2) of both pictures. Texture styles paint
  strokes whose phase shifts with tiny input changes while the look stays the same; raw PSNR
  punishes that, the blurred comparison measures colour and layout.
- style-embedding cosine: cosine similarity of Magenta's style embeddings of two pictures.
- noise sensitivity S = E|f(x+e) - f(x)| / E|e|, e ~ N(0, sigma^2): how much a network
  amplifies sensor or codec noise (the source of flicker on video).
- static flicker: mean output change between consecutive frames over pixels whose input did
  not change, in 8-bit levels.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

LOWPASS_SIGMA = 2.0
NOISE_SIGMA = 2.0 / 255.0
STATIC_THRESHOLD = 2.0 / 255.0


def as_float(img) -> np.ndarray:
    a = np.asarray(img)
    if a.dtype == np.uint8:
        return a.astype(np.float32) / 255.0
    return a.astype(np.float32)


def _check_pair(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape != b.shape:
        raise ValueError(f"pictures differ in shape: {a.shape} vs {b.shape}")


def psnr(a, b) -> float:
    """Peak signal-to-noise ratio in dB for pictures in 0..1 (inf when identical)."""
    a, b = as_float(a), as_float(b)
    _check_pair(a, b)
    mse = float(np.mean((a.astype(np.float64) - b) ** 2))
    return math.inf if mse == 0 else 10.0 * math.log10(1.0 / mse)


def lowpass(img, sigma: float = LOWPASS_SIGMA) -> np.ndarray:
    from scipy.ndimage import gaussian_filter

    a = as_float(img)
    return gaussian_filter(a, sigma=(sigma, sigma, 0), mode="reflect")


def lowpass_psnr(a, b, sigma: float = LOWPASS_SIGMA) -> float:
    return psnr(lowpass(a, sigma), lowpass(b, sigma))


def cosine(u, v) -> float:
    u = np.asarray(u, np.float64).reshape(-1)
    v = np.asarray(v, np.float64).reshape(-1)
    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
    if nu == 0 or nv == 0:
        raise ValueError("cosine of a zero vector is undefined")
    return float(u @ v / (nu * nv))


def embedding_cosine(a, b) -> float:
    """Cosine similarity of Magenta's style embeddings of two pictures."""
    from models.teachers import style_embedding

    return cosine(style_embedding(as_float(a)), style_embedding(as_float(b)))


def noise_sensitivity(net: Callable[[np.ndarray], np.ndarray], img, sigma: float = NOISE_SIGMA,
                      seed: int = 0) -> float:
    """S = E|f(x+e) - f(x)| / E|e| with Gaussian e (the noise actually added after clipping)."""
    x = as_float(img)
    rng = np.random.default_rng(seed)
    noisy = np.clip(x + rng.normal(0.0, sigma, x.shape).astype(np.float32), 0.0, 1.0)
    e = float(np.mean(np.abs(noisy - x)))
    if e == 0:
        raise ValueError("the noise vanished after clipping")
    return float(np.mean(np.abs(as_float(net(noisy)) - as_float(net(x))))) / e


def static_flicker(outputs: list, inputs: list, threshold: float = STATIC_THRESHOLD) -> float:
    """Mean |f(t+1) - f(t)| in 8-bit levels over pixels whose input stayed within `threshold`."""
    if len(outputs) != len(inputs) or len(inputs) < 2:
        raise ValueError("need at least two frames, as many outputs as inputs")
    total, count = 0.0, 0
    for t in range(len(inputs) - 1):
        x0, x1 = as_float(inputs[t]), as_float(inputs[t + 1])
        still = np.all(np.abs(x1 - x0) <= threshold, axis=2)
        if not still.any():
            continue
        d = np.abs(as_float(outputs[t + 1]) - as_float(outputs[t])).mean(axis=2)
        total += float(d[still].sum())
        count += int(still.sum())
    if count == 0:
        raise ValueError("no pixel stayed still between frames")
    return 255.0 * total / count
