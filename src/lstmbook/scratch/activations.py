"""Element-wise activations and softmax, written so that they never overflow.

The logistic sigmoid is computed through the identity

.. math:: \\sigma(z) = \\tfrac12 \\bigl(1 + \\tanh(z/2)\\bigr),

which needs no ``exp`` of a large argument: ``sigmoid(1e4)`` is exactly 1 and
``sigmoid(-1e4)`` exactly 0, without an overflow warning. (The GRU evaluates
its gates this way; the LSTM uses ``1 / (1 + exp(-z))`` with the overflow of
``exp`` silenced, which is faster on the benchmark machine,
see :class:`lstmbook.scratch.LSTM`.)
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function ``1 / (1 + exp(-z))``, element-wise, evaluated as
    ``(1 + tanh(z/2)) / 2``."""
    z = np.asarray(z)
    out = np.tanh(z * 0.5)
    out *= 0.5
    out += 0.5
    return out


def log_softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """``log(softmax(logits))`` along ``axis``, stable for logits of any size
    (max subtracted)."""
    shifted = logits - logits.max(axis=axis, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis`` (max subtracted first, so ``exp`` never
    overflows)."""
    return np.exp(log_softmax(logits, axis=axis))
