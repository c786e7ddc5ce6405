"""The plain (Elman) recurrent layer in NumPy, as ``keras.layers.SimpleRNN``::

    h_t = tanh(x_t W + h_{t-1} U + b)

``W`` ``(X, H)``, ``U`` ``(H, H)``, ``b`` ``(H,)``. Its gradient through time
is a product of ``T`` Jacobians ``diag(1 - h_t^2) U^T``, which is why it
vanishes (or explodes) on long sequences, the problem the LSTM was built to
solve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _checks
from ._buffers import recycled
from ._params import HasParams
from .gru import single_state
from .init import glorot_uniform, orthogonal


@dataclass
class RNNCache:
    """``x`` ``(T, B, X)`` and ``h`` ``(T + 1, B, H)`` (``h[0]`` the initial
    state), time-major."""

    x: np.ndarray
    h: np.ndarray
    has_state: bool

    @property
    def final_state(self) -> np.ndarray:
        """``h_T``, ``(batch, hidden)``."""
        return self.h[-1]

    @property
    def nbytes(self) -> int:
        """Bytes held by the cache."""
        return self.x.nbytes + self.h.nbytes


class SimpleRNN(HasParams):
    """tanh RNN layer. Glorot-uniform ``W``, orthogonal ``U``, zero ``b`` (as
    Keras).

    Args:
        input_size: ``X``; hidden_size: ``H``; seed: for
            ``numpy.random.default_rng``;
        dtype: float32 or float64.

    Trainable parameters (``n_params``, ``count_params()``): ``H (X + H) + H``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        seed: int | None = 0,
        dtype: object = np.float32,
    ) -> None:
        self.input_size = _checks.positive_int("input_size", input_size)
        self.hidden_size = _checks.positive_int("hidden_size", hidden_size)
        self.dtype = _checks.float_dtype(dtype)
        rng = np.random.default_rng(seed)
        self.params: dict[str, np.ndarray] = {
            "W": glorot_uniform(
                rng, (self.input_size, self.hidden_size), self.dtype
            ),
            "U": orthogonal(
                rng, (self.hidden_size, self.hidden_size), self.dtype
            ),
            "b": np.zeros(self.hidden_size, dtype=self.dtype),
        }

    def __repr__(self) -> str:
        dtype = self.dtype.name
        return (
            f"SimpleRNN({self.input_size}, {self.hidden_size}, dtype={dtype})"
        )

    def forward(
        self, x: object, state: object = None, reuse: RNNCache | None = None
    ) -> tuple[np.ndarray, RNNCache]:
        """``x``: ``(batch, time, input_size)``, ``state``: optional ``h0``
        ``(batch, hidden)``, ``reuse``: an earlier, no longer needed cache
        whose buffers may be overwritten (see :meth:`LSTM.forward
        <lstmbook.scratch.LSTM.forward>`).

        Returns ``hs`` ``(batch, time, hidden)`` (a read-only view into the
        cache) and the cache.
        """
        x = _checks.sequence(x, "x", self.input_size, self.dtype)
        batch, steps, x_size = x.shape
        h0 = single_state(state, batch, self.hidden_size, self.dtype)
        inputs = (x, h0)
        p = self.params
        x_tm = recycled(
            reuse, "x", (steps, batch, x_size), self.dtype, avoid=inputs
        )
        np.copyto(x_tm, x.transpose(1, 0, 2))
        pre = np.matmul(x_tm.reshape(steps * batch, x_size), p["W"])
        pre += p["b"]
        pre = pre.reshape(steps, batch, self.hidden_size)
        h = recycled(
            reuse,
            "h",
            (steps + 1, batch, self.hidden_size),
            self.dtype,
            avoid=inputs,
        )
        h[0] = 0.0 if h0 is None else h0
        recurrent = np.empty((batch, self.hidden_size), dtype=self.dtype)
        for t in range(steps):
            np.matmul(h[t], p["U"], out=recurrent)
            pre[t] += recurrent
            np.tanh(pre[t], out=h[t + 1])
        cache = RNNCache(x=x_tm, h=h, has_state=h0 is not None)
        hs = h[1:].transpose(1, 0, 2)
        hs.flags.writeable = False
        return hs, cache

    def backward(
        self, dhs: object, cache: RNNCache, input_grad: bool = True
    ) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
        """``dhs``: ``(batch, time, hidden)`` -> ``dx`` (or ``None``) and
        ``grads`` (plus ``"h0"`` if a state was given)."""
        _checks.cache_of(cache, RNNCache, self)
        h = cache.h
        steps, batch, h_size = h.shape[0] - 1, h.shape[1], h.shape[2]
        dhs = _checks.upstream_gradient(
            dhs, "dhs", (batch, steps, h_size), self.dtype
        )
        dhs_tm = dhs.transpose(1, 0, 2)
        dpre = np.square(
            h[1:]
        )  # becomes (1 - h^2) * dh, the gradient of the pre-activation
        np.subtract(1.0, dpre, out=dpre)
        dh = np.empty((batch, h_size), dtype=self.dtype)
        dh_next = np.zeros((batch, h_size), dtype=self.dtype)
        u_t = self.params["U"].T
        for t in range(steps - 1, -1, -1):
            np.add(dhs_tm[t], dh_next, out=dh)
            dpre[t] *= dh
            np.matmul(dpre[t], u_t, out=dh_next)
        dpre_flat = dpre.reshape(steps * batch, h_size)
        grads = {
            "W": np.matmul(cache.x.reshape(steps * batch, -1).T, dpre_flat),
            "U": np.matmul(h[:-1].reshape(steps * batch, h_size).T, dpre_flat),
            "b": dpre_flat.sum(axis=0),
        }
        if cache.has_state:
            grads["h0"] = dh_next
        dx = None
        if input_grad:
            dx = (
                np.matmul(dpre_flat, self.params["W"].T)
                .reshape(steps, batch, -1)
                .transpose(1, 0, 2)
            )
        return dx, grads
