"""A gated recurrent unit in NumPy with the semantics of ``keras.layers.GRU``
(``reset_after=True``).

Weights in the Keras layout, blocks in the order z (update), r (reset), h
(candidate)::

    x_z, x_r, x_h = x_t W + b[0]         input projections, (batch, 3H)
    u_z, u_r, u_h = h_{t-1} U + b[1]     recurrent projections, (batch, 3H)
    z_t = sigmoid(x_z + u_z)             update gate
    r_t = sigmoid(x_r + u_r)             reset gate
    n_t = tanh(x_h + r_t * u_h)          candidate (reset acts *after* U)
    h_t = z_t * h_{t-1} + (1 - z_t) * n_t

The same speed tricks as :mod:`.lstm`: one GEMM for all input projections, one
per step for the three recurrent projections, the sigmoid as ``(1 + tanh(z/2))
/ 2`` with the halving folded into copies of the weights, derivatives prepared
for all steps before the backward loop and weight gradients in one GEMM each
after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _checks
from ._buffers import recycled
from ._params import HasParams
from .init import glorot_uniform, orthogonal


@dataclass
class GRUCache:
    """What :meth:`GRU.forward` keeps for :meth:`GRU.backward`; all buffers
    time-major.

    Attributes:
        x: ``(T, B, X)`` input.
        gates: ``(T, B, 3, H)`` ``z, r, n`` (update, reset, candidate) after
            their nonlinearity.
        u_h: ``(T, B, H)`` the recurrent projection of the candidate block,
            ``h_{t-1} U_h + b[1]_h``.
        h: ``(T + 1, B, H)`` hidden states, ``h[0]`` is the initial state.
        has_state: whether ``forward`` was given an initial state.
    """

    x: np.ndarray
    gates: np.ndarray
    u_h: np.ndarray
    h: np.ndarray
    has_state: bool

    @property
    def final_state(self) -> np.ndarray:
        """``h_T``, ``(batch, hidden)``: pass it as ``state=`` to continue a
        sequence."""
        return self.h[-1]

    @property
    def nbytes(self) -> int:
        """Bytes held by the cache."""
        return sum(a.nbytes for a in (self.x, self.gates, self.u_h, self.h))

    def trace(self) -> dict[str, np.ndarray]:
        """``{"z", "r", "n", "h"}`` as batch-major copies ``(batch, time,
        hidden)``."""
        out = {
            name: self.gates[:, :, k].transpose(1, 0, 2).copy()
            for k, name in enumerate("zrn")
        }
        out["h"] = self.h[1:].transpose(1, 0, 2).copy()
        return out


def single_state(
    state: object, batch: int, hidden: int, dtype: np.dtype
) -> np.ndarray | None:
    """Accept ``h0`` or ``(h0,)`` for the one-state layers (GRU, SimpleRNN)."""
    if state is None:
        return None
    if isinstance(state, (tuple, list)):
        if len(state) != 1:
            raise ValueError(
                "state must be h0 (batch, hidden) or a 1-tuple (h0,), got a "
                f"sequence of length {len(state)}"
            )
        state = state[0]
    return _checks.state_array(state, "h0", batch, hidden, dtype)


class GRU(HasParams):
    """GRU layer, ``reset_after=True`` (the Keras 3 default and cuDNN's
    variant).

    Args:
        input_size: ``X``; hidden_size: ``H``; seed: for
            ``numpy.random.default_rng``;
        dtype: float32 or float64.

    ``params``: ``"W"`` ``(X, 3H)``, ``"U"`` ``(H, 3H)``, ``"b"`` ``(2, 3H)``
    (row 0 the input bias, row 1 the recurrent bias). Glorot-uniform ``W``,
    orthogonal ``U``, zero bias.

    Trainable parameters (``n_params``, ``count_params()``): ``3 (H (X + H) + 2
    H)``.
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
        x_size, h_size = self.input_size, self.hidden_size
        rng = np.random.default_rng(seed)
        self.params: dict[str, np.ndarray] = {
            "W": glorot_uniform(rng, (x_size, 3 * h_size), self.dtype),
            "U": orthogonal(rng, (h_size, 3 * h_size), self.dtype),
            "b": np.zeros((2, 3 * h_size), dtype=self.dtype),
        }
        half = np.full((3, h_size), 0.5, dtype=self.dtype)
        half[2] = 1.0  # the candidate block keeps its scale
        self._pre_scale = half.reshape(-1)

    def __repr__(self) -> str:
        dtype = self.dtype.name
        return f"GRU({self.input_size}, {self.hidden_size}, dtype={dtype})"

    def forward(
        self, x: object, state: object = None, reuse: GRUCache | None = None
    ) -> tuple[np.ndarray, GRUCache]:
        """``x``: ``(batch, time, input_size)``, ``state``: optional ``h0``
        ``(batch, hidden)``, ``reuse``: an earlier, no longer needed cache
        whose buffers may be overwritten (see :meth:`LSTM.forward
        <lstmbook.scratch.LSTM.forward>`).

        Returns ``hs`` ``(batch, time, hidden)`` (a read-only view into the
        cache) and the cache; the final state is ``cache.final_state``.
        """
        x = _checks.sequence(x, "x", self.input_size, self.dtype)
        batch, steps, x_size = x.shape
        h_size = self.hidden_size
        h0 = single_state(state, batch, h_size, self.dtype)
        inputs = (x, h0)
        p, scale = self.params, self._pre_scale
        u_half = (
            p["U"] * scale
        )  # z and r columns halved (sigmoid via tanh); candidate unchanged
        b_rec_half = (p["b"][1] * scale).reshape(3, h_size)

        dtype = self.dtype
        x_tm = recycled(
            reuse, "x", (steps, batch, x_size), dtype, avoid=inputs
        )
        np.copyto(x_tm, x.transpose(1, 0, 2))
        gates = recycled(
            reuse, "gates", (steps, batch, 3, h_size), dtype, avoid=inputs
        )
        np.matmul(
            x_tm.reshape(steps * batch, x_size),
            p["W"] * scale,
            out=gates.reshape(steps * batch, -1),
        )
        gates += (p["b"][0] * scale).reshape(3, h_size)
        h = recycled(
            reuse, "h", (steps + 1, batch, h_size), dtype, avoid=inputs
        )
        h[0] = 0.0 if h0 is None else h0
        u_h = recycled(
            reuse, "u_h", (steps, batch, h_size), dtype, avoid=inputs
        )
        recurrent = np.empty((batch, 3, h_size), dtype=self.dtype)
        product = np.empty((batch, h_size), dtype=self.dtype)
        for t in range(steps):
            a = gates[t]  # (B, 3, H)
            np.matmul(h[t], u_half, out=recurrent.reshape(batch, 3 * h_size))
            recurrent += b_rec_half
            a[:, :2] += recurrent[:, :2]
            np.tanh(a[:, :2], out=a[:, :2])
            a[:, :2] *= 0.5
            a[:, :2] += 0.5
            z, r, n = a[:, 0], a[:, 1], a[:, 2]
            u_h[t] = recurrent[:, 2]
            np.multiply(r, recurrent[:, 2], out=product)
            n += product
            np.tanh(n, out=n)
            np.subtract(h[t], n, out=product)  # h_t = n + z (h_{t-1} - n)
            product *= z
            np.add(n, product, out=h[t + 1])
        cache = GRUCache(
            x=x_tm, gates=gates, u_h=u_h, h=h, has_state=h0 is not None
        )
        hs = h[1:].transpose(1, 0, 2)
        hs.flags.writeable = False
        return hs, cache

    def backward(
        self, dhs: object, cache: GRUCache, input_grad: bool = True
    ) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
        """``dhs``: ``(batch, time, hidden)`` -> ``dx`` ``(batch, time,
        input_size)`` (``None`` if ``input_grad=False``) and ``grads`` (keys of
        ``params``, plus ``"h0"`` if a state was given).
        """
        _checks.cache_of(cache, GRUCache, self)
        gates, h = cache.gates, cache.h
        steps, batch, _, h_size = gates.shape
        dhs = _checks.upstream_gradient(
            dhs, "dhs", (batch, steps, h_size), self.dtype
        )
        dhs_tm = dhs.transpose(1, 0, 2)
        z, r, n = gates[:, :, 0], gates[:, :, 1], gates[:, :, 2]

        # d_in: gradient w.r.t. the input projections (x W + b[0]), blocks z,
        # r, h. Before the loop each block holds the factor that dh (z, h) or
        # d_in_h (r) multiplies.
        d_in = np.empty_like(gates)
        np.subtract(h[:-1], n, out=d_in[:, :, 0])
        d_in[:, :, 0] *= z
        d_in[:, :, 0] *= 1.0 - z  # dz_pre = dh (h_{t-1} - n) z (1 - z)
        np.subtract(1.0, r, out=d_in[:, :, 1])
        d_in[:, :, 1] *= r
        d_in[:, :, 1] *= cache.u_h  # dr_pre = dn_pre u_h r (1 - r)
        np.square(n, out=d_in[:, :, 2])
        np.subtract(1.0, d_in[:, :, 2], out=d_in[:, :, 2])
        d_in[:, :, 2] *= 1.0 - z  # dn_pre = dh (1 - z) (1 - n^2)
        d_rec = np.empty_like(
            gates
        )  # gradient w.r.t. the recurrent projections (h U + b[1])

        dh = np.empty((batch, h_size), dtype=self.dtype)
        dh_next = np.zeros((batch, h_size), dtype=self.dtype)
        u_t = self.params["U"].T
        for t in range(steps - 1, -1, -1):
            np.add(dhs_tm[t], dh_next, out=dh)
            d = d_in[t]
            d[:, 0] *= dh
            d[:, 2] *= dh
            d[:, 1] *= d[:, 2]
            d_rec[t, :, :2] = d[:, :2]
            np.multiply(d[:, 2], r[t], out=d_rec[t, :, 2])
            np.matmul(d_rec[t].reshape(batch, 3 * h_size), u_t, out=dh_next)
            dh *= z[t]
            dh_next += dh

        d_in_flat = d_in.reshape(steps * batch, 3 * h_size)
        d_rec_flat = d_rec.reshape(steps * batch, 3 * h_size)
        grads = {
            "W": np.matmul(cache.x.reshape(steps * batch, -1).T, d_in_flat),
            "U": np.matmul(
                h[:-1].reshape(steps * batch, h_size).T, d_rec_flat
            ),
            "b": np.stack([d_in_flat.sum(axis=0), d_rec_flat.sum(axis=0)]),
        }
        if cache.has_state:
            grads["h0"] = dh_next
        dx = None
        if input_grad:
            dx = (
                np.matmul(d_in_flat, self.params["W"].T)
                .reshape(steps, batch, -1)
                .transpose(1, 0, 2)
            )
        return dx, grads

    def gate_trace(
        self, x: object, state: object = None
    ) -> dict[str, np.ndarray]:
        """``{"z", "r", "n", "h"}``, each ``(batch, time, hidden)``, for
        plotting."""
        _, cache = self.forward(x, state=state)
        return cache.trace()
