"""A fully connected layer ``y = x W + b`` on ``(batch, in)`` or per step on
``(batch, time, in)``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _checks
from ._params import HasParams
from .init import glorot_uniform


@dataclass
class DenseCache:
    """The input ``x`` as given to :meth:`Dense.forward` (after the cast)."""

    x: np.ndarray


class Dense(HasParams):
    """Dense layer, Glorot-uniform ``W`` ``(in, out)`` and zero ``b``
    ``(out,)`` (as Keras).

    Args:
        in_features: size of the last input axis; out_features: units;
        seed: for ``numpy.random.default_rng``; dtype: float32 or float64.

    Trainable parameters (``n_params``, ``count_params()``): ``in * out +
    out``.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        seed: int | None = 0,
        dtype: object = np.float32,
    ) -> None:
        self.in_features = _checks.positive_int("in_features", in_features)
        self.out_features = _checks.positive_int("out_features", out_features)
        self.dtype = _checks.float_dtype(dtype)
        rng = np.random.default_rng(seed)
        self.params: dict[str, np.ndarray] = {
            "W": glorot_uniform(
                rng, (self.in_features, self.out_features), self.dtype
            ),
            "b": np.zeros(self.out_features, dtype=self.dtype),
        }

    def __repr__(self) -> str:
        sizes = f"{self.in_features}, {self.out_features}"
        return f"Dense({sizes}, dtype={self.dtype.name})"

    def forward(self, x: object) -> tuple[np.ndarray, DenseCache]:
        """``x``: ``(batch, in)`` or ``(batch, time, in)`` -> ``y`` of the same
        rank with ``out`` last."""
        array = np.asarray(x)
        if array.ndim not in (2, 3):
            raise ValueError(
                "x must be 2-D (batch, features) or 3-D (batch, time, "
                "features) with "
                f"features={self.in_features}, got {array.ndim}-D array of "
                f"shape {array.shape}"
            )
        shape = (None,) * (array.ndim - 1) + (self.in_features,)
        layout = (
            "(batch, features)"
            if array.ndim == 2
            else "(batch, time, features)"
        )
        x = _checks.checked_array(array, "x", shape, layout, self.dtype)
        y = np.matmul(x, self.params["W"])
        y += self.params["b"]
        return y, DenseCache(x=x)

    def backward(
        self, dy: object, cache: DenseCache, input_grad: bool = True
    ) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
        """``dy``: the shape of ``y`` -> ``dx`` (shape of ``x``, or ``None``)
        and ``grads`` ``{"W", "b"}``."""
        _checks.cache_of(cache, DenseCache, self)
        x = cache.x
        dy = _checks.upstream_gradient(
            dy, "dy", x.shape[:-1] + (self.out_features,), self.dtype
        )
        x_flat = x.reshape(-1, self.in_features)
        dy_flat = dy.reshape(-1, self.out_features)
        grads = {"W": np.matmul(x_flat.T, dy_flat), "b": dy_flat.sum(axis=0)}
        dx = np.matmul(dy, self.params["W"].T) if input_grad else None
        return dx, grads
