"""Two classification tasks that separate memory from local pattern detection
(LSTM vs CNN).

- :func:`first_symbol_task`: the label is the *first* symbol of a long random
  sequence. Nothing near the end carries the answer, so a model needs memory
  spanning the whole sequence; a causal CNN whose receptive field at the last
  step is shorter than ``T`` is at chance.
- :func:`motif_task`: the label says whether a short motif occurs anywhere. One
  convolution filter as wide as the motif plus global max pooling solves it
  exactly: a CNN does it cheaply.

Both return one-hot inputs ``x: (n, T, n_symbols)`` float32 and integer labels
``y: (n,)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._checks import check_int


def first_symbol_task(
    n: int, T: int, n_symbols: int = 4, seed: int | np.random.Generator = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Sequences of i.i.d. uniform symbols; the label is the symbol at step 0.

    Chance accuracy is ``1 / n_symbols``. Every symbol, including the first, is
    drawn from the same alphabet, so the only way to the label is remembering
    step 0 until the end (a CNN with global pooling sees the first symbol only
    through the edge effect of its padding, plus a count that the first symbol
    raises by one).

    Args:
        n: number of sequences (>= 1).
        T: sequence length (>= 2).
        n_symbols: alphabet size (>= 2).
        seed: seed (or generator) for ``numpy.random.default_rng``.

    Returns:
        x: ``(n, T, n_symbols)`` float32 one-hot.
        y: ``(n,)`` int64, the symbol at step 0.
    """
    n = check_int("n", n, 1)
    T = check_int("T", T, 2)
    n_symbols = check_int("n_symbols", n_symbols, 2)
    rng = np.random.default_rng(seed)
    symbols = rng.integers(0, n_symbols, size=(n, T))
    x = np.eye(n_symbols, dtype=np.float32)[symbols]
    return x, symbols[:, 0].astype(np.int64)


def _motif_starts(symbols: np.ndarray, motif: np.ndarray) -> np.ndarray:
    """Boolean ``(n, T - k + 1)``: does the motif of length ``k`` start at each
    step?"""
    windows = np.lib.stride_tricks.sliding_window_view(
        symbols, len(motif), axis=1
    )
    return np.all(windows == motif, axis=-1)


def motif_task(
    n: int,
    T: int,
    motif: Sequence[int] = (0, 1, 2, 3),
    n_symbols: int = 4,
    seed: int | np.random.Generator = 0,
    max_rounds: int = 10_000,
) -> tuple[np.ndarray, np.ndarray]:
    """Does the sequence contain ``motif`` (consecutive symbols) anywhere? A
    local-pattern task.

    Half of the sequences (label 1, in random order) contain the motif at least
    once, inserted at a uniformly random step; the other half (label 0) contain
    it nowhere. Symbols are i.i.d. uniform, and wherever the motif appears by
    accident in a sequence that must not contain it, one of its symbols is
    redrawn until no occurrence is left.

    Args:
        n: number of sequences (>= 1).
        T: sequence length (>= len(motif)).
        motif: the pattern, symbol ids in ``[0, n_symbols)``, length >= 2.
        n_symbols: alphabet size (>= 2).
        seed: seed (or generator) for ``numpy.random.default_rng``.
        max_rounds: give up (ValueError) if accidental occurrences persist
            after this many repair rounds, which only happens for motifs random
            sequences can hardly avoid.

    Returns:
        x: ``(n, T, n_symbols)`` float32 one-hot.
        y: ``(n,)`` int64, 1 if the motif occurs.
    """
    n = check_int("n", n, 1)
    n_symbols = check_int("n_symbols", n_symbols, 2)
    pattern = np.asarray(motif)
    if (
        pattern.ndim != 1
        or pattern.size < 2
        or not np.issubdtype(pattern.dtype, np.integer)
    ):
        raise ValueError(
            f"motif must be a sequence of >= 2 integers, got {motif!r}"
        )
    if pattern.min() < 0 or pattern.max() >= n_symbols:
        raise ValueError(
            f"motif symbols must lie in [0, {n_symbols}), got {list(pattern)}"
        )
    k = pattern.size
    T = check_int("T", T, k)
    max_rounds = check_int("max_rounds", max_rounds, 1)
    rng = np.random.default_rng(seed)
    symbols = rng.integers(0, n_symbols, size=(n, T))
    for repair_round in range(max_rounds + 1):
        rows, starts = np.nonzero(_motif_starts(symbols, pattern))
        if rows.size == 0:
            break
        if repair_round == max_rounds:
            raise ValueError(
                f"motif {list(pattern)} still occurs by accident after "
                f"{max_rounds} repair rounds; "
                f"use a longer motif or a larger alphabet"
            )
        symbols[rows, starts + rng.integers(0, k, size=rows.size)] = (
            rng.integers(0, n_symbols, size=rows.size)
        )
    y = rng.permutation(np.arange(n) % 2).astype(np.int64)
    positives = np.flatnonzero(y)
    starts = rng.integers(0, T - k + 1, size=positives.size)
    symbols[positives[:, None], starts[:, None] + np.arange(k)] = pattern
    x = np.eye(n_symbols, dtype=np.float32)[symbols]
    return x, y
