"""Gradient clipping by the global norm (Pascanu, Mikolov & Bengio 2013)."""

from __future__ import annotations

import math

import numpy as np

from . import _checks


def global_norm(
    grads: dict[str, np.ndarray] | list[dict[str, np.ndarray]],
) -> float:
    """``sqrt(sum of squares)`` over every array of one grads dict or a list of
    them."""
    dicts = [grads] if isinstance(grads, dict) else list(grads)
    total = 0.0
    for grad_dict in dicts:
        if not isinstance(grad_dict, dict):
            raise ValueError(
                "grads must be a dict name -> array or a list of such "
                f"dicts, got an element of type {type(grad_dict).__name__}"
            )
        for name, grad in grad_dict.items():
            array = _checks.real_array(
                grad, f"gradient {name!r}", np.dtype(np.float64)
            )
            total += float(
                np.vdot(array, array)
            )  # in float64: exploding norms do not overflow
    return math.sqrt(total)


def clip_by_global_norm(
    grads: dict[str, np.ndarray] | list[dict[str, np.ndarray]], max_norm: float
) -> float:
    """Scale all gradients in place by ``max_norm / norm`` if their global norm
    exceeds ``max_norm``.

    The direction of the whole gradient is kept; only its length is capped.
    Same rule as ``tf.clip_by_global_norm`` and Keras's ``global_clipnorm``.

    Args:
        grads: one dict name -> array or a list of them (e.g. one per layer);
            every array in them counts, so leave out entries (such as ``"h0"``)
            that should not.
        max_norm: the largest allowed global norm, > 0.

    Returns:
        The global norm *before* clipping (useful to plot exploding gradients).
    """
    limit = float(max_norm)
    if not (math.isfinite(limit) and limit > 0):
        raise ValueError(
            f"max_norm must be a finite number > 0, got {max_norm!r}"
        )
    norm = global_norm(grads)
    if not math.isfinite(norm):
        raise ValueError(
            "the gradients must be finite to be clipped, got a global norm "
            f"of {norm}"
        )
    if norm > limit:
        scale = limit / norm
        for grad_dict in [grads] if isinstance(grads, dict) else grads:
            for grad in grad_dict.values():
                grad *= scale
    return norm
