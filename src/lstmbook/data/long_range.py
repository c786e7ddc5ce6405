"""Synthetic tasks with a long-range dependency: the adding problem, temporal
order, copy memory.

Each generator takes a ``seed`` for ``numpy.random.default_rng`` (an int, or a
``Generator`` to continue a stream), returns float32 inputs ``x: (batch, time,
features)`` and raises ``ValueError`` on arguments that cannot produce the task
(for example a sequence too short to place the markers).
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import check_int

ADDING_PROBLEM_BASELINE_MSE = 1.0 / 6.0
"""MSE of always predicting 1 on :func:`adding_problem`.

The target is the sum of two independent U[0, 1] values: mean 1, variance 2 *
1/12 = 1/6, and the best constant prediction is the mean. A model must go below
this to have learned anything.
"""

TEMPORAL_ORDER_SYMBOLS: tuple[str, ...] = (
    "E",
    "B",
    "X",
    "Y",
    "a",
    "b",
    "c",
    "d",
)
"""Input alphabet of :func:`temporal_order`; one-hot column ``k`` is
``TEMPORAL_ORDER_SYMBOLS[k]``."""

TEMPORAL_ORDER_CLASSES: tuple[str, ...] = ("XX", "XY", "YX", "YY")
"""Class ``k`` of :func:`temporal_order` is the pair of relevant symbols
``TEMPORAL_ORDER_CLASSES[k]`` (the 1997 paper calls them Q, R, S, U). Chance
accuracy is 1/4."""


def adding_problem(
    n: int, T: int, seed: int | np.random.Generator = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem in the form of Arjovsky, Shah & Bengio (2016).

    Each sequence has two input channels: channel 0 holds values drawn from
    U[0, 1); channel 1 is a marker that is 0 everywhere except for exactly two
    1s, one at a uniformly chosen step in the first half ``[0, T // 2)`` and
    one in the second half ``[T // 2, T)``. The target is the sum of the two
    marked values. Predicting the constant 1 gives an expected mean squared
    error of ``1/6`` (:data:`ADDING_PROBLEM_BASELINE_MSE`): the baseline a
    model must beat.

    The marker positions can be read back with ``np.nonzero(x[..., 1])``.

    Args:
        n: number of sequences (>= 1).
        T: sequence length (>= 2, so that each half holds a marker).
        seed: seed (or generator) for ``numpy.random.default_rng``.

    Returns:
        x: ``(n, T, 2)`` float32, channel 0 values, channel 1 markers.
        y: ``(n, 1)`` float32, the sum of the two marked values.
    """
    n = check_int("n", n, 1)
    T = check_int("T", T, 2)
    rng = np.random.default_rng(seed)
    values = rng.random((n, T), dtype=np.float32)
    half = T // 2
    rows = np.arange(n)
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, T, size=n)
    markers = np.zeros((n, T), dtype=np.float32)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1)
    y = (values[rows, first] + values[rows, second]).reshape(n, 1)
    return x, y


