"""Probes of what a recurrent layer does: gradient flow through time and gate
statistics.

Gradient flow. A loss that reads the last hidden state ``h_T`` sends its error
back to an earlier step ``t`` through the Jacobian ``dh_T/ds_t`` of ``h_T``
with respect to the recurrent state ``s_t`` (``h_t`` for a plain RNN or a GRU,
the pair ``(h_t, c_t)`` for an LSTM). By the chain rule it is a product of
one-step Jacobians::

    dh_T/ds_t = dh_T/ds_T  ds_T/ds_{T-1}  ...  ds_{t+1}/ds_t

and its norm against the lag ``T - t`` shows whether errors vanish or explode
on the way back.

- :func:`step_jacobians`: the one-step Jacobians ``ds_t/ds_{t-1}`` of a forward
  pass, written out from the cache (:class:`~lstmbook.scratch.SimpleRNN`,
  :class:`~lstmbook.scratch.GRU`, :class:`~lstmbook.scratch.LSTM` with or
  without peepholes).
- :func:`hidden_state_jacobians`: their running product, ``dh_T/ds_{T-k}`` for
  every lag ``k``.
- :func:`hidden_state_jacobian_norms`: the norms, computed either from that
  explicit product or, independently, by the layer's own ``backward``
  (restarted from the stored state at every step); the two agree to rounding
  error, which the tests check.
- :func:`spectral_radius`, :func:`largest_singular_value`,
  :func:`set_recurrent_scale`: the
  recurrent matrix whose size decides between vanishing and exploding.
- :func:`per_step_factor`: the geometric mean factor by which a norm changes
  per step.

Gate statistics and memory. :func:`gate_fractions` (how many gate values are
near 0, near 1 or in between), :func:`segment_means` (a gate's mean before, at,
between and after two marked steps) and :func:`cell_state_input_gradients` (how
much each unit's final cell state depends on each input, through all routes or
along its own cell state only).

Shapes follow :mod:`lstmbook.scratch`: inputs ``x: (batch, time, features)``,
traces ``(batch, time, hidden)``. Jacobians are computed in float64 whatever
the layer's dtype; use a float64 layer for results exact to rounding.
"""

from __future__ import annotations

import numpy as np

from lstmbook.scratch import GRU, LSTM, SimpleRNN, reference
from lstmbook.scratch.init import orthogonal
from lstmbook.scratch.threads import one_blas_thread

JACOBIAN_METHODS = ("product", "backward")
"""How :func:`hidden_state_jacobian_norms` computes the Jacobians."""

WRT_CHOICES = ("state", "h", "c")
"""With respect to what ``dh_T/d.`` is taken: the whole state, ``h_t`` only or
``c_t`` only (LSTM)."""


def _check_layer(layer: object) -> None:
    if not isinstance(layer, (SimpleRNN, GRU, LSTM)):
        raise ValueError(
            "layer must be a lstmbook.scratch SimpleRNN, GRU or LSTM, got "
            f"{type(layer).__name__}"
        )


def _state_size(layer: object) -> int:
    """Length of the recurrent state: ``2H`` for an LSTM (``h`` then ``c``),
    ``H`` otherwise."""
    return (
        2 * layer.hidden_size if isinstance(layer, LSTM) else layer.hidden_size
    )


def step_jacobians(layer: SimpleRNN | GRU | LSTM, cache: object) -> np.ndarray:
    """One-step Jacobians ``ds_t/ds_{t-1}`` of the forward pass that produced
    ``cache``.

    The state is ``s_t = h_t`` for :class:`~lstmbook.scratch.SimpleRNN` and
    :class:`~lstmbook.scratch.GRU`, and ``s_t = (h_t, c_t)`` stacked (``h``
    first) for :class:`~lstmbook.scratch.LSTM`. Vectors are columns here: entry
    ``[t-1, b, j, k]`` is ``d s_t[j] / d s_{t-1}[k]`` for sample ``b``. For the
    plain RNN this is ``diag(1 - h_t^2) U^T``; see the tests for the LSTM and
    GRU formulas checked against finite differences.

    Args:
        layer: the layer that ran ``forward``.
        cache: the cache that ``layer.forward(x)`` returned.

    Returns:
        ``(time, batch, S, S)`` float64, ``S`` the state size (``H``, or ``2H``
        for an LSTM).
    """
    _check_layer(layer)
    if isinstance(layer, LSTM):
        return _lstm_step_jacobians(layer, cache)
    if isinstance(layer, GRU):
        return _gru_step_jacobians(layer, cache)
    return _rnn_step_jacobians(layer, cache)


