"""Numerical gradient checks by central differences, in float64.

For a layer, the scalar checked is ``L = sum(out * R)`` with a fixed random
``R`` shaped like the output, so ``dL/dout = R`` is what ``backward`` receives
and every output element contributes. For a loss function the scalar is the
loss itself.

The error reported for each parameter (and for ``dx``, ``h0``, ``c0``) is the
norm-wise relative error ``||analytic - numeric|| /
max(||analytic||, ||numeric||)`` (0 when both are exactly 0, e.g. the gradient
of ``U`` for a single step from a zero state). Element-wise ratios are
meaningless where a true gradient is 0 and the numerical one is rounding noise
of ``1e-11``; :func:`~lstmbook.scratch.numeric_gradient` is public for
element-wise comparisons.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numeric_gradient(
    f: Callable[[], float], array: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """``d f() / d array`` by central differences, perturbing ``array`` in
    place (restored after)."""
    grad = np.empty(array.shape, dtype=np.float64)
    flat = array.reshape(-1)  # a view: array must be contiguous
    if not np.shares_memory(flat, array):
        raise ValueError(
            "numeric_gradient needs a contiguous array to perturb in place"
        )
    out = grad.reshape(-1)
    for k in range(flat.size):
        saved = flat[k]
        flat[k] = saved + eps
        plus = f()
        flat[k] = saved - eps
        minus = f()
        flat[k] = saved
        out[k] = (plus - minus) / (2.0 * eps)
    return grad


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """``||analytic - numeric|| / max(||analytic||, ||numeric||)``, 0 when both
    are zero."""
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    if analytic.shape != numeric.shape:
        raise ValueError(
            f"shapes differ: analytic {analytic.shape}, numeric "
            f"{numeric.shape}"
        )
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric))
    return (
        0.0
        if scale == 0.0
        else float(np.linalg.norm(analytic - numeric) / scale)
    )


def _check_layer(layer, x, state, eps, seed) -> dict[str, float]:
    if np.dtype(getattr(layer, "dtype", None)) != np.float64:
        raise ValueError(
            "gradcheck needs a float64 layer (dtype=np.float64), got dtype "
            f"{getattr(layer, 'dtype', None)}"
        )
    x = np.array(x, dtype=np.float64)  # a private copy to perturb
    state_arrays = None
    if state is not None:
        pair = isinstance(state, (tuple, list))
        state_arrays = [
            np.array(s, dtype=np.float64) for s in (state if pair else [state])
        ]
        state_names = ["h0", "c0"][: len(state_arrays)]

    def run():
        if state_arrays is None:
            return layer.forward(x)
        given = (
            tuple(state_arrays) if len(state_arrays) == 2 else state_arrays[0]
        )
        return layer.forward(x, state=given)

    out, cache = run()
    weights = np.random.default_rng(seed).standard_normal(out.shape)
    dx, grads = layer.backward(weights, cache)

    def loss() -> float:
        return float(np.sum(run()[0] * weights))

    errors = {
        name: relative_error(grads[name], numeric_gradient(loss, p, eps))
        for name, p in layer.params.items()
    }
    errors["dx"] = relative_error(dx, numeric_gradient(loss, x, eps))
    if state_arrays is not None:
        for name, array in zip(state_names, state_arrays, strict=True):
            errors[name] = relative_error(
                grads[name], numeric_gradient(loss, array, eps)
            )
    return errors


def gradcheck(
    target: object,
    x: object,
    y: object = None,
    *,
    state: object = None,
    eps: float = 1e-6,
    seed: int = 0,
) -> dict[str, float]:
    """Compare the analytic gradients of a layer or a loss with central
    differences.

    Args:
        target: a float64 layer (``LSTM``, ``GRU``, ``SimpleRNN``, ``Dense``:
            anything with ``params``, ``forward`` and ``backward``), or a loss
            ``fn(pred, y) -> (loss, dpred)`` such
            as :func:`~lstmbook.scratch.mse_loss`
            or :func:`~lstmbook.scratch.softmax_cross_entropy`.
        x: the layer input, or the prediction/logits of a loss.
        y: the loss target or labels (loss functions only).
        state: an initial state for a recurrent layer (``(h0, c0)`` for an
            LSTM, ``h0`` otherwise).
        eps: the finite-difference step.
        seed: seed of the random output weights ``R``.

    Returns:
        ``{name: relative error}`` for every parameter and ``"dx"`` (the
        gradient w.r.t. ``x``; for a loss, w.r.t. the prediction), plus
        ``"h0"``/``"c0"`` when a state is given. Values around ``1e-9`` or
        below mean the backward pass is right.
    """
    if hasattr(target, "params") and hasattr(target, "backward"):
        if y is not None:
            raise ValueError(
                "y is only for loss functions; a layer is checked on sum(out "
                "* R)"
            )
        return _check_layer(target, x, state, eps, seed)
    if not callable(target):
        raise ValueError(
            "target must be a layer or a loss function, got "
            f"{type(target).__name__}"
        )
    pred = np.array(x, dtype=np.float64)
    _, dpred = target(pred, y)

    def loss() -> float:
        return float(target(pred, y)[0])

    return {"dx": relative_error(dpred, numeric_gradient(loss, pred, eps))}
