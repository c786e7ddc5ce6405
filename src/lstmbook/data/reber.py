"""The Reber grammar and the embedded Reber grammar (Hochreiter & Schmidhuber
1997, experiment 1).

The Reber grammar is a small finite-state machine over the symbols ``B T P S X
V E``; each state has two outgoing edges taken with probability 1/2::

    state 0 (after B): T -> 1, P -> 2
    state 1:           S -> 1, X -> 3
    state 2:           T -> 2, V -> 4
    state 3:           X -> 2, S -> 5
    state 4:           P -> 3, V -> 5
    state 5:           E (end)

An *embedded* Reber string is ``B T <reber> T E`` or ``B P <reber> P E``.
Predicting the next symbol is easy everywhere except at the second-to-last
symbol, which must equal the second symbol: the network has to carry one bit
across the whole inner string.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from ._checks import check_int

REBER_SYMBOLS: tuple[str, ...] = ("B", "T", "P", "S", "X", "V", "E")
"""The 7 symbols; one-hot column ``k`` is ``REBER_SYMBOLS[k]``."""

_INDEX = {symbol: k for k, symbol in enumerate(REBER_SYMBOLS)}
_END = 5
_GRAPH: dict[int, tuple[tuple[str, int], ...]] = {
    0: (("T", 1), ("P", 2)),
    1: (("S", 1), ("X", 3)),
    2: (("T", 2), ("V", 4)),
    3: (("X", 2), ("S", _END)),
    4: (("P", 3), ("V", _END)),
}


def reber_string(rng: np.random.Generator) -> str:
    """Draw one Reber string, e.g. ``"BTSSXXTVVE"``; each edge is taken with
    probability 1/2."""
    symbols, state = ["B"], 0
    while state != _END:
        symbol, state = _GRAPH[state][rng.integers(0, 2)]
        symbols.append(symbol)
    symbols.append("E")
    return "".join(symbols)


def embedded_reber_string(rng: np.random.Generator) -> str:
    """Draw one embedded Reber string: ``B`` + (``T`` or ``P``) + Reber
    string + the same + ``E``."""
    branch = "TP"[rng.integers(0, 2)]
    return "B" + branch + reber_string(rng) + branch + "E"


def _inner_legal_next(inner: str) -> list[frozenset[str]]:
    """Legal next symbols after each prefix of a Reber string (the last one:
    none)."""
    if len(inner) < 2 or inner[0] != "B" or inner[-1] != "E":
        raise ValueError(
            f"not a Reber string (must start with B and end with E): {inner!r}"
        )
    legal, state = [], 0
    for position, symbol in enumerate(inner[1:], start=1):
        edges = dict(_GRAPH[state]) if state != _END else {"E": None}
        legal.append(frozenset(edges))
        if symbol not in edges:
            raise ValueError(
                f"not a Reber string: {symbol!r} at position {position} of "
                f"{inner!r}, "
                f"expected one of {sorted(edges)}"
            )
        if state == _END:
            if position != len(inner) - 1:
                raise ValueError(
                    f"not a Reber string: symbols after E in {inner!r}"
                )
            break
        state = edges[symbol]
    else:
        raise ValueError(
            f"not a Reber string: {inner!r} ends before reaching E"
        )
    return legal


def embedded_reber_legal_next(string: str) -> list[frozenset[str]]:
    """For each proper prefix ``string[:k + 1]``, the set of symbols that may
    legally follow it.

    Args:
        string: an embedded Reber string of length ``L``.

    Returns:
        ``L - 1`` frozensets; entry ``k`` holds the legal successors of
        ``string[:k + 1]``. The entry at ``k = L - 3`` (after the inner ``E``)
        is ``{string[1]}``: the long-range dependency.

    Raises:
        ValueError: if ``string`` is not an embedded Reber string.
    """
    if (
        len(string) < 5
        or string[0] != "B"
        or string[1] not in "TP"
        or string[-2] != string[1]
        or string[-1] != "E"
    ):
        raise ValueError(
            "not an embedded Reber string (expected B, T or P, a Reber "
            "string, the same T or P, "
            f"E): {string!r}"
        )
    inner = string[2:-2]
    return [
        frozenset("TP"),
        frozenset("B"),
        *_inner_legal_next(inner),
        frozenset(string[1]),
        frozenset("E"),
    ]


@dataclass(frozen=True)
class ReberDataset:
    """Embedded Reber strings, one-hot encoded for next-symbol prediction,
    zero-padded.

    Step ``t`` of sequence ``i`` reads symbol ``strings[i][t]`` and must
    predict ``strings[i][t + 1]``; a string of length ``L`` gives ``L - 1``
    steps.

    Attributes:
        strings: the ``n`` strings.
        x: ``(n, T_max, 7)`` float32 one-hot inputs over :data:`REBER_SYMBOLS`;
            padding is all 0, so ``keras.layers.Masking(0.0)`` skips it.
        next_symbol: ``(n, T_max)`` int64 index of the actual next symbol,
            ``-1`` on padding.
        legal_next: ``(n, T_max, 7)`` float32 multi-hot set of legal next
            symbols, 0 on padding.
        mask: ``(n, T_max)`` bool, True on real steps.
        lengths: ``(n,)`` int64 number of real steps, ``len(string) - 1``.
        critical_step: ``(n,)`` int64 step whose target is the second-to-last
            symbol, the one that must repeat the second symbol: ``len(string) -
            3``.
    """

    strings: list[str]
    x: np.ndarray
    next_symbol: np.ndarray
    legal_next: np.ndarray
    mask: np.ndarray
    lengths: np.ndarray
    critical_step: np.ndarray


def encode_embedded_reber(strings: list[str]) -> ReberDataset:
    """Encode embedded Reber strings into a :class:`ReberDataset` (ValueError
    if one is not)."""
    if len(strings) == 0:
        raise ValueError("need at least one string, got an empty list")
    legal_sets = [embedded_reber_legal_next(s) for s in strings]
    n, t_max = len(strings), max(len(s) for s in strings) - 1
    x = np.zeros((n, t_max, len(REBER_SYMBOLS)), dtype=np.float32)
    next_symbol = np.full((n, t_max), -1, dtype=np.int64)
    legal_next = np.zeros((n, t_max, len(REBER_SYMBOLS)), dtype=np.float32)
    for i, (string, legal) in enumerate(zip(strings, legal_sets, strict=True)):
        ids = np.array([_INDEX[s] for s in string])
        steps = np.arange(len(string) - 1)
        x[i, steps, ids[:-1]] = 1.0
        next_symbol[i, steps] = ids[1:]
        for t, allowed in enumerate(legal):
            legal_next[i, t, [_INDEX[s] for s in allowed]] = 1.0
    lengths = np.array([len(s) - 1 for s in strings], dtype=np.int64)
    return ReberDataset(
        strings=list(strings),
        x=x,
        next_symbol=next_symbol,
        legal_next=legal_next,
        mask=np.arange(t_max) < lengths[:, None],
        lengths=lengths,
        critical_step=lengths - 2,
    )


def embedded_reber_dataset(
    n: int,
    seed: int | np.random.Generator = 0,
    exclude: Collection[str] | None = None,
    min_length: int = 0,
) -> ReberDataset:
    """Draw ``n`` embedded Reber strings and encode them
    (see :class:`ReberDataset`).

    Args:
        n: number of strings (>= 1).
        seed: seed (or generator) for ``numpy.random.default_rng``.
        exclude: strings that must not be drawn (redrawn instead), e.g. the
            training strings when building a held-out test set; short strings
            are common, so without this a "test" set shares many strings with
            the training set.
        min_length: redraw strings shorter than this (at most 30), to lengthen
            the dependency between the second and the second-to-last symbol.
            The shortest embedded strings have 9 symbols, the mean is about 12,
            and only ~4% reach 20 and ~0.1% reach 30, so values near 30 make
            drawing slow (~1 s for 500 strings at 25).
    """
    n = check_int("n", n, 1)
    min_length = check_int("min_length", min_length, 0)
    if min_length > 30:
        raise ValueError(
            "min_length must be <= 30 (longer strings are very rare), got "
            f"{min_length}"
        )
    rng = np.random.default_rng(seed)
    banned = set(exclude) if exclude is not None else set()
    strings: list[str] = []
    while len(strings) < n:
        string = embedded_reber_string(rng)
        if len(string) >= min_length and string not in banned:
            strings.append(string)
    return encode_embedded_reber(strings)


def predicts_legal_next(
    scores: np.ndarray, legal_next: np.ndarray
) -> np.ndarray:
    """Whether a model's top-``k`` symbols are exactly the ``k`` legal next
    symbols, per step.

    Works with softmax probabilities, sigmoid outputs or logits: at each step
    with ``k`` legal successors, the prediction counts as right if the ``k``
    highest scores are on those symbols. Average it over ``mask`` (all steps)
    or at ``critical_step`` (the long-range symbol).

    Args:
        scores: ``(..., 7)`` model outputs over :data:`REBER_SYMBOLS`.
        legal_next: ``(..., 7)`` multi-hot legal sets, same shape.

    Returns:
        ``(...)`` bool; False wherever ``legal_next`` is all zero (padding).
    """
    scores, legal_next = np.asarray(scores), np.asarray(legal_next)
    if scores.shape != legal_next.shape or scores.shape[-1] != len(
        REBER_SYMBOLS
    ):
        raise ValueError(
            "scores and legal_next must have the same shape (..., "
            f"{len(REBER_SYMBOLS)}), "
            f"got {scores.shape} and {legal_next.shape}"
        )
    legal = legal_next > 0.5
    k = legal.sum(axis=-1, keepdims=True)
    order = np.argsort(-scores, axis=-1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(scores.shape[-1]), axis=-1)
    in_top_k = rank < k
    return np.all(in_top_k == legal, axis=-1) & (k[..., 0] > 0)