def _rnn_step_jacobians(layer: SimpleRNN, cache: object) -> np.ndarray:
    from lstmbook.scratch import RNNCache

    if not isinstance(cache, RNNCache):
        raise ValueError(
            "cache must be the RNNCache of SimpleRNN.forward, got "
            f"{type(cache).__name__}"
        )
    u_t = layer.params["U"].astype(np.float64).T
    slope = 1.0 - np.square(cache.h[1:].astype(np.float64))  # (T, B, H): tanh'
    return slope[..., None] * u_t  # diag(1 - h_t^2) U^T


def _gru_step_jacobians(layer: GRU, cache: object) -> np.ndarray:
    from lstmbook.scratch import GRUCache

    if not isinstance(cache, GRUCache):
        raise ValueError(
            "cache must be the GRUCache of GRU.forward, got "
            f"{type(cache).__name__}"
        )
    hidden = layer.hidden_size
    u = layer.params["U"].astype(np.float64)
    u_z, u_r, u_n = (u[:, k * hidden : (k + 1) * hidden].T for k in range(3))
    gates = cache.gates.astype(np.float64)
    z, r, n = gates[:, :, 0], gates[:, :, 1], gates[:, :, 2]
    h_prev = cache.h[:-1].astype(np.float64)
    u_h = cache.u_h.astype(np.float64)
    # h_t = z h_{t-1} + (1 - z) n,  n = tanh(x_n + r (h_{t-1} U_n + b)),  z, r
    # sigmoids of h_{t-1} U
    dn = (1.0 - z) * (1.0 - np.square(n))  # dh_t / d(pre-activation of n)
    jac = ((h_prev - n) * z * (1.0 - z))[..., None] * u_z
    jac += (dn * u_h * r * (1.0 - r))[..., None] * u_r
    jac += (dn * r)[..., None] * u_n
    rows = np.arange(hidden)
    jac[:, :, rows, rows] += z
    return jac


def _lstm_step_jacobians(layer: LSTM, cache: object) -> np.ndarray:
    from lstmbook.scratch import LSTMCache

    if not isinstance(cache, LSTMCache):
        raise ValueError(
            "cache must be the LSTMCache of LSTM.forward, got "
            f"{type(cache).__name__}"
        )
    hidden = layer.hidden_size
    params = layer.params
    u = params["U"].astype(np.float64)
    u_i, u_f, u_g, u_o = (
        u[:, k * hidden : (k + 1) * hidden].T for k in range(4)
    )
    zero = np.zeros(hidden)
    p_i, p_f, p_o = (
        params.get(name, zero).astype(np.float64)
        for name in ("p_i", "p_f", "p_o")
    )
    reads_current = layer.output_peephole == "current"
    gates = cache.gates.astype(np.float64)
    i, f, g, o = gates[:, :, 0], gates[:, :, 1], gates[:, :, 2], gates[:, :, 3]
    c_prev = cache.c[:-1].astype(np.float64)
    tanh_c = cache.tanh_c.astype(np.float64)
    di, df, do = (
        i * (1.0 - i),
        f * (1.0 - f),
        o * (1.0 - o),
    )  # sigmoid derivatives
    # c_t = f c_{t-1} + i g, each gate a function of h_{t-1} (and, with
    # peepholes, of c_{t-1}).
    dc_dh = (c_prev * df)[..., None] * u_f + (g * di)[..., None] * u_i
    dc_dh += (i * (1.0 - np.square(g)))[..., None] * u_g
    dc_dc_diag = f + c_prev * df * p_f + g * di * p_i
    # o_t = sigmoid(z_o + p_o c_t) ("current") or sigmoid(z_o + p_o c_{t-1})
    # ("previous").
    do_dh = do[..., None] * u_o
    if reads_current:
        do_dh += (do * p_o)[..., None] * dc_dh
        do_dc_diag = do * p_o * dc_dc_diag
    else:
        do_dc_diag = do * p_o
    # h_t = o tanh(c_t)
    through_c = o * (1.0 - np.square(tanh_c))
    dh_dh = tanh_c[..., None] * do_dh + through_c[..., None] * dc_dh
    dh_dc_diag = tanh_c * do_dc_diag + through_c * dc_dc_diag
    steps, batch = i.shape[:2]
    jac = np.zeros((steps, batch, 2 * hidden, 2 * hidden))
    jac[:, :, :hidden, :hidden] = dh_dh
    jac[:, :, hidden:, :hidden] = dc_dh
    rows = np.arange(hidden)
    jac[:, :, rows, hidden + rows] = dh_dc_diag
    jac[:, :, hidden + rows, hidden + rows] = dc_dc_diag
    return jac


