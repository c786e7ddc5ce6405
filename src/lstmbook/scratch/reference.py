"""The recurrent cells written like their equations: one step forward, one step
backward.

This module is the book's oracle. Every function computes one time step of one
cell, one line per equation, with the names the chapters use (``i_t``, ``f_t``,
``g_t``, ``o_t``, ``c_t``, ``h_t``; ``z_t``, ``r_t``, ``n_t`` for the GRU), in
the style of CS231n's ``rnn_layers.py``. There are no speed tricks: no folded
signs, no fused activations, no reused buffers. The fast layers of
:mod:`lstmbook.scratch` (:class:`~lstmbook.scratch.LSTM`,
:class:`~lstmbook.scratch.GRU`, :class:`~lstmbook.scratch.SimpleRNN`) compute
the same numbers much faster, and the tests check them against these
functions, forward and backward, for every variant.

Conventions (the fast layers' and Keras's): a batch of row vectors, so a step
is ``x_t W + h_{t-1} U + b`` with ``x_t`` of shape ``(B, X)``, ``W`` ``(X,
nH)``, ``U`` ``(H, nH)``; the LSTM's gate blocks are in the order i, f, g, o
(Keras calls the candidate block "c"); the GRU's in the order z, r, n with
Keras's ``reset_after=True``. ``*`` between arrays is the element-wise product,
``@`` the matrix product.

Each ``*_step_forward`` returns the new state and a ``cache`` (a dict of what
the backward step needs); each ``*_step_backward`` takes the gradient of the
loss with respect to the step's outputs and returns the gradients with respect
to its inputs and a dict of parameter gradients. :func:`lstm_forward`
/ :func:`lstm_backward` (and the GRU and RNN twins) loop the steps over a
sequence ``(B, T, X)`` and sum the parameter gradients over time: that sum is
backpropagation through time.
"""

from __future__ import annotations

import numpy as np

