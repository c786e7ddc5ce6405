"""Serves practice/04 (LSTMs next to Transformers): attention's cost, streaming
token by token.

Two kinds of tools:

**Counting.** Closed forms for what a layer computes and holds, for a batch of
``B`` sequences of ``T`` steps:

- :func:`attention_matmul_flops`: the matrix-product FLOPs of one multi-head
  self-attention layer (model width ``D``, ``heads`` heads of ``key_dim``
  each), a multiply-add counted as 2, the convention
  of :mod:`lstmbook.chapters.cost`: ``8 B T D heads key_dim`` for the four
  projections and ``2 B heads T^2 key_dim`` each for the scores ``Q K^T`` and
  the weighted sum of the values;
- :func:`attention_score_count`: the numbers in its score matrices, ``B heads
  T^2``;
- :func:`lstm_state_count`: the numbers an LSTM layer carries from step to
  step, ``2 B H``.

**Streaming.** A model that reads a stream one token at a time, keeping what it
needs of the past:

- :class:`LSTMStream`: an LSTM step with its state ``(h, c)`` carried; it holds
  ``2H`` numbers whatever the number of steps read;
- :class:`KVCacheAttention`: one head of causal self-attention with a key/value
  cache; after ``t`` tokens it holds ``t`` keys and ``t`` values of ``D``
  numbers each, and each new token attends to all of them;
- :func:`causal_attention`: the same head over a whole sequence at once (the
  check of the cached step);
- :func:`stream_profile`: run several streams, taking turns, over a sequence
  and record, at chosen steps, the bytes each holds and the CPU time of its
  step.

Every stream works on one sequence: a step takes an input vector ``(D,)``
(``(X,)`` for the LSTM) and returns the output vector.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from lstmbook._checks import positive_int as _positive_int
from lstmbook.scratch.reference import lstm_step_forward
from lstmbook.scratch.threads import one_blas_thread


# ---------------------------------------------------------------------------
# counting
def attention_matmul_flops(
    batch: int, steps: int, model_dim: int, heads: int, key_dim: int
) -> dict[str, int]:
    """Matrix-product FLOPs of one call of a multi-head self-attention layer.

    The layer of ``keras.layers.MultiHeadAttention(heads, key_dim)`` called on
    ``x`` of shape ``(B, T, D)`` as ``layer(x, x)``: it projects ``x`` to
    queries, keys and values (``(D, heads, key_dim)`` kernels), computes the
    scores ``Q K^T`` of every head (``(T, T)`` per sequence and head), weights
    the values with their softmax, and projects the heads back to ``D``. A
    multiply-add counts as 2 FLOPs; biases, the scaling, the softmax and the
    mask are left out (they are ``O(B T D + B heads T^2)`` element-wise work).

    Args:
        batch: ``B``.
        steps: ``T``.
        model_dim: ``D``, the width of ``x`` and of the output.
        heads: number of heads.
        key_dim: width of each head's queries, keys and values.

    Returns:
        A dict with ``projections`` (``8 B T D heads key_dim``: queries, keys,
        values and the output), ``scores`` (``2 B heads T^2 key_dim``) and
        ``weighted_sum`` (the same).
    """
    b = _positive_int("batch", batch)
    t = _positive_int("steps", steps)
    d = _positive_int("model_dim", model_dim)
    n = _positive_int("heads", heads)
    k = _positive_int("key_dim", key_dim)
    quadratic = 2 * b * n * t * t * k
    return {
        "projections": 8 * b * t * d * n * k,
        "scores": quadratic,
        "weighted_sum": quadratic,
    }


def attention_score_count(batch: int, heads: int, steps: int) -> int:
    """Numbers in a self-attention layer's score matrices: ``B heads T^2``.

    One ``(T, T)`` matrix per sequence and head; the softmax of the scores (the
    attention weights) has the same size, and training keeps it for the
    backward pass.
    """
    b = _positive_int("batch", batch)
    n = _positive_int("heads", heads)
    t = _positive_int("steps", steps)
    return b * n * t * t


def lstm_state_count(batch: int, units: int) -> int:
    """Numbers an LSTM layer carries from one step to the next: ``h`` and
    ``c``, ``2 B H``."""
    return 2 * _positive_int("batch", batch) * _positive_int("units", units)


# ---------------------------------------------------------------------------
# streaming
def _vector(x: object, size: int, name: str, dtype: np.dtype) -> np.ndarray:
    array = np.asarray(x, dtype=dtype)
    if array.shape != (size,):
        raise ValueError(
            f"{name} must have shape ({size},), got {array.shape}"
        )
    return array


def _weights(
    params: Mapping[str, object], names: Iterable[str]
) -> dict[str, np.ndarray]:
    missing = [name for name in names if name not in params]
    if missing:
        raise ValueError(
            f"params lacks {missing}; got the keys {sorted(params)}"
        )
    return {name: np.asarray(params[name]) for name in names}


class LSTMStream:
    """An LSTM that reads one step at a time and carries its state ``(h, c)``.

    Args:
        params: ``"W"`` ``(X, 4H)``, ``"U"`` ``(H, 4H)`` and ``"b"`` ``(4H,)``
            in the gate order i, f, g, o of ``keras.layers.LSTM``
            and :class:`lstmbook.scratch.LSTM`
            (``LSTMStream(lstmbook.scratch.LSTM(X, H).params)``).

    After any number of steps it holds the two vectors ``h`` and ``c``:
    ``nbytes`` is ``2 H`` times the size of a number.
    """

    def __init__(self, params: Mapping[str, object]) -> None:
        p = _weights(params, ("W", "U", "b"))
        x_size, four_h = p["W"].shape if p["W"].ndim == 2 else (0, 0)
        h_size = four_h // 4
        shapes = {
            "W": (x_size, 4 * h_size),
            "U": (h_size, 4 * h_size),
            "b": (4 * h_size,),
        }
        for name, shape in shapes.items():
            if h_size == 0 or p[name].shape != shape:
                raise ValueError(
                    f"params[{name!r}] must have shape {shape} (W: (X, 4H)), "
                    f"got {p[name].shape}"
                )
        self.params = p
        self.input_size, self.units = x_size, h_size
        self.h = np.zeros(h_size, dtype=p["W"].dtype)
        self.c = np.zeros(h_size, dtype=p["W"].dtype)

    def step(self, x: object) -> np.ndarray:
        """Read one input ``(X,)``; return ``h_t`` ``(H,)``: Part 3's reference
        step, with ``(h, c)`` kept for the next call."""
        x = _vector(x, self.input_size, "x", self.h.dtype)
        h, c, _ = lstm_step_forward(
            x[None], self.h[None], self.c[None], self.params
        )
        self.h, self.c = h[0], c[0]
        return self.h

    @property
    def nbytes(self) -> int:
        """The number of bytes of the state carried to the next step, ``h`` and
        ``c``."""
        return self.h.nbytes + self.c.nbytes


class KVCacheAttention:
    """One head of causal self-attention that reads one token at a time, with a
    key/value cache.

    Token ``t`` is projected to a query, a key and a value (``(D, D)`` matrices
    ``Wq``, ``Wk``, ``Wv``); its key and value are appended to the cache; its
    output is the softmax-weighted sum of all the values so far, weights
    ``softmax(q K^T / sqrt(D))``, projected by ``Wo``. The keys and values of
    past tokens never change, so keeping them saves recomputing them, but the
    cache, and the work of a step, grow with ``t``.

    Args:
        dim: ``D``, the width of the tokens, queries, keys and values.
        capacity: the most tokens the cache can hold (its arrays are allocated
            once).
        seed: seed of the ``numpy.random.default_rng`` that draws the four
            matrices (normal, standard deviation ``1 / sqrt(D)``).
        dtype: ``numpy.float32`` (default) or ``numpy.float64``.

    ``nbytes`` counts the filled part of the cache: ``2 t D`` numbers after
    ``t`` tokens.
    """

    def __init__(
        self,
        dim: int,
        capacity: int,
        seed: int = 0,
        dtype: object = np.float32,
    ) -> None:
        self.dim = _positive_int("dim", dim)
        self.capacity = _positive_int("capacity", capacity)
        self.dtype = np.dtype(dtype)
        rng = np.random.default_rng(seed)
        scale = 1.0 / np.sqrt(self.dim)
        self.params = {
            name: (rng.normal(size=(self.dim, self.dim)) * scale).astype(
                self.dtype
            )
            for name in ("Wq", "Wk", "Wv", "Wo")
        }
        self.keys = np.zeros((self.capacity, self.dim), dtype=self.dtype)
        self.values = np.zeros((self.capacity, self.dim), dtype=self.dtype)
        self.t = 0  # tokens read so far

    def step(self, x: object) -> np.ndarray:
        """Read one token ``(D,)``; return its output ``(D,)``."""
        x = _vector(x, self.dim, "x", self.dtype)
        if self.t == self.capacity:
            raise ValueError(
                f"the cache is full: capacity {self.capacity} tokens"
            )
        p, t = self.params, self.t
        self.keys[t] = x @ p["Wk"]
        self.values[t] = x @ p["Wv"]
        self.t = t = t + 1
        scores = self.keys[:t] @ (x @ p["Wq"]) / self.dim**0.5
        weights = np.exp(scores - scores.max())
        return (weights @ self.values[:t]) / weights.sum() @ p["Wo"]

    @property
    def nbytes(self) -> int:
        """The number of bytes of the cache's filled part, ``t`` keys and ``t``
        values."""
        return self.keys[: self.t].nbytes + self.values[: self.t].nbytes


def causal_attention(x: object, params: Mapping[str, object]) -> np.ndarray:
    """The head of :class:`KVCacheAttention` over a whole sequence at once.

    Args:
        x: ``(T, D)`` the tokens.
        params: ``"Wq"``, ``"Wk"``, ``"Wv"``, ``"Wo"``, each ``(D, D)``.

    Returns:
        ``(T, D)``: row ``t`` attends to rows ``0..t`` of ``x`` only (a causal
        mask on the ``(T, T)`` scores); equal to feeding the rows
        to :meth:`KVCacheAttention.step` in order.
    """
    p = _weights(params, ("Wq", "Wk", "Wv", "Wo"))
    dim = p["Wq"].shape[0]
    for name, w in p.items():
        if w.shape != (dim, dim):
            raise ValueError(
                f"params[{name!r}] must have shape ({dim}, {dim}), got "
                f"{w.shape}"
            )
    x = np.asarray(x, dtype=p["Wq"].dtype)
    if x.ndim != 2 or x.shape[1] != dim:
        raise ValueError(f"x must have shape (T, {dim}), got {x.shape}")
    scores = (x @ p["Wq"]) @ (x @ p["Wk"]).T / dim**0.5
    future = np.triu(np.ones(scores.shape, dtype=bool), k=1)
    scores = np.where(future, -np.inf, scores)
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    return weights @ (x @ p["Wv"]) @ p["Wo"]


def stream_profile(
    streams: Mapping[str, LSTMStream | KVCacheAttention],
    inputs: object,
    at: Iterable[int],
    *,
    window: int = 32,
) -> pd.DataFrame:
    """Feed ``inputs`` to several streams, one row at a time; at chosen steps,
    record memory and time.

    The streams take turns: row ``t`` goes to each stream before row ``t + 1``
    goes to any, so that a slow spell of the machine (other programs on the
    same cores) slows all of them alike and their times at the same ``t`` can
    be compared. Each step is timed with ``time.thread_time`` (the CPU time of
    this thread), with NumPy's BLAS on this one thread.

    Args:
        streams: name -> a fresh :class:`LSTMStream`
            or :class:`KVCacheAttention` (or anything with ``step(x)`` and
            ``nbytes``), all taking rows of the same width.
        inputs: ``(T, width)``, one row per step.
        at: the step counts ``t`` to report (``window <= t <= T``), e.g. ``(64,
            256, 1024)``.
        window: how many steps, ending at step ``t``, the median time is taken
            over.

    Returns:
        One row per stream and ``t`` in ``at`` (sorted), in the order of
        ``streams``: ``stream`` (its name), ``t``, ``bytes_held`` (``nbytes``
        after ``t`` steps) and ``seconds_per_step`` (the median CPU time of
        steps ``t - window + 1`` to ``t``).
    """
    if not isinstance(streams, Mapping) or not streams:
        raise ValueError(f"streams must map names to streams, got {streams!r}")
    inputs = np.asarray(inputs)
    window = _positive_int("window", window)
    if inputs.ndim != 2:
        raise ValueError(
            f"inputs must have shape (T, width), got {inputs.shape}"
        )
    steps = inputs.shape[0]
    checkpoints = sorted({_positive_int("t", t) for t in at})
    if not checkpoints or checkpoints[0] < window or checkpoints[-1] > steps:
        raise ValueError(
            f"every t in at must lie in [window, T] = [{window}, {steps}], "
            f"got {checkpoints}"
        )
    times: dict[str, list[float]] = {name: [] for name in streams}
    rows = {name: [] for name in streams}
    with one_blas_thread():
        for t in range(1, checkpoints[-1] + 1):
            for name, stream in streams.items():
                start = time.thread_time()
                stream.step(inputs[t - 1])
                times[name].append(time.thread_time() - start)
                if t in checkpoints:
                    rows[name].append(
                        {
                            "stream": name,
                            "t": t,
                            "bytes_held": int(stream.nbytes),
                            "seconds_per_step": statistics.median(
                                times[name][-window:]
                            ),
                        }
                    )
    return pd.DataFrame([row for name in streams for row in rows[name]])