def _check_options(layer: object, wrt: str, of: str) -> None:
    _check_layer(layer)
    if wrt not in WRT_CHOICES:
        raise ValueError(f"wrt must be one of {WRT_CHOICES}, got {wrt!r}")
    if of not in ("h", "c"):
        raise ValueError(f"of must be 'h' or 'c', got {of!r}")
    if not isinstance(layer, LSTM) and (wrt == "c" or of == "c"):
        raise ValueError(
            f"only an LSTM has a cell state c; {type(layer).__name__} has h "
            "only"
        )


def _columns(layer: object, wrt: str) -> slice:
    hidden = layer.hidden_size
    if not isinstance(layer, LSTM) or wrt == "state":
        return slice(0, _state_size(layer))
    return slice(0, hidden) if wrt == "h" else slice(hidden, 2 * hidden)


def hidden_state_jacobians(
    layer: SimpleRNN | GRU | LSTM,
    x: object,
    state: object = None,
    *,
    wrt: str = "state",
    of: str = "h",
) -> np.ndarray:
    """``dh_T/ds_{T-k}`` for every lag ``k = 0 .. T``, as the product
    of :func:`step_jacobians`.

    Args:
        layer: a :class:`~lstmbook.scratch.SimpleRNN`,
            :class:`~lstmbook.scratch.GRU` or :class:`~lstmbook.scratch.LSTM`
            (peepholes allowed).
        x: ``(batch, time, features)`` input sequences.
        state: optional initial state, as for ``layer.forward``.
        wrt: differentiate with respect to the whole state ``"state"`` (``(h_t,
            c_t)`` for an LSTM, ``h_t`` otherwise), or, for an LSTM, ``"h"``
            (``h_t`` only) or ``"c"`` (``c_t`` only).
        of: differentiate ``h_T`` (``"h"``) or, for an LSTM, the cell state
            ``c_T`` (``"c"``).

    Returns:
        ``(time + 1, batch, H, S)`` float64: entry ``[k, b]`` is the matrix
        ``dh_T/ds_{T-k}`` (``dc_T/ds_{T-k}`` with ``of="c"``) of sample ``b``,
        rows over the units of ``h_T``, columns over the chosen part of the
        state (``S = 2H`` for an LSTM's whole state, else ``H``). Lag 0 is the
        identity (or ``[I, 0]``).
    """
    _check_options(layer, wrt, of)
    _, cache = layer.forward(x, state=state)
    steps_jac = step_jacobians(layer, cache)
    steps, batch, size, _ = steps_jac.shape
    hidden = layer.hidden_size
    start = hidden if of == "c" else 0
    product = np.zeros((batch, hidden, size))
    product[:, np.arange(hidden), start + np.arange(hidden)] = (
        1.0  # ds_T/ds_T, rows of h (or c)
    )
    out = np.empty((steps + 1, batch, hidden, size))
    out[0] = product
    for lag in range(1, steps + 1):
        product = (
            product @ steps_jac[steps - lag]
        )  # times ds_t/ds_{t-1} with t = T - lag + 1
        out[lag] = product
    return out[..., _columns(layer, wrt)]


