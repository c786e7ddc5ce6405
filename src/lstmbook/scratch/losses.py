"""Losses that return ``(loss, gradient)``: the value and its derivative w.r.t. the prediction.

Both are means over every element (MSE) or every labelled position (cross-entropy), the
reduction Keras uses by default (``"sum_over_batch_size"``), so the numbers compare directly
with ``keras.losses.MeanSquaredError`` and ``SparseCategoricalCrossentropy(from_logits=True)``.
"""

from __future__ import annotations

import numpy as np

from . import _checks
from .activations import log_softmax


def mse_loss(pred: object, target: object) -> tuple[float, np.ndarray]:
    """Mean squared error ``mean((pred - target)^2)`` and its gradient ``2 (pred - target) / N``.

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
            f"target must have the shape of pred {pred.shape}, got shape {target.shape}"
        )
    if pred.size == 0:
        raise ValueError(f"pred must not be empty, got shape {pred.shape}")
    _checks.require_finite(pred, "pred")
    _checks.require_finite(target, "target")
    diff = pred - target
    loss = float(np.mean(np.square(diff)))
    diff *= 2.0 / diff.size
    return loss, diff


def softmax_cross_entropy(logits: object, labels: object) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy on integer class labels, averaged over all labelled positions.

    ``loss = -mean(log softmax(logits)[label])``, computed with the log-sum-exp shift so that
    logits of any size are safe; ``dlogits = (softmax(logits) - onehot(labels)) / N``.

    Args:
        logits: ``(batch, classes)`` or ``(batch, time, classes)``.
        labels: integers in ``[0, classes)``, ``(batch,)`` or ``(batch, time)``.

    Returns:
        ``(loss, dlogits)`` with ``dlogits`` shaped like ``logits``.
    """
    logits = _checks.real_array(logits, "logits")
    if logits.ndim not in (2, 3) or 0 in logits.shape:
        raise ValueError(
            "logits must be (batch, classes) or (batch, time, classes) with no empty axis, "
            f"got shape {logits.shape}"
        )
    _checks.require_finite(logits, "logits")
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise ValueError(f"labels must be integers (class indices), got dtype {labels.dtype}")
    if labels.shape != logits.shape[:-1]:
        raise ValueError(
            f"labels must have shape {logits.shape[:-1]} (logits without the class axis), "
            f"got shape {labels.shape}"
        )
    classes = logits.shape[-1]
    if labels.min() < 0 or labels.max() >= classes:
        raise ValueError(
            f"labels must lie in [0, {classes}), got values from {labels.min()} to {labels.max()}"
        )
    index = labels[..., None].astype(np.intp)
    log_p = log_softmax(logits)
    loss = float(-np.take_along_axis(log_p, index, axis=-1).mean())
    grad = np.exp(log_p)  # softmax
    np.put_along_axis(grad, index, np.take_along_axis(grad, index, axis=-1) - 1.0, axis=-1)
    grad /= labels.size
    return loss, grad