def temporal_order_positions(
    T: int,
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Inclusive ranges of the two relevant positions of :func:`temporal_order`
    for length ``T``.

    The 1997 paper uses ``t1`` in [10, 20] and ``t2`` in [50, 60] for sequences
    of length about 100; these ranges scale with ``T``: ``t1`` in ``[max(1, T
    // 10), T // 5]`` and ``t2`` in ``[T // 2, 6 T // 10]``.

    Returns:
        ``((t1_low, t1_high), (t2_low, t2_high))``, 0-based step indices.
    """
    T = check_int("T", T, 10)
    return (max(1, T // 10), T // 5), (T // 2, (6 * T) // 10)


def temporal_order(
    n: int, T: int = 100, seed: int | np.random.Generator = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The temporal-order problem, task 6a of Hochreiter & Schmidhuber (1997).

    Each sequence starts with ``E``, ends with the trigger symbol ``B`` and is
    otherwise filled with noise symbols drawn uniformly from ``{a, b, c, d}``,
    except at two steps ``t1 < t2`` (ranges
    from :func:`temporal_order_positions`) which hold ``X`` or ``Y``. The class
    is the ordered pair of those two symbols: ``XX``, ``XY``, ``YX`` or ``YY``
    (:data:`TEMPORAL_ORDER_CLASSES`, uniformly distributed, so chance accuracy
    is 25%).

    Differences from the paper: the length is fixed at ``T`` (the paper draws
    it from 100-110) so that a batch is one dense array, and positions are
    0-based.

    Args:
        n: number of sequences (>= 1).
        T: sequence length (>= 10).
        seed: seed (or generator) for ``numpy.random.default_rng``.

    Returns:
        x: ``(n, T, 8)`` float32 one-hot over :data:`TEMPORAL_ORDER_SYMBOLS`.
        y: ``(n,)`` int64 class index into :data:`TEMPORAL_ORDER_CLASSES`.
    """
    n = check_int("n", n, 1)
    (t1_low, t1_high), (t2_low, t2_high) = temporal_order_positions(T)
    rng = np.random.default_rng(seed)
    index = {symbol: k for k, symbol in enumerate(TEMPORAL_ORDER_SYMBOLS)}
    noise = np.array([index[s] for s in "abcd"])
    symbols = noise[rng.integers(0, 4, size=(n, T))]
    symbols[:, 0] = index["E"]
    symbols[:, -1] = index["B"]
    rows = np.arange(n)
    t1 = rng.integers(t1_low, t1_high + 1, size=n)
    t2 = rng.integers(t2_low, t2_high + 1, size=n)
    first_is_y = rng.integers(0, 2, size=n)
    second_is_y = rng.integers(0, 2, size=n)
    symbols[rows, t1] = np.where(first_is_y, index["Y"], index["X"])
    symbols[rows, t2] = np.where(second_is_y, index["Y"], index["X"])
    x = np.eye(len(TEMPORAL_ORDER_SYMBOLS), dtype=np.float32)[symbols]
    y = (2 * first_is_y + second_is_y).astype(np.int64)
    return x, y


def decode_symbols(
    x: np.ndarray, alphabet: tuple[str, ...] = TEMPORAL_ORDER_SYMBOLS
) -> list[str]:
    """Turn one-hot sequences back into strings, e.g. to print a temporal-order
    example.

    Args:
        x: ``(n, time, len(alphabet))`` one-hot array.
        alphabet: the symbol of each one-hot column.

    Returns:
        ``n`` strings of length ``time``.
    """
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[-1] != len(alphabet):
        raise ValueError(
            f"x must have shape (n, time, {len(alphabet)}), got {x.shape}"
        )
    return ["".join(alphabet[k] for k in row) for row in x.argmax(axis=-1)]


def copy_task(
    n: int,
    T: int,
    n_symbols: int = 8,
    seed: int | np.random.Generator = 0,
    copy_length: int = 10,
) -> tuple[np.ndarray, np.ndarray]:
    """The copy-memory problem in the form of Arjovsky, Shah & Bengio (2016).

    Token ids: ``0`` is blank, ``1 .. n_symbols`` are data symbols,
    ``n_symbols + 1`` is the delimiter. The input is ``copy_length`` random
    data symbols, ``T - 1`` blanks, the delimiter, then ``copy_length`` blanks
    (length ``T + 2 copy_length``). The target is blank for the first ``T +
    copy_length`` steps and then repeats the data symbols: the network must
    hold them in memory for ``T`` steps.
    See :func:`copy_task_baseline_cross_entropy` for the loss of a network
    without memory.

    Args:
        n: number of sequences (>= 1).
        T: the delay: ``T - 1`` blanks and the delimiter separate the data from
            the time to recall it (>= 1).
        n_symbols: number of distinct data symbols (>= 2).
        seed: seed (or generator) for ``numpy.random.default_rng``.
        copy_length: how many symbols to memorise (>= 1).

    Returns:
        x: ``(n, T + 2 copy_length, n_symbols + 2)`` float32 one-hot inputs.
        y: ``(n, T + 2 copy_length)`` int64 target token ids.
    """
    n = check_int("n", n, 1)
    T = check_int("T", T, 1)
    n_symbols = check_int("n_symbols", n_symbols, 2)
    copy_length = check_int("copy_length", copy_length, 1)
    rng = np.random.default_rng(seed)
    length = T + 2 * copy_length
    data = rng.integers(1, n_symbols + 1, size=(n, copy_length))
    tokens = np.zeros((n, length), dtype=np.int64)
    tokens[:, :copy_length] = data
    tokens[:, T + copy_length - 1] = n_symbols + 1
    y = np.zeros((n, length), dtype=np.int64)
    y[:, -copy_length:] = data
    x = np.eye(n_symbols + 2, dtype=np.float32)[tokens]
    return x, y


def copy_task_baseline_cross_entropy(
    T: int, n_symbols: int = 8, copy_length: int = 10
) -> float:
    """Mean cross-entropy per step (nats) of the best network without memory
    on :func:`copy_task`.

    Such a network predicts blank with certainty until the delimiter has
    passed, then a uniform guess over the ``n_symbols`` data symbols:
    ``copy_length * log(n_symbols) / (T + 2 copy_length)``.
    """
    T = check_int("T", T, 1)
    n_symbols = check_int("n_symbols", n_symbols, 2)
    copy_length = check_int("copy_length", copy_length, 1)
    return copy_length * math.log(n_symbols) / (T + 2 * copy_length)