def _jacobians_by_backward(
    layer: object, x: object, state: object, wrt: str
) -> np.ndarray:
    """``dh_T/ds_{T-k}`` from ``layer.backward``: rerun from the stored state
    at every step.

    For step ``t`` the layer is restarted from ``s_t`` on ``x[:, t:]`` with the
    batch repeated ``H`` times; copy ``j`` receives the gradient ``e_j`` on
    ``h_T``, so ``grads["h0"]`` (and ``"c0"``) of copy ``j`` is row ``j`` of
    the Jacobian. ``O(T^2)`` steps, but independent of :func:`step_jacobians`.
    """
    _, cache = layer.forward(x, state=state)
    x_tm = cache.x  # (T, B, X) in the layer's dtype
    steps, batch = x_tm.shape[:2]
    hidden = layer.hidden_size
    is_lstm = isinstance(layer, LSTM)
    out = np.zeros((steps + 1, batch, hidden, _state_size(layer)))
    out[0, :, np.arange(hidden), np.arange(hidden)] = 1.0
    seeds = np.tile(np.eye(hidden, dtype=layer.dtype), (batch, 1))  # (B*H, H)
    for t in range(steps):
        xs = np.repeat(
            x_tm[t:].transpose(1, 0, 2), hidden, axis=0
        )  # (B*H, T-t, X)
        h_t = np.repeat(cache.h[t], hidden, axis=0)
        start = (
            (h_t, np.repeat(cache.c[t], hidden, axis=0)) if is_lstm else h_t
        )
        _, restart = layer.forward(xs, state=start)
        dhs = np.zeros((batch * hidden, steps - t, hidden), dtype=layer.dtype)
        dhs[:, -1] = seeds
        _, grads = layer.backward(dhs, restart, input_grad=False)
        rows = [grads["h0"]] + ([grads["c0"]] if is_lstm else [])
        out[steps - t] = np.concatenate(rows, axis=1).reshape(
            batch, hidden, -1
        )
    return out[..., _columns(layer, wrt)]


def hidden_state_jacobian_norms(
    layer: SimpleRNN | GRU | LSTM,
    x: object,
    state: object = None,
    *,
    wrt: str = "state",
    of: str = "h",
    method: str = "product",
    ord: int | str = 2,
) -> np.ndarray:
    """Norms ``||dh_T/ds_{T-k}||`` for every lag ``k = 0 .. T`` and every
    sequence.

    Args:
        layer, x, state, wrt, of: as in :func:`hidden_state_jacobians`.
        method: ``"product"`` (the explicit product of :func:`step_jacobians`,
            ``O(T)``) or ``"backward"`` (the layer's own ``backward``,
            restarted at every step, ``O(T^2)``; only ``of="h"``). Both are
            exact; they differ only by rounding.
        ord: the matrix norm, ``2`` (largest singular value, the default) or
            ``"fro"``.

    Returns:
        ``(time + 1, batch)`` float64; row ``k`` holds the norms at lag ``k``
        (row 0 is 1).
    """
    if method not in JACOBIAN_METHODS:
        raise ValueError(
            f"method must be one of {JACOBIAN_METHODS}, got {method!r}"
        )
    if ord not in (2, "fro"):
        raise ValueError(f"ord must be 2 or 'fro', got {ord!r}")
    _check_options(layer, wrt, of)
    if method == "backward" and of != "h":
        raise ValueError(
            "method='backward' seeds the gradient on h_T only; use of='h'"
        )
    with one_blas_thread():
        if method == "product":
            jac = hidden_state_jacobians(layer, x, state, wrt=wrt, of=of)
        else:
            jac = _jacobians_by_backward(layer, x, state, wrt)
        return np.linalg.norm(jac, ord=ord, axis=(-2, -1))


