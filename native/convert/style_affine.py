"""Track tensors that are linear in the style-weight input.

A conditional instance norm computes gamma and beta from the style weights w (shape [N]):
torch exports this as MatMul(w, table), or as ReduceSum(Unsqueeze(w, 1) * table, axis 0), then
reshapes to [1, C, 1, 1]. Rather than matching each spelling, every tensor derived from w is
kept symbolically as value = sum_n w[n] * A[n] + B, with A of shape [N, *shape]. The linear ops
torch uses act on A and B exactly, and at the norm the table A (and the offset B) are read out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class NotLinear(Exception):
    """The node does something to the style weights that is not linear."""


@dataclass
class StyleAffine:
    a: np.ndarray      # [N, *shape]
    b: np.ndarray      # shape

    @property
    def shape(self) -> tuple:
        return self.b.shape

    @classmethod
    def identity(cls, n: int, shape: tuple) -> "StyleAffine":
        eye = np.eye(n, dtype=np.float64)
        return cls(eye.reshape((n,) + tuple(shape)), np.zeros(shape, dtype=np.float64))

    def table(self) -> np.ndarray:
        """[N, C]: the per-style vectors, for a value whose shape holds C numbers."""
        return self.a.reshape(self.a.shape[0], -1)


def _axes(node, consts, rank):
    if len(node.inputs) > 1 and node.inputs[1]:
        axes = [int(x) for x in np.asarray(consts[node.inputs[1]]).reshape(-1)]
    else:
        axes = list(node.attrs.get("axes", []))
    return [ax + rank if ax < 0 else ax for ax in axes]


def apply(node, args: list, consts: dict) -> StyleAffine:
    """Apply one ONNX node to arguments that are StyleAffine or numpy constants."""
    op = node.op
    sym = [x for x in args if isinstance(x, StyleAffine)]
    if not sym:
        raise NotLinear(op)
    if op in ("Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity"):
        x = args[0]
        if op == "Reshape":
            shape = [int(v) for v in np.asarray(args[1]).reshape(-1)]
            shape = [x.shape[i] if v == 0 and i < len(x.shape) else v for i, v in enumerate(shape)]
            new = np.empty(x.shape).reshape(shape).shape
        elif op == "Flatten":
            axis = node.attrs.get("axis", 1)
            axis = axis + len(x.shape) if axis < 0 else axis
            new = (int(np.prod(x.shape[:axis])), int(np.prod(x.shape[axis:])))
        elif op == "Squeeze":
            axes = _axes(node, consts, len(x.shape))
            new = tuple(d for i, d in enumerate(x.shape) if i not in axes) if axes else \
                tuple(d for d in x.shape if d != 1)
        elif op == "Unsqueeze":
            raw = _axes(node, consts, 0)
            axes = sorted(ax + len(x.shape) + len(raw) if ax < 0 else ax for ax in raw)
            new = list(x.shape)
            for ax in axes:
                new.insert(ax, 1)
            new = tuple(new)
        else:
            new = x.shape
        return StyleAffine(x.a.reshape((x.a.shape[0],) + tuple(new)), x.b.reshape(new))
    if op in ("Add", "Sub"):
        x, y = args
        sign = -1.0 if op == "Sub" else 1.0
        if isinstance(x, StyleAffine) and isinstance(y, StyleAffine):
            return StyleAffine(x.a + sign * y.a, x.b + sign * y.b)
        if isinstance(x, StyleAffine):
            return StyleAffine(x.a + 0 * np.asarray(y)[None], x.b + sign * np.asarray(y))
        return StyleAffine(sign * y.a + 0 * np.asarray(x)[None], np.asarray(x) + sign * y.b)
    if op in ("Mul", "Div"):
        x, y = args
        if isinstance(x, StyleAffine) and isinstance(y, StyleAffine):
            raise NotLinear(op)
        if op == "Div":
            if not isinstance(x, StyleAffine):
                raise NotLinear(op)
            y = 1.0 / np.asarray(y, dtype=np.float64)
        if isinstance(y, StyleAffine):
            x, y = y, x
        c = np.asarray(y, dtype=np.float64)
        return StyleAffine(x.a * c[None], x.b * c)
    if op in ("MatMul", "Gemm"):
        x, y = args[0], args[1]
        if op == "Gemm":
            if node.attrs.get("transA", 0) or node.attrs.get("alpha", 1.0) != 1.0:
                raise NotLinear(op)
            if node.attrs.get("transB", 0):
                y = np.asarray(y).T
        if isinstance(y, StyleAffine) or not isinstance(x, StyleAffine):
            raise NotLinear(op)
        c = np.asarray(y, dtype=np.float64)
        # per style row, so numpy's 1-D promotion rules apply exactly as to the real operand
        out = StyleAffine(np.stack([np.matmul(row, c) for row in x.a]), np.matmul(x.b, c))
        if op == "Gemm" and len(args) > 2 and args[2] is not None:
            out = StyleAffine(out.a, out.b + np.asarray(args[2], dtype=np.float64))
        return out
    if op in ("ReduceSum", "ReduceMean"):
        x = args[0]
        axes = _axes(node, consts, len(x.shape)) or list(range(len(x.shape)))
        keep = bool(node.attrs.get("keepdims", 1))
        a = x.a.sum(axis=tuple(ax + 1 for ax in axes), keepdims=keep)
        b = x.b.sum(axis=tuple(axes), keepdims=keep)
        if op == "ReduceMean":
            count = int(np.prod([x.shape[ax] for ax in axes]))
            a, b = a / count, b / count
        return StyleAffine(a, b)
    if op == "Cast":
        return args[0]
    raise NotLinear(op)