# What the output gate may read: c_t (Gers et al. 2002) or c_{t-1} (the source
# article); the one definition in the package.
OUTPUT_PEEPHOLES = ("current", "previous")


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-z))``, element-wise."""
    return 1.0 / (1.0 + np.exp(-z))


def _blocks(z: np.ndarray, n: int) -> list[np.ndarray]:
    """Split ``(B, n H)`` into ``n`` blocks of ``(B, H)``."""
    return np.split(z, n, axis=-1)


# ------------------------------------------------------------------------ LSTM
def lstm_step_forward(
    x_t: np.ndarray,
    h_prev: np.ndarray,
    c_prev: np.ndarray,
    params: dict[str, np.ndarray],
    output_peephole: str = "current",
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """One LSTM step, with optional peepholes.

    Args:
        x_t: ``(B, X)`` the input at step ``t``.
        h_prev, c_prev: ``(B, H)`` the hidden and cell state of step
            ``t - 1``.
        params: ``"W"`` ``(X, 4H)``, ``"U"`` ``(H, 4H)``, ``"b"`` ``(4H,)``,
            and for a peephole LSTM ``"p_i"``, ``"p_f"``, ``"p_o"`` ``(H,)``
            (absent: no peepholes).
        output_peephole: the output gate looks at ``c_t`` (``"current"``,
            Gers et al. 2002) or at ``c_{t-1}`` (``"previous"``, the source
            article's equation (3.1.3)).

    Returns:
        ``h_t``, ``c_t`` (each ``(B, H)``) and the cache
        for :func:`lstm_step_backward`.
    """
    if output_peephole not in OUTPUT_PEEPHOLES:
        raise ValueError(
            f"output_peephole must be one of {OUTPUT_PEEPHOLES}, got "
            f"{output_peephole!r}"
        )
    W, U, b = params["W"], params["U"], params["b"]
    no_peephole = np.zeros(U.shape[0], dtype=U.dtype)
    p_i, p_f, p_o = (
        params.get(name, no_peephole) for name in ("p_i", "p_f", "p_o")
    )

    a_i, a_f, a_g, a_o = _blocks(x_t @ W + h_prev @ U + b, 4)
    i_t = sigmoid(a_i + p_i * c_prev)  # input gate
    f_t = sigmoid(a_f + p_f * c_prev)  # forget gate
    g_t = np.tanh(a_g)  # candidate
    c_t = f_t * c_prev + i_t * g_t  # cell state
    # what the output gate reads
    c_seen = c_t if output_peephole == "current" else c_prev
    o_t = sigmoid(a_o + p_o * c_seen)  # output gate
    h_t = o_t * np.tanh(c_t)  # hidden state

    cache = {
        "x_t": x_t,
        "h_prev": h_prev,
        "c_prev": c_prev,
        "i_t": i_t,
        "f_t": f_t,
        "g_t": g_t,
        "o_t": o_t,
        "c_t": c_t,
        "c_seen": c_seen,
        "p_i": p_i,
        "p_f": p_f,
        "p_o": p_o,
        "W": W,
        "U": U,
        "peepholes": "p_i" in params,
        "output_peephole": output_peephole,
    }
    return h_t, c_t, cache


def lstm_step_backward(
    dh_t: np.ndarray, dc_t: np.ndarray, cache: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Backward through one LSTM step.

    Args:
        dh_t: ``(B, H)`` dL/dh_t (from the output at ``t`` and from step
            ``t + 1``).
        dc_t: ``(B, H)`` dL/dc_t arriving from step ``t + 1`` along the cell
            path.
        cache: from :func:`lstm_step_forward`.

    Returns:
        ``dx_t`` ``(B, X)``, ``dh_prev`` and ``dc_prev`` ``(B, H)``, and the
        step's parameter gradients (keys of ``params``).
    """
    i_t, f_t, g_t, o_t, c_t = (
        cache[k] for k in ("i_t", "f_t", "g_t", "o_t", "c_t")
    )
    c_prev, c_seen, p_i, p_f, p_o = (
        cache[k] for k in ("c_prev", "c_seen", "p_i", "p_f", "p_o")
    )
    tanh_c = np.tanh(c_t)

    do_t = dh_t * tanh_c
    da_o = do_t * o_t * (1 - o_t)  # through the output gate's sigmoid
    dc = dc_t + dh_t * o_t * (1 - tanh_c**2)  # total gradient reaching c_t
    if cache["output_peephole"] == "current":
        dc = dc + da_o * p_o  # o_t reads c_t
    di_t, df_t, dg_t = dc * g_t, dc * c_prev, dc * i_t
    da_i = di_t * i_t * (1 - i_t)
    da_f = df_t * f_t * (1 - f_t)
    da_g = dg_t * (1 - g_t**2)
    dc_prev = dc * f_t + da_i * p_i + da_f * p_f
    if cache["output_peephole"] == "previous":
        dc_prev = dc_prev + da_o * p_o  # o_t reads c_{t-1}

    # (B, 4H), the blocks in the order i, f, g, o
    da = np.concatenate([da_i, da_f, da_g, da_o], axis=1)
    grads = {
        "W": cache["x_t"].T @ da,
        "U": cache["h_prev"].T @ da,
        "b": da.sum(axis=0),
    }
    if cache["peepholes"]:
        grads["p_i"] = (da_i * c_prev).sum(axis=0)
        grads["p_f"] = (da_f * c_prev).sum(axis=0)
        grads["p_o"] = (da_o * c_seen).sum(axis=0)
    dx_t = da @ cache["W"].T
    dh_prev = da @ cache["U"].T
    return dx_t, dh_prev, dc_prev, grads


def lstm_forward(
    x: np.ndarray,
    params: dict[str, np.ndarray],
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
    output_peephole: str = "current",
) -> tuple[np.ndarray, list[dict[str, np.ndarray]]]:
    """:func:`lstm_step_forward` over a sequence.

    Args:
        x: ``(B, T, X)``; ``h0``, ``c0``: ``(B, H)``, zeros if omitted.

    Returns:
        ``hs`` ``(B, T, H)`` and the list of the ``T`` step caches.
    """
    batch, steps, _ = x.shape
    hidden = params["U"].shape[0]
    h = np.zeros((batch, hidden), dtype=x.dtype) if h0 is None else h0
    c = np.zeros((batch, hidden), dtype=x.dtype) if c0 is None else c0
    hs, caches = [], []
    for t in range(steps):
        h, c, cache = lstm_step_forward(x[:, t], h, c, params, output_peephole)
        hs.append(h)
        caches.append(cache)
    return np.stack(hs, axis=1), caches


def lstm_backward(
    dhs: np.ndarray, caches: list[dict[str, np.ndarray]]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Backpropagation through time over :func:`lstm_forward`'s steps.

    Args:
        dhs: ``(B, T, H)`` dL/dh_t from the loss at every step (zeros where
            there is no loss).

    Returns:
        ``dx`` ``(B, T, X)`` and the parameter gradients summed over the
        steps, with ``"h0"`` and ``"c0"`` (the gradients with respect to the
        initial state).
    """
    dh_next = np.zeros_like(dhs[:, 0])
    dc_next = np.zeros_like(dhs[:, 0])
    dxs, total = [], {}
    for t in reversed(range(dhs.shape[1])):
        dx_t, dh_next, dc_next, grads = lstm_step_backward(
            dhs[:, t] + dh_next, dc_next, caches[t]
        )
        dxs.append(dx_t)
        for name, grad in grads.items():
            total[name] = total.get(name, 0) + grad
    total["h0"], total["c0"] = dh_next, dc_next
    return np.stack(dxs[::-1], axis=1), total


def lstm_truncated_backward(
    x: np.ndarray,
    dhs: np.ndarray,
    params: dict[str, np.ndarray],
    window: int,
    output_peephole: str = "current",
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Truncated BPTT: :func:`lstm_backward` within windows of k steps.

    The forward pass runs window by window, each from the state the previous
    window ended in, so it computes what :func:`lstm_forward` computes on the
    whole sequence. The backward pass stays inside each window: the gradient
    with respect to the state that entered a window is dropped (the cut), so
    no gradient crosses a window boundary.

    Args:
        x: ``(B, T, X)``.
        dhs: ``(B, T, H)`` dL/dh_t from the loss at every step (zeros where
            there is no loss).
        params: as for :func:`lstm_forward`.
        window: ``k``, the window length in steps (``>= T``: full BPTT).

    Returns:
        ``dx`` ``(B, T, X)`` and the parameter gradients summed over the
        windows.
    """
    h, c = None, None  # zeros before the first window
    dxs, total = [], {}
    for start in range(0, x.shape[1], window):
        span = slice(start, start + window)
        hs, caches = lstm_forward(x[:, span], params, h, c, output_peephole)
        h, c = hs[:, -1], caches[-1]["c_t"]  # carried into the next window
        dx, grads = lstm_backward(dhs[:, span], caches)
        del grads["h0"], grads["c0"]  # the cut: not sent back further
        dxs.append(dx)
        for name, grad in grads.items():
            total[name] = total.get(name, 0) + grad
    return np.concatenate(dxs, axis=1), total


# ------------------------------------------------------------------------- GRU
def gru_step_forward(
    x_t: np.ndarray, h_prev: np.ndarray, params: dict[str, np.ndarray]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """One GRU step as ``keras.layers.GRU`` computes it (``reset_after=True``).

    Args:
        x_t: ``(B, X)``; h_prev: ``(B, H)``.
        params: ``"W"`` ``(X, 3H)``, ``"U"`` ``(H, 3H)``, ``"b"`` ``(2, 3H)``
            (input and recurrent biases), blocks z, r, n.

    Returns:
        ``h_t`` ``(B, H)`` and the cache for :func:`gru_step_backward`.
    """
    W, U, b = params["W"], params["U"], params["b"]
    x_z, x_r, x_n = _blocks(x_t @ W + b[0], 3)
    u_z, u_r, u_n = _blocks(h_prev @ U + b[1], 3)
    z_t = sigmoid(x_z + u_z)  # update gate
    r_t = sigmoid(x_r + u_r)  # reset gate
    n_t = np.tanh(x_n + r_t * u_n)  # candidate; the reset gate acts after U
    h_t = z_t * h_prev + (1 - z_t) * n_t
    cache = {
        "x_t": x_t,
        "h_prev": h_prev,
        "z_t": z_t,
        "r_t": r_t,
        "n_t": n_t,
        "u_n": u_n,
        "W": W,
        "U": U,
    }
    return h_t, cache


def gru_step_backward(
    dh_t: np.ndarray, cache: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Backward through one GRU step: ``dh_t`` ``(B, H)`` -> ``dx_t``,
    ``dh_prev``, grads."""
    z_t, r_t, n_t, u_n, h_prev = (
        cache[k] for k in ("z_t", "r_t", "n_t", "u_n", "h_prev")
    )
    dn_t = dh_t * (1 - z_t)
    dz_t = dh_t * (h_prev - n_t)
    da_n = dn_t * (1 - n_t**2)  # through the candidate's tanh
    da_z = dz_t * z_t * (1 - z_t)
    dr_t = da_n * u_n
    da_r = dr_t * r_t * (1 - r_t)
    du_n = da_n * r_t

    d_input = np.concatenate([da_z, da_r, da_n], axis=1)  # d/d(x_t W + b[0])
    d_recurrent = np.concatenate(
        [da_z, da_r, du_n], axis=1
    )  # d/d(h_prev U + b[1])
    grads = {
        "W": cache["x_t"].T @ d_input,
        "U": h_prev.T @ d_recurrent,
        "b": np.stack([d_input.sum(axis=0), d_recurrent.sum(axis=0)]),
    }
    dx_t = d_input @ cache["W"].T
    dh_prev = dh_t * z_t + d_recurrent @ cache["U"].T
    return dx_t, dh_prev, grads


def gru_forward(
    x: np.ndarray, params: dict[str, np.ndarray], h0: np.ndarray | None = None
) -> tuple[np.ndarray, list[dict[str, np.ndarray]]]:
    """:func:`gru_step_forward` over ``x`` ``(B, T, X)``: ``hs`` ``(B, T, H)``
    and the caches."""
    return _forward_over_time(gru_step_forward, x, params, h0)


def gru_backward(
    dhs: np.ndarray, caches: list[dict[str, np.ndarray]]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """BPTT over :func:`gru_forward`: ``dx`` ``(B, T, X)`` and summed grads
    with ``"h0"``."""
    return _backward_over_time(gru_step_backward, dhs, caches)


# ------------------------------------------------------------------ simple RNN
def rnn_step_forward(
    x_t: np.ndarray, h_prev: np.ndarray, params: dict[str, np.ndarray]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """One Elman step ``h_t = tanh(x_t W + h_{t-1} U + b)``; ``W`` ``(X, H)``,
    ``U`` ``(H, H)``."""
    h_t = np.tanh(x_t @ params["W"] + h_prev @ params["U"] + params["b"])
    cache = {
        "x_t": x_t,
        "h_prev": h_prev,
        "h_t": h_t,
        "W": params["W"],
        "U": params["U"],
    }
    return h_t, cache


def rnn_step_backward(
    dh_t: np.ndarray, cache: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Backward through one Elman step: ``dh_t`` ``(B, H)`` -> ``dx_t``,
    ``dh_prev``, grads."""
    da = dh_t * (1 - cache["h_t"] ** 2)  # through tanh
    grads = {
        "W": cache["x_t"].T @ da,
        "U": cache["h_prev"].T @ da,
        "b": da.sum(axis=0),
    }
    return da @ cache["W"].T, da @ cache["U"].T, grads


def rnn_forward(
    x: np.ndarray, params: dict[str, np.ndarray], h0: np.ndarray | None = None
) -> tuple[np.ndarray, list[dict[str, np.ndarray]]]:
    """:func:`rnn_step_forward` over ``x`` ``(B, T, X)``: ``hs`` ``(B, T, H)``
    and the caches."""
    return _forward_over_time(rnn_step_forward, x, params, h0)


def rnn_backward(
    dhs: np.ndarray, caches: list[dict[str, np.ndarray]]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """BPTT over :func:`rnn_forward`: ``dx`` ``(B, T, X)`` and summed grads
    with ``"h0"``."""
    return _backward_over_time(rnn_step_backward, dhs, caches)


def elman_forward(
    xs: np.ndarray,
    W_x: np.ndarray,
    W_h: np.ndarray,
    b: np.ndarray,
    h0: np.ndarray | None = None,
) -> np.ndarray:
    """The simple (Elman) RNN over one sequence, as its equation.

    ``h_t = tanh(W_x x_t + W_h h_{t-1} + b)``, with column vectors as in
    the book's math (not the batch of rows of :func:`rnn_forward`, which
    computes the same states with ``W = W_x^T`` and ``U = W_h^T``).

    Args:
        xs: ``(T, X)``, the input vector of every step.
        W_x: ``(H, X)``; W_h: ``(H, H)``; b: ``(H,)``.
        h0: ``(H,)``, the state before the first step (zeros if None).

    Returns:
        ``hs``: ``(T, H)``, the hidden state after every step.
    """
    h = np.zeros(W_h.shape[0]) if h0 is None else h0  # h_0
    hs = []
    for x_t in xs:  # one step per input vector
        h = np.tanh(W_x @ x_t + W_h @ h + b)
        hs.append(h)
    return np.stack(hs)


# ------------------------------------------------- the time loops of the cells
# with one state (GRU, RNN)
def _forward_over_time(step_forward, x, params, h0):
    """Run ``step_forward(x_t, h_prev, params) -> (h_t, cache)`` for t = 1..T
    (as lstm_forward)."""
    batch, steps, _ = x.shape
    h = (
        np.zeros((batch, params["U"].shape[0]), dtype=x.dtype)
        if h0 is None
        else h0
    )
    hs, caches = [], []
    for t in range(steps):
        h, cache = step_forward(x[:, t], h, params)
        hs.append(h)
        caches.append(cache)
    return np.stack(hs, axis=1), caches


def _backward_over_time(step_backward, dhs, caches):
    """Run ``step_backward(dh_t, cache) -> (dx_t, dh_prev, grads)`` for t =
    T..1, summing the parameter gradients (as lstm_backward)."""
    dh_next = np.zeros_like(dhs[:, 0])
    dxs, total = [], {}
    for t in reversed(range(dhs.shape[1])):
        dx_t, dh_next, grads = step_backward(dhs[:, t] + dh_next, caches[t])
        dxs.append(dx_t)
        for name, grad in grads.items():
            total[name] = total.get(name, 0) + grad
    total["h0"] = dh_next
    return np.stack(dxs[::-1], axis=1), total
