"""Losses that return ``(loss, gradient)``: the value and its derivative w.r.t.
the prediction.

Both are means over every element (MSE) or every labelled position
(cross-entropy), the reduction Keras uses by default
(``"sum_over_batch_size"``), so the numbers compare directly with
``keras.losses.MeanSquaredError`` and
``SparseCategoricalCrossentropy(from_logits=True)``.
"""

from __future__ import annotations

import numpy as np

from . import _checks
from .activations import log_softmax


def mse_loss(pred: object, target: object) -> tuple[float, np.ndarray]:
    """Mean squared error ``mean((pred - target)^2)`` and its gradient ``2
    (pred - target) / N``.

    Args:
        pred: any shape, e.g. ``(batch, out)`` or ``(batch, time, out)``.
        target: the same shape.

    Returns:
        ``(loss, dpred)`` with ``dpred`` shaped like ``pred``.
    """
    pred = _checks.real_array(pred, "pred")
    target = _checks.real_array(target, "target", pred.dtype)
    if pred.shape != target.shape:
        raise ValueError(
            f"target must have the shape of pred {pred.shape}, got shape "
            f"{target.shape}"
        )
    if pred.size == 0:
        raise ValueError(f"pred must not be empty, got shape {pred.shape}")
    _checks.require_finite(pred, "pred")
    _checks.require_finite(target, "target")
    diff = pred - target
    loss = float(np.mean(np.square(diff)))
    diff *= 2.0 / diff.size
    return loss, diff


def softmax_cross_entropy(
    logits: object, labels: object, ignore_class: int | None = None
) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy on integer class labels, averaged over all
    labelled positions.

    ``loss = -mean(log softmax(logits)[label])``, computed with the log-sum-exp
    shift so that logits of any size are safe; ``dlogits = (softmax(logits) -
    onehot(labels)) / N``.

    Args:
        logits: ``(batch, classes)`` or ``(batch, time, classes)``.
        labels: integers in ``[0, classes)``, ``(batch,)`` or ``(batch,
            time)``.
        ignore_class: a label value that means "no target here" (e.g. ``-1`` at
            the padded steps of variable-length sequences): those positions add
            nothing to the loss, get a zero gradient, and the mean runs over
            the other positions only, as in Keras's
            ``SparseCategoricalCrossentropy(ignore_class=...)``.

    Returns:
        ``(loss, dlogits)`` with ``dlogits`` shaped like ``logits``.
    """
    logits = _checks.real_array(logits, "logits")
    if logits.ndim not in (2, 3) or 0 in logits.shape:
        raise ValueError(
            "logits must be (batch, classes) or (batch, time, classes) with "
            "no empty axis, "
            f"got shape {logits.shape}"
        )
    _checks.require_finite(logits, "logits")
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise ValueError(
            "labels must be integers (class indices), got dtype "
            f"{labels.dtype}"
        )
    if labels.shape != logits.shape[:-1]:
        raise ValueError(
            f"labels must have shape {logits.shape[:-1]} (logits without the "
            "class axis), "
            f"got shape {labels.shape}"
        )
    if ignore_class is not None:
        return _cross_entropy_ignoring(logits, labels, int(ignore_class))
    classes = logits.shape[-1]
    if labels.min() < 0 or labels.max() >= classes:
        raise ValueError(
            f"labels must lie in [0, {classes}), got values from "
            f"{labels.min()} to {labels.max()}"
        )
    index = labels[..., None].astype(np.intp)
    log_p = log_softmax(logits)
    loss = float(-np.take_along_axis(log_p, index, axis=-1).mean())
    grad = np.exp(log_p)  # softmax
    np.put_along_axis(
        grad, index, np.take_along_axis(grad, index, axis=-1) - 1.0, axis=-1
    )
    grad /= labels.size
    return loss, grad


def _cross_entropy_ignoring(
    logits: np.ndarray, labels: np.ndarray, ignore_class: int
) -> tuple[float, np.ndarray]:
    """:func:`softmax_cross_entropy` over the positions whose label is not
    ``ignore_class``."""
    labelled = labels != ignore_class
    count = int(labelled.sum())
    if count == 0:
        raise ValueError(
            f"every label equals ignore_class={ignore_class}: nothing to "
            "learn from"
        )
    classes = logits.shape[-1]
    kept = labels[labelled]
    if kept.min() < 0 or kept.max() >= classes:
        raise ValueError(
            f"labels other than ignore_class must lie in [0, {classes}), got "
            "values from "
            f"{kept.min()} to {kept.max()}"
        )
    index = np.where(labelled, labels, 0)[..., None].astype(np.intp)
    log_p = log_softmax(logits)
    nll = -np.take_along_axis(log_p, index, axis=-1)[..., 0]
    loss = float(nll[labelled].sum() / count)
    grad = np.exp(log_p)  # softmax
    np.put_along_axis(
        grad, index, np.take_along_axis(grad, index, axis=-1) - 1.0, axis=-1
    )
    grad *= labelled[..., None] / count
    return loss, grad