def per_step_factor(norms: object, lags: object = None) -> float:
    """Geometric-mean factor per step of a norm against the lag: ``exp`` of the
    log-slope.

    Args:
        norms: ``(lags,)`` or ``(lags, batch)`` positive values, row ``k`` at
            lag ``k`` (as returned by :func:`hidden_state_jacobian_norms`);
            with a batch, the log-norms are averaged over it first.
        lags: which rows to fit (default all); a least-squares line through
            ``(k, mean log norm)``.

    Returns:
        The factor ``r`` with ``norm ~ C r^k``: below 1 the norm vanishes,
        above 1 it explodes.
    """
    values = np.asarray(norms, dtype=np.float64)
    if values.ndim == 2:
        values = np.log(values).mean(axis=1)
    elif values.ndim == 1:
        values = np.log(values)
    else:
        raise ValueError(
            f"norms must be (lags,) or (lags, batch), got shape {values.shape}"
        )
    index = np.arange(len(values)) if lags is None else np.asarray(lags)
    if index.size < 2:
        raise ValueError("need at least two lags to fit a rate")
    slope = np.polyfit(index.astype(np.float64), values[index], 1)[0]
    return float(np.exp(slope))


def spectral_radius(matrix: object) -> float:
    """Largest absolute eigenvalue of a square matrix."""
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"matrix must be square, got shape {matrix.shape}")
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


def largest_singular_value(matrix: object) -> float:
    """The spectral norm ``||A||_2``: the most a matrix can stretch a
    vector."""
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError(f"matrix must be 2-D, got shape {matrix.shape}")
    return float(np.linalg.norm(matrix, ord=2))


def set_recurrent_scale(
    layer: SimpleRNN, scale: float, seed: int = 0
) -> np.ndarray:
    """Set a SimpleRNN's recurrent matrix to ``scale`` times a random
    orthogonal matrix.

    Every singular value and every eigenvalue modulus of the result equals
    ``scale``, so ``scale`` is both its spectral radius and its largest
    singular value: one number that decides between vanishing (``< 1``) and
    possibly exploding (``> 1``) gradients.

    Args:
        layer: a :class:`~lstmbook.scratch.SimpleRNN` (changed in place).
        scale: a positive number.
        seed: seed of the orthogonal matrix.

    Returns:
        The new ``U`` (the layer's own array).
    """
    if not isinstance(layer, SimpleRNN):
        raise ValueError(
            f"layer must be a SimpleRNN, got {type(layer).__name__}"
        )
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a finite number > 0, got {scale!r}")
    hidden = layer.hidden_size
    u = layer.params["U"]
    u[...] = scale * orthogonal(
        np.random.default_rng(seed), (hidden, hidden), np.float64
    )
    return u


