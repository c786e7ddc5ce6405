"""A long short-term memory layer in NumPy, with hand-written backpropagation
through time.

For an input sequence ``x_1 .. x_T`` and a state ``(h_0, c_0)`` (zeros unless
given), each step computes, with ``[.]`` the gate blocks of one matrix product
(Keras order i, f, c, o)::

    z_t = x_t W + h_{t-1} U + b          (batch, 4H)
    i_t = sigmoid(z_i + p_i * c_{t-1})   input gate
    f_t = sigmoid(z_f + p_f * c_{t-1})   forget gate
    g_t = tanh(z_g)                      candidate ("c" block in Keras)
    c_t = f_t * c_{t-1} + i_t * g_t      cell state
    o_t = sigmoid(z_o + p_o * c_t)       output gate (c_{t-1} if "previous")
    h_t = o_t * tanh(c_t)                hidden state / output

The peephole vectors ``p_i, p_f, p_o`` (each ``(H,)``) exist only with
``peepholes=True``. ``output_peephole="current"`` lets the output gate read
``c_t`` (Gers, Schraudolph & Schmidhuber 2002; the old ``tf.compat.v1``
``PeepholeLSTMCell``); ``"previous"`` lets it read ``c_{t-1}``, as equation
(3.1.3) of the source article writes it.

Why it is fast without compiled code
------------------------------------
* The input projections ``x_t W + b`` of all ``T`` steps are one GEMM ``(T*B,
  X) @ (X, 4H)`` before the loop; inside the loop only ``h_{t-1} U`` (one GEMM
  for the four gates) remains.
* All four gates come from one ``exp`` over the whole ``(B, 4H)`` block, using
  ``sigmoid(z) = 1 / (1 + exp(-z))`` and ``tanh(z) = 2 sigmoid(2z) - 1``. The
  factors ``-1`` (i, f, o columns) and ``-2`` (candidate columns) are folded
  into copies of ``W, U, b`` (exact in floating point), so a step needs
  ``exp``, ``+ 1``, ``1 / .`` and a fix-up of the candidate block. (On the
  benchmark machine NumPy's ``exp`` is ~1.6x faster than its ``tanh``.)
  ``exp(-z)`` overflows to ``inf`` for ``z < -88`` in float32, which gives the
  correct ``sigmoid = 0``; that overflow is expected and silenced.
* All element-wise work is done in place in preallocated, time-major ``(T,
  B, ...)`` buffers; the backward pass keeps its large temporaries in a
  per-layer workspace reused across calls (they never leave ``backward``), so
  repeated steps do not pay for fresh memory.
* In the backward pass every factor that depends only on the forward pass (the
  gate derivatives) is computed for all steps at once before the loop; the loop
  keeps only the truly sequential chain ``dh -> dc -> dz_t -> dh_{t-1}``. The
  weight gradients are then two GEMMs over all steps (``X^T dZ`` and ``H^T
  dZ``), and ``dx`` one more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _checks
from ._buffers import recycled
from ._params import HasParams
from .init import glorot_uniform, orthogonal
from .reference import OUTPUT_PEEPHOLES

GATE_NAMES = ("i", "f", "g", "o")


@dataclass
class LSTMCache:
    """What :meth:`LSTM.forward` keeps for :meth:`LSTM.backward`; all buffers
    time-major.

    Attributes:
        x: ``(T, B, X)`` the input.
        gates: ``(T, B, 4, H)`` gate activations ``i, f, g, o`` (after the
            nonlinearity).
        c: ``(T + 1, B, H)`` cell states, ``c[0]`` is the initial state.
        tanh_c: ``(T, B, H)`` ``tanh(c_t)`` for ``t = 1 .. T``.
        h: ``(T + 1, B, H)`` hidden states, ``h[0]`` is the initial state.
        has_state: whether ``forward`` was given an initial state (then
            ``backward`` also returns ``grads["h0"]`` and ``grads["c0"]``).
    """

    x: np.ndarray
    gates: np.ndarray
    c: np.ndarray
    tanh_c: np.ndarray
    h: np.ndarray
    has_state: bool

    @property
    def final_state(self) -> tuple[np.ndarray, np.ndarray]:
        """``(h_T, c_T)``, each ``(batch, hidden)``: pass it as ``state=`` to
        continue a sequence."""
        return self.h[-1], self.c[-1]

    @property
    def nbytes(self) -> int:
        """Bytes held by the cache (the memory a training step keeps alive
        until ``backward``)."""
        return sum(
            a.nbytes for a in (self.x, self.gates, self.c, self.tanh_c, self.h)
        )

    def trace(self) -> dict[str, np.ndarray]:
        """Per-step activations as batch-major copies ``(batch, time,
        hidden)``.

        Keys: ``"i"``, ``"f"``, ``"g"`` (candidate), ``"o"``, ``"c"`` (cell),
        ``"h"`` (output).
        """
        out = {
            name: self.gates[:, :, k].transpose(1, 0, 2).copy()
            for k, name in enumerate(GATE_NAMES)
        }
        out["c"] = self.c[1:].transpose(1, 0, 2).copy()
        out["h"] = self.h[1:].transpose(1, 0, 2).copy()
        return out


class LSTM(HasParams):
    """LSTM layer with the weight layout of ``keras.layers.LSTM`` (gate blocks
    i, f, c, o).

    Args:
        input_size: ``X``, features per time step.
        hidden_size: ``H``, units.
        peepholes: add diagonal peephole weights ``p_i, p_f, p_o``
            (zero-initialised, so a fresh peephole LSTM computes exactly what
            the plain one computes; training moves them).
        output_peephole: ``"current"`` (output gate reads ``c_t``) or
            ``"previous"`` (``c_{t-1}``).
        seed: seed of the ``numpy.random.default_rng`` that draws the weights.
        dtype: ``numpy.float32`` (default) or ``numpy.float64`` (for gradient
            checks).

    Initialisation as in Keras: Glorot-uniform ``W``, orthogonal ``U``, bias
    zero except the forget block, which is 1 (``unit_forget_bias=True``).

    ``params``: ``"W"`` ``(X, 4H)``, ``"U"`` ``(H, 4H)``, ``"b"`` ``(4H,)`` and
    with peepholes ``"p_i"``, ``"p_f"``, ``"p_o"`` ``(H,)``. The arrays are
    updated in place by the optimizers.

    Trainable parameters (``n_params``, ``count_params()``): ``4 (H (X + H) +
    H)``, plus ``3 H`` with peepholes.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        peepholes: bool = False,
        output_peephole: str = "current",
        seed: int | None = 0,
        dtype: object = np.float32,
    ) -> None:
        self.input_size = _checks.positive_int("input_size", input_size)
        self.hidden_size = _checks.positive_int("hidden_size", hidden_size)
        self.dtype = _checks.float_dtype(dtype)
        if output_peephole not in OUTPUT_PEEPHOLES:
            raise ValueError(
                f"output_peephole must be one of {OUTPUT_PEEPHOLES}, got "
                f"{output_peephole!r}"
            )
        self.peepholes = bool(peepholes)
        self.output_peephole = output_peephole
        x_size, h_size = self.input_size, self.hidden_size
        rng = np.random.default_rng(seed)
        bias = np.zeros(4 * h_size, dtype=self.dtype)
        bias[h_size : 2 * h_size] = 1.0  # unit forget bias
        self.params: dict[str, np.ndarray] = {
            "W": glorot_uniform(rng, (x_size, 4 * h_size), self.dtype),
            "U": orthogonal(rng, (h_size, 4 * h_size), self.dtype),
            "b": bias,
        }
        if self.peepholes:
            for name in ("p_i", "p_f", "p_o"):
                self.params[name] = np.zeros(h_size, dtype=self.dtype)
        # 1 / (1 + exp(-z)) needs -z for i, f, o; tanh(z) = 2 sigmoid(2z) - 1
        # needs -2z.
        negate = np.full((4, h_size), -1.0, dtype=self.dtype)
        negate[2] = -2.0
        self._negate = negate.reshape(-1)
        self._workspace: dict[str, np.ndarray] = {}

    def __repr__(self) -> str:
        extra = (
            f", peepholes=True, output_peephole={self.output_peephole!r}"
            if self.peepholes
            else ""
        )
        dtype = self.dtype.name
        sizes = f"{self.input_size}, {self.hidden_size}"
        return f"LSTM({sizes}{extra}, dtype={dtype})"

    # ------------------------------------------------------------------
    # forward
    def _initial_state(
        self, state: object, batch: int
    ) -> tuple[np.ndarray, np.ndarray] | None:
        if state is None:
            return None
        if not isinstance(state, (tuple, list)) or len(state) != 2:
            raise ValueError(
                "state must be a pair (h0, c0), each (batch, hidden), "
                f"got {type(state).__name__}"
                + (
                    f" of length {len(state)}"
                    if isinstance(state, (tuple, list))
                    else ""
                )
            )
        h_size = self.hidden_size
        h0 = _checks.state_array(state[0], "h0", batch, h_size, self.dtype)
        c0 = _checks.state_array(state[1], "c0", batch, h_size, self.dtype)
        return h0, c0

    def forward(
        self, x: object, state: object = None, reuse: LSTMCache | None = None
    ) -> tuple[np.ndarray, LSTMCache]:
        """Run the layer over a batch of sequences.

        Args:
            x: ``(batch, time, input_size)``; floating input of another
                precision is cast.
            state: optional ``(h0, c0)``, each ``(batch, hidden)``; zeros if
                omitted.
            reuse: optional cache of an earlier call that is no longer needed;
                its buffers are overwritten instead of allocating new ones
                (like NumPy's ``out=``), which saves the page faults of fresh
                memory in a training loop. The earlier cache and the ``hs`` it
                returned become invalid. Buffers of the wrong shape are
                ignored.

        Returns:
            ``hs``: ``(batch, time, hidden)`` the hidden state of every step, a
            read-only view into the cache (``hs[:, -1]`` is the last step;
            ``.copy()`` it to modify), and the cache for ``backward``. The
            final state ``(h_T, c_T)`` is ``cache.final_state``.
        """
        x = _checks.sequence(x, "x", self.input_size, self.dtype)
        batch, steps, x_size = x.shape
        h_size = self.hidden_size
        initial = self._initial_state(state, batch)
        inputs = (x, *(initial or ()))
        p = self.params
        negate = self._negate
        w_neg, u_neg, b_neg = p["W"] * negate, p["U"] * negate, p["b"] * negate

        dtype = self.dtype
        x_tm = recycled(
            reuse, "x", (steps, batch, x_size), dtype, avoid=inputs
        )
        np.copyto(x_tm, x.transpose(1, 0, 2))  # (T, B, X), time-major
        gates = recycled(
            reuse, "gates", (steps, batch, 4, h_size), dtype, avoid=inputs
        )
        # All input projections in one GEMM; the buffer then holds the gates,
        # step by step.
        np.matmul(
            x_tm.reshape(steps * batch, x_size),
            w_neg,
            out=gates.reshape(steps * batch, -1),
        )
        gates += b_neg.reshape(4, h_size)
        h = recycled(
            reuse, "h", (steps + 1, batch, h_size), dtype, avoid=inputs
        )
        c = recycled(
            reuse, "c", (steps + 1, batch, h_size), dtype, avoid=inputs
        )
        tanh_c = recycled(
            reuse, "tanh_c", (steps, batch, h_size), dtype, avoid=inputs
        )
        if initial is None:
            h[0] = 0.0
            c[0] = 0.0
        else:
            h[0], c[0] = initial

        recurrent = np.empty((batch, 4 * h_size), dtype=self.dtype)
        product = np.empty((batch, h_size), dtype=self.dtype)
        with np.errstate(
            over="ignore"
        ):  # exp(-z) = inf for very negative z: sigmoid = 0
            if self.peepholes:
                self._forward_peephole_loop(
                    gates, h, c, tanh_c, u_neg, recurrent, product
                )
            else:
                for t in range(steps):
                    z = gates[t].reshape(
                        batch, 4 * h_size
                    )  # a view: (B, 4H), holds -z
                    np.matmul(h[t], u_neg, out=recurrent)
                    z += recurrent
                    np.exp(z, out=z)
                    z += 1.0
                    np.reciprocal(
                        z, out=z
                    )  # sigmoid: i, f, o; sigmoid(2 z_g): candidate
                    i, f, g, o = (
                        gates[t, :, 0],
                        gates[t, :, 1],
                        gates[t, :, 2],
                        gates[t, :, 3],
                    )
                    g *= 2.0
                    g -= 1.0  # tanh(z_g) = 2 sigmoid(2 z_g) - 1
                    np.multiply(f, c[t], out=c[t + 1])
                    np.multiply(i, g, out=product)
                    c[t + 1] += product
                    np.tanh(c[t + 1], out=tanh_c[t])
                    np.multiply(o, tanh_c[t], out=h[t + 1])

        cache = LSTMCache(
            x=x_tm,
            gates=gates,
            c=c,
            tanh_c=tanh_c,
            h=h,
            has_state=initial is not None,
        )
        hs = h[1:].transpose(1, 0, 2)
        hs.flags.writeable = False
        return hs, cache

    def _forward_peephole_loop(
        self, gates, h, c, tanh_c, u_neg, recurrent, product
    ) -> None:
        """The time loop with diagonal peepholes (same buffers and sign folding
        as the plain loop)."""
        steps, batch, _, h_size = gates.shape
        p = self.params
        peep_if = -np.stack(
            [p["p_i"], p["p_f"]]
        )  # negated, like the i and f columns
        peep_o = -p["p_o"]
        reads_current = self.output_peephole == "current"
        both = np.empty((batch, 2, h_size), dtype=self.dtype)
        for t in range(steps):
            z = gates[t]  # (B, 4, H), holds the negated pre-activations
            np.matmul(h[t], u_neg, out=recurrent)
            z += recurrent.reshape(batch, 4, h_size)
            np.multiply(c[t][:, None, :], peep_if, out=both)
            z[:, :2] += both  # i and f read c_{t-1}
            ifg = z[:, :3]
            np.exp(ifg, out=ifg)
            ifg += 1.0
            np.reciprocal(ifg, out=ifg)
            i, f, g, o = z[:, 0], z[:, 1], z[:, 2], z[:, 3]
            g *= 2.0
            g -= 1.0
            np.multiply(f, c[t], out=c[t + 1])
            np.multiply(i, g, out=product)
            c[t + 1] += product
            np.multiply(
                c[t + 1] if reads_current else c[t], peep_o, out=product
            )
            o += product
            np.exp(o, out=o)
            o += 1.0
            np.reciprocal(o, out=o)
            np.tanh(c[t + 1], out=tanh_c[t])
            np.multiply(o, tanh_c[t], out=h[t + 1])

    # -----------------------------------------------------------------
    # backward
    def backward(
        self, dhs: object, cache: LSTMCache, input_grad: bool = True
    ) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
        """Backpropagation through time.

        Args:
            dhs: ``(batch, time, hidden)`` gradient of the loss w.r.t. ``hs``
                (zeros except the last step for a last-step loss).
            cache: the cache returned by :meth:`forward` (not modified, so
                ``backward`` may be called again with another ``dhs``).
            input_grad: compute ``dx``; ``False`` skips that GEMM (the first
                layer of a network does not need it) and returns ``None`` in
                its place.

        Returns:
            ``dx``: ``(batch, time, input_size)`` (or ``None``), and ``grads``
            with the keys and shapes of ``params``; if ``forward`` was given a
            state, also ``"h0"`` and ``"c0"``, each ``(batch, hidden)``.
        """
        _checks.cache_of(cache, LSTMCache, self)
        gates, c, tanh_c, h = cache.gates, cache.c, cache.tanh_c, cache.h
        steps, batch, _, h_size = gates.shape
        dhs = _checks.upstream_gradient(
            dhs, "dhs", (batch, steps, h_size), self.dtype
        )
        dhs_tm = dhs.transpose(1, 0, 2)  # (T, B, H) view
        p = self.params
        i, f, g, o = (
            gates[:, :, 0],
            gates[:, :, 1],
            gates[:, :, 2],
            gates[:, :, 3],
        )

        # Everything that depends on the forward pass only, for all steps at
        # once. dz[t] first holds the factor that turns dc (blocks i, f, g) or
        # dh (block o) into the gradient of the pre-activation; the loop
        # multiplies it in place.
        dz = self._buffer("dz", gates.shape)  # (T, B, 4, H)
        np.subtract(1.0, gates, out=dz)
        dz *= gates  # s (1 - s): the sigmoid derivative (block g fixed below)
        dz[:, :, 0] *= g  # dz_i = dc * g * i(1-i)
        dz[:, :, 1] *= c[:-1]  # dz_f = dc * c_{t-1} * f(1-f)
        np.square(g, out=dz[:, :, 2])
        np.subtract(1.0, dz[:, :, 2], out=dz[:, :, 2])
        dz[:, :, 2] *= i  # dz_g = dc * i * (1 - g^2)
        dz[:, :, 3] *= tanh_c  # dz_o = dh * tanh(c) * o(1-o)
        dc_from_h = self._buffer(
            "dc_from_h", tanh_c.shape
        )  # dc += dh * o * (1 - tanh(c)^2)
        np.square(tanh_c, out=dc_from_h)
        np.subtract(1.0, dc_from_h, out=dc_from_h)
        dc_from_h *= o

        dh = np.empty((batch, h_size), dtype=self.dtype)
        dh_next = np.zeros((batch, h_size), dtype=self.dtype)
        dc = np.zeros(
            (batch, h_size), dtype=self.dtype
        )  # dL/dc_t, carried backwards
        product = np.empty((batch, h_size), dtype=self.dtype)
        u_t = p["U"].T
        if self.peepholes:
            self._backward_peephole_loop(
                dz, dhs_tm, dc_from_h, f, u_t, dh, dh_next, dc, product
            )
        else:
            for t in range(steps - 1, -1, -1):
                np.add(dhs_tm[t], dh_next, out=dh)
                np.multiply(dh, dc_from_h[t], out=product)
                dc += product
                dz[t, :, 3] *= dh
                dz[t, :, :3] *= dc[:, None, :]
                dc *= f[t]  # now dL/dc_{t-1} (the part through the cell path)
                np.matmul(dz[t].reshape(batch, 4 * h_size), u_t, out=dh_next)

        # Weight gradients: one GEMM each over all steps.
        dz_flat = dz.reshape(steps * batch, 4 * h_size)
        x_flat = cache.x.reshape(steps * batch, -1)
        grads = {
            "W": np.matmul(x_flat.T, dz_flat),
            "U": np.matmul(h[:-1].reshape(steps * batch, h_size).T, dz_flat),
            "b": dz_flat.sum(axis=0),
        }
        if self.peepholes:
            c_o = c[1:] if self.output_peephole == "current" else c[:-1]
            grads["p_i"] = np.einsum("tbh,tbh->h", dz[:, :, 0], c[:-1])
            grads["p_f"] = np.einsum("tbh,tbh->h", dz[:, :, 1], c[:-1])
            grads["p_o"] = np.einsum("tbh,tbh->h", dz[:, :, 3], c_o)
        if cache.has_state:
            grads["h0"] = dh_next
            grads["c0"] = dc
        dx = None
        if input_grad:
            dx = (
                np.matmul(dz_flat, p["W"].T)
                .reshape(steps, batch, -1)
                .transpose(1, 0, 2)
            )
        return dx, grads

    def _backward_peephole_loop(
        self, dz, dhs_tm, dc_from_h, f, u_t, dh, dh_next, dc, product
    ) -> None:
        """The backward time loop with peepholes: the cell gradient gains the
        peephole paths."""
        steps, batch, _, h_size = dz.shape
        p = self.params
        p_i, p_f, p_o = p["p_i"], p["p_f"], p["p_o"]
        reads_current = self.output_peephole == "current"
        for t in range(steps - 1, -1, -1):
            np.add(dhs_tm[t], dh_next, out=dh)
            np.multiply(dh, dc_from_h[t], out=product)
            dc += product
            dz_t = dz[t]
            dz_t[:, 3] *= dh
            if reads_current:  # o_t reads c_t
                np.multiply(dz_t[:, 3], p_o, out=product)
                dc += product
            dz_t[:, :3] *= dc[:, None, :]
            dc *= f[t]
            np.multiply(
                dz_t[:, 0], p_i, out=product
            )  # i_t and f_t read c_{t-1}
            dc += product
            np.multiply(dz_t[:, 1], p_f, out=product)
            dc += product
            if not reads_current:  # o_t reads c_{t-1}
                np.multiply(dz_t[:, 3], p_o, out=product)
                dc += product
            np.matmul(dz_t.reshape(batch, 4 * h_size), u_t, out=dh_next)

    # ------------------------------------------------------------------
    # helpers
    def _buffer(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A workspace array for a temporary of ``backward`` (reused while the
        shape stays)."""
        buffer = self._workspace.get(name)
        if buffer is None or buffer.shape != shape:
            buffer = np.empty(shape, dtype=self.dtype)
            self._workspace[name] = buffer
        return buffer

    def gate_trace(
        self, x: object, state: object = None
    ) -> dict[str, np.ndarray]:
        """Gate activations for plotting: ``{"i", "f", "g", "o", "c", "h"}``
        each ``(batch, time, hidden)``."""
        _, cache = self.forward(x, state=state)
        return cache.trace()
