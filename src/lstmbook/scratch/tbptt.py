"""Truncated backpropagation through time (TBPTT) for the from-scratch models.

Full BPTT runs the forward pass over all ``T`` steps, keeps the activations of
every step and sends the gradient back to step 1. Truncated BPTT with a window
of ``k`` steps splits the sequence into consecutive windows ``[0, k), [k,
2k), ...`` (the last may be shorter) and

- **carries the state**: the final state of each window (``(h, c)`` for an
  LSTM, ``h`` for a GRU or SimpleRNN, per layer) is the initial state of the
  next, so the forward pass computes exactly what the model computes on the
  whole sequence;
- **cuts the gradient** at the window boundaries: the state entering a window
  is treated as a constant, so a loss inside a window sends no gradient into
  earlier windows. A window's activations can be dropped as soon as its
  backward pass has run: memory grows with ``k``, not with ``T``.

The price: a dependency longer than the window cannot be learned *from
scratch*, because the gradient that would teach the network to store the early
input never reaches it; it can still be used when shorter examples, inside the
window, teach the same mechanism (the chapter "Training in practice" of the
book measures both). With ``window >= T`` there is a single window and the
gradients are those of full BPTT, bit for bit.

Two ways to use the windows' gradients (``update_each_window`` below):

- accumulate them and make one update per batch: the window losses are weighted
  by their share of the steps, so the loss is the whole sequence's mean loss
  and only the truncation differs from full BPTT (a clean comparison);
- update after every window (Williams & Peng's BPTT(k; k), the usual way to
  train on streams too long to unroll): each window's mean loss is its own
  objective, and the next window runs with the updated weights.

With a sequence-to-one model (``return_sequences=False``) only the last window
holds a loss, so the earlier windows run forward only and the backward pass
covers the last ``k`` steps.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

import numpy as np

from lstmbook.scratch import Sequential, _checks


def window_slices(steps: int, window: int) -> list[slice]:
    """The windows of truncated BPTT over ``steps`` time steps, aligned at step
    0.

    ``window_slices(10, 4)`` is ``[slice(0, 4), slice(4, 8), slice(8, 10)]``; a
    window at least as long as the sequence gives the single window ``[slice(0,
    steps)]`` (full BPTT).
    """
    steps = _checks.positive_int("steps", steps)
    window = _checks.positive_int("window", window)
    return [
        slice(start, min(start + window, steps))
        for start in range(0, steps, window)
    ]


@dataclass
class TruncatedGradients:
    """What :func:`truncated_loss_and_grads` returns.

    Attributes:
        loss: the mean loss over the whole batch and sequence (the forward pass
            is exact, so it equals the full-BPTT loss).
        grads: one dict per layer, in the order of ``model.layers`` (recurrent
            layers, then the head), keyed like each layer's ``params``: the
            truncated gradients, summed over the windows.
        dx: ``(batch, time, features)`` the truncated gradient w.r.t. the
            input, or ``None`` unless ``input_grad=True``.
        peak_cache_bytes: the most bytes the recurrent layers' caches held at
            once (one window's worth), the memory that truncation saves.
    """

    loss: float
    grads: list[dict[str, np.ndarray]]
    dx: np.ndarray | None
    peak_cache_bytes: int


@dataclass
class _Window:
    """One window's loss and gradients (internal)."""

    span: slice
    loss: float  # the window's own mean loss
    # Its share of the sequence loss (w / T per step, 1 for sequence-to-one).
    weight: float
    grads: list[dict[str, np.ndarray]]
    dx: np.ndarray | None
    cache_bytes: int


def _check_model(model: object) -> Sequential:
    if not isinstance(model, Sequential):
        raise ValueError(
            "model must be an lstmbook.scratch.Sequential, got "
            f"{type(model).__name__}"
        )
    return model


def _check_data(
    model: Sequential, x: object, y: object
) -> tuple[np.ndarray, np.ndarray]:
    x = model._inputs(x)
    y = model._target(y, len(x))
    if model.return_sequences and y.shape[1:2] != x.shape[1:2]:
        raise ValueError(
            f"with return_sequences=True y needs one target per step: shape "
            f"({len(x)}, {x.shape[1]}, ...), got {y.shape}"
        )
    return x, y


def _copy_state(state: object) -> object:
    """A copy of a layer's final state: the next window recycles the buffers it
    is a view of."""
    if isinstance(state, tuple):
        return tuple(np.array(s) for s in state)
    return np.array(state)


def _windows(
    model: Sequential,
    x: np.ndarray,
    y: np.ndarray,
    window: int,
    input_grad: bool,
) -> Iterator[_Window]:
    """Run the windows in order, carrying the state; yield each window that
    holds a loss.

    Each window is the model's forward pass from the carried state, then its
    backward pass (which drops the gradient w.r.t. that state: the cut). A
    generator: the forward pass of a window starts only when the caller asks
    for it, so a caller that updates the weights between windows runs the next
    window with the new weights.
    """
    steps = x.shape[1]
    spans = window_slices(steps, window)
    states = None  # zeros before the first window
    for index, span in enumerate(spans):
        out, caches = model._forward(x[:, span], states)
        recurrent_caches = caches[:-1]  # the last cache is the head's
        states = [_copy_state(cache.final_state) for cache in recurrent_caches]
        if not model.return_sequences and index < len(spans) - 1:
            continue  # no loss in this window, so nothing to backpropagate
        target = y[:, span] if model.return_sequences else y
        loss, dout = model.loss_fn(out, target)
        grads, dx = model._backward(dout, caches, input_grad)
        width = span.stop - span.start
        weight = width / steps if model.return_sequences else 1.0
        cache_bytes = sum(cache.nbytes for cache in recurrent_caches)
        yield _Window(span, loss, weight, grads, dx, cache_bytes)


def truncated_loss_and_grads(
    model: Sequential,
    x: object,
    y: object,
    window: int,
    *,
    input_grad: bool = False,
) -> TruncatedGradients:
    """The loss on a batch and its truncated-BPTT gradients, with the weights
    held fixed.

    Args:
        model: an ``lstmbook.scratch.Sequential``.
        x: ``(batch, time, features)``.
        y: the targets, as for ``model.fit``: ``(batch, ...)``, or ``(batch,
            time, ...)`` with ``return_sequences=True``.
        window: ``k``, the truncation window in steps (``>= time`` gives full
            BPTT).
        input_grad: also return the gradient w.r.t. ``x`` (zero at every step
            whose window holds no loss, e.g. all but the last ``k`` steps of a
            sequence-to-one model).

    Returns:
        A :class:`TruncatedGradients`. Per-step losses of the windows are
        weighted by their share of the steps, so ``loss`` and ``grads`` are
        those of the whole sequence's mean loss, except that no gradient
        crosses a window boundary.
    """
    model = _check_model(model)
    x, y = _check_data(model, x, y)
    window = _checks.positive_int("window", window)
    total = 0.0
    grads: list[dict[str, np.ndarray]] | None = None
    dx = np.zeros_like(x) if input_grad else None
    peak = 0
    for part in _windows(model, x, y, window, input_grad):
        total += part.weight * part.loss
        peak = max(peak, part.cache_bytes)
        if part.weight != 1.0:
            for layer_grads in part.grads:
                for grad in layer_grads.values():
                    grad *= part.weight
            if part.dx is not None:
                part.dx *= part.weight
        if grads is None:
            grads = part.grads
        else:
            for into, layer_grads in zip(grads, part.grads, strict=True):
                for name, grad in layer_grads.items():
                    into[name] += grad
        if dx is not None:
            dx[:, part.span] = part.dx
    return TruncatedGradients(
        loss=total, grads=grads, dx=dx, peak_cache_bytes=peak
    )


def tbptt_train_step(
    model: Sequential,
    x: object,
    y: object,
    window: int,
    *,
    update_each_window: bool = False,
) -> tuple[float, float]:
    """One training step on a batch with truncated BPTT (clipping and optimizer
    of ``model``).

    Args:
        model, x, y, window: as for :func:`truncated_loss_and_grads`.
        update_each_window: ``False``: sum the windows' gradients and update
            once (the batch's loss is the sequence mean, as in
            ``model.train_step``). ``True``: update after every window that
            holds a loss, each window's mean loss being its own objective
            (BPTT(k; k) of Williams & Peng).

    Returns:
        ``(loss, norm)``: the sequence's mean loss as computed during the step,
        and the global gradient norm before clipping (with
        ``update_each_window``, the largest over the updates).
    """
    if not update_each_window:
        result = truncated_loss_and_grads(model, x, y, window)
        return result.loss, model.apply_gradients(result.grads)
    model = _check_model(model)
    x, y = _check_data(model, x, y)
    window = _checks.positive_int("window", window)
    total, largest = 0.0, 0.0
    for part in _windows(model, x, y, window, input_grad=False):
        total += part.weight * part.loss
        largest = max(largest, model.apply_gradients(part.grads))
    return total, largest


def fit_tbptt(
    model: Sequential,
    x: object,
    y: object,
    window: int | None,
    *,
    epochs: int = 1,
    batch_size: int = 32,
    validation_data: tuple[object, object] | None = None,
    update_each_window: bool = False,
    shuffle: bool = True,
    seed: int | None = 0,
) -> dict[str, list[float]]:
    """Train ``model`` with truncated BPTT (``window=k``) or full BPTT
    (``window=None``).

    The mini-batch loop of ``model.fit`` (shuffling with
    ``numpy.random.default_rng(seed)``, batches in the same order, no progress
    bar) around a truncated-BPTT step, so full and truncated runs differ only
    in the gradient.

    Args:
        model: an ``lstmbook.scratch.Sequential`` (its loss, optimizer and
            ``clip_norm`` are used).
        x: ``(N, T, X)``; y: targets as for ``model.fit``.
        window: the truncation window ``k`` in steps, or ``None`` for full BPTT
            (``model.train_step``).
        epochs, batch_size: as in Keras (the last batch may be smaller).
        validation_data: optional ``(x_val, y_val)``, evaluated after every
            epoch.
        update_each_window: see :func:`tbptt_train_step`.
        shuffle, seed: reshuffle the samples every epoch.

    Returns:
        ``{"loss": [...], "val_loss": [...], "grad_norm": [...]}`` like
        ``model.fit``.
    """
    model = _check_model(model)
    x, y = _check_data(model, x, y)
    step = model.train_step  # window=None: full BPTT
    if window is not None:
        window = _checks.positive_int("window", window)
        step = partial(
            tbptt_train_step,
            model,
            window=window,
            update_each_window=update_each_window,
        )
    return model._fit_loop(
        step,
        x,
        y,
        epochs,
        batch_size,
        validation_data,
        shuffle,
        seed,
        verbose=0,
    )


def accuracy(model: Sequential, x: object, y: object) -> float:
    """Fraction of correct labels (argmax of the logits), per sequence or per
    step."""
    predicted = _check_model(model).predict(x).argmax(axis=-1)
    labels = np.asarray(y)
    if predicted.shape != labels.shape:
        raise ValueError(
            f"y must have shape {predicted.shape} (integer labels), got "
            f"{labels.shape}"
        )
    return float(np.mean(predicted == labels))


__all__ = [
    "TruncatedGradients",
    "accuracy",
    "fit_tbptt",
    "tbptt_train_step",
    "truncated_loss_and_grads",
    "window_slices",
]
