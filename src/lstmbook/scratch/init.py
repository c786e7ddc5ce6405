"""Weight initialisers of Keras 3, drawn from a ``numpy.random.Generator``.

- ``glorot_uniform`` for the input kernels ``W`` and dense layers
  (``keras.initializers.GlorotUniform``),
- ``orthogonal`` for the recurrent kernels ``U``
  (``keras.initializers.Orthogonal``).

The distributions are those of Keras; the numbers are not (Keras draws from its
own seeded generator). To compare with Keras, copy the weights across with
``layer.set_weights``.
"""

from __future__ import annotations

import numpy as np


def glorot_uniform(
    rng: np.random.Generator, shape: tuple[int, int], dtype: np.dtype
) -> np.ndarray:
    """Uniform on ``[-limit, limit]`` with ``limit = sqrt(6 / (fan_in +
    fan_out))``; ``shape = (fan_in, fan_out)``."""
    fan_in, fan_out = shape
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


def orthogonal(
    rng: np.random.Generator, shape: tuple[int, int], dtype: np.dtype
) -> np.ndarray:
    """A ``(rows, cols)`` matrix with orthonormal rows (``rows <= cols``) or
    columns (``rows > cols``).

    As in Keras: QR-decompose a standard normal ``(max, min)`` matrix, fix the
    signs with the diagonal of ``R`` (so the result is uniformly distributed),
    transpose if ``rows < cols``. For an LSTM's ``U`` of shape ``(H, 4H)`` this
    gives ``U @ U.T = I``.
    """
    rows, cols = shape
    normal = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(normal)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return np.ascontiguousarray(q.reshape(shape)).astype(dtype)