def gate_fractions(
    values: object, low: float = 0.1, high: float = 0.9
) -> dict[str, float]:
    """Fractions of gate values below ``low``, between ``low`` and ``high``,
    and above ``high``.

    A binary switch would put every value below ``low`` or above ``high``.

    Args:
        values: gate activations of any shape (e.g. ``(batch, time, hidden)``),
            in ``[0, 1]``.
        low, high: the thresholds, ``0 < low < high < 1``.

    Returns:
        ``{"below": ..., "between": ..., "above": ...}`` summing to 1.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        raise ValueError("values must not be empty")
    if not 0.0 < low < high < 1.0:
        raise ValueError(
            f"need 0 < low < high < 1, got low={low}, high={high}"
        )
    below = float(np.mean(values <= low))
    above = float(np.mean(values >= high))
    return {"below": below, "between": 1.0 - below - above, "above": above}


SEGMENTS = (
    "before the first mark",
    "at the first mark",
    "between",
    "at the second mark",
    "after the second mark",
)
"""The five parts of a sequence with two marked steps, as :func:`segment_means`
reports them."""


def _check_marks(marks: object, batch: int, steps: int) -> np.ndarray:
    marks = np.asarray(marks)
    if marks.shape != (batch, 2) or not np.issubdtype(marks.dtype, np.integer):
        raise ValueError(
            f"marks must be integer positions of shape ({batch}, 2), got "
            f"{marks.shape}"
        )
    if not np.all(
        (0 <= marks[:, 0])
        & (marks[:, 0] < marks[:, 1])
        & (marks[:, 1] < steps)
    ):
        raise ValueError(
            f"marks must hold two positions 0 <= first < second < {steps} "
            "per row"
        )
    return marks


def segment_means(trace: object, marks: object) -> dict[str, np.ndarray]:
    """Mean of a per-unit trace in each part of a sequence with two marked
    steps.

    Pooling "the marked steps" against "all other steps" mixes steps before the
    first mark (when nothing needs remembering) with steps after it (when a
    value must be kept); this keeps the five parts apart.

    Args:
        trace: ``(batch, time, hidden)``, e.g. the forget-gate values
            ``trace["f"]``.
        marks: ``(batch, 2)`` integer positions ``first < second`` of the two
            marked steps of each sequence
            (for :func:`lstmbook.data.adding_problem`: ``np.argwhere(x[...,
            1] == 1)[:, 1].reshape(-1, 2)``).

    Returns:
        ``{segment: (hidden,) means}`` for the segments of :data:`SEGMENTS`, in
        order; a segment that is empty in every sequence (e.g. a mark at step
        0) has NaN means.
    """
    trace = np.asarray(trace, dtype=np.float64)
    if trace.ndim != 3:
        raise ValueError(
            f"trace must be (batch, time, hidden), got shape {trace.shape}"
        )
    batch, steps, hidden = trace.shape
    marks = _check_marks(marks, batch, steps)
    t = np.arange(steps)[None, :]
    first, second = marks[:, :1], marks[:, 1:]
    where = (
        t < first,
        t == first,
        (t > first) & (t < second),
        t == second,
        t > second,
    )
    means = {}
    for name, mask in zip(SEGMENTS, where, strict=True):
        count = mask.sum()
        means[name] = (
            np.einsum("bt,bth->h", mask, trace) / count
            if count
            else np.full(hidden, np.nan)
        )
    return means


def cell_state_input_gradients(
    layer: LSTM, x: object, cell_path_only: bool = False
) -> np.ndarray:
    """How much each unit's final cell state depends on each input: ``dc_T[u] /
    dx_t``.

    Computed with the reference backward step
    (:func:`lstmbook.scratch.reference.lstm_step_backward`) in float64, one
    backward pass per unit, starting from ``dc_T = e_u`` and ``dh_T = 0``.

    With ``cell_path_only=True`` the gradient goes back along the unit's own
    cell state only, ``dc_{t-1} = dc_t * f_t`` (Part 3's cell path), and not
    through ``h`` and the recurrent weights ``U`` nor through the peepholes; at
    each step the input still receives what that step's gates pass to it. The
    difference from the full gradient is the part of the dependence that
    reaches ``c_T`` through other units and later steps.

    Args:
        layer: a :class:`~lstmbook.scratch.LSTM` (peepholes allowed).
        x: ``(batch, time, features)``.
        cell_path_only: keep only the route along the unit's own cell state.

    Returns:
        ``(batch, time, features, hidden)``: entry ``[b, t, k, u]`` is
        ``dc_T[b, u] / dx[b, t, k]``.
    """
    if not isinstance(layer, LSTM):
        raise ValueError(
            "layer must be a lstmbook.scratch LSTM, got "
            f"{type(layer).__name__}"
        )
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3 or x.shape[2] != layer.input_size:
        raise ValueError(
            f"x must be (batch, time, {layer.input_size}), got shape {x.shape}"
        )
    batch, steps, features = x.shape
    hidden = layer.hidden_size
    params = {
        name: value.astype(np.float64) for name, value in layer.params.items()
    }
    _, caches = reference.lstm_forward(
        x, params, output_peephole=layer.output_peephole
    )
    gradients = np.empty((batch, steps, features, hidden))
    no_dh = np.zeros((batch, hidden))
    for unit in range(hidden):
        dh, dc = no_dh, np.zeros((batch, hidden))
        dc[:, unit] = 1.0
        for t in reversed(range(steps)):
            dx, dh_prev, dc_prev, _ = reference.lstm_step_backward(
                dh, dc, caches[t]
            )
            gradients[:, t, :, unit] = dx
            if cell_path_only:
                dh, dc = no_dh, dc * caches[t]["f_t"]
            else:
                dh, dc = dh_prev, dc_prev
    return gradients
