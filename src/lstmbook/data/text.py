"""A text corpus that ships with Python itself, and a character vocabulary for
language models.

:func:`stdlib_text_corpus` reads the source code of a few pure-Python
standard-library modules with ``inspect.getsource``: no download, always
available, and a reader recognises what a model trained on it generates. The
exact text depends on the Python version.

:func:`unigram_cross_entropy`, :func:`ngram_cross_entropy` (add-alpha
smoothing) and :func:`kneser_ney_cross_entropy` (interpolated Kneser-Ney, the
standard counting model) are the counting baselines a character-level language
model must beat.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable, Sequence

import numpy as np

from ._checks import check_int

DEFAULT_CORPUS_MODULES: tuple[str, ...] = (
    "textwrap",
    "string",
    "queue",
    "glob",
    "fnmatch",
    "colorsys",
    "bisect",
    "calendar",
    "csv",
    "sched",
    "copy",
    "reprlib",
    "operator",
    "abc",
    "graphlib",
    "contextlib",
    "linecache",
    "argparse",
    "dataclasses",
    "shutil",
)
"""Pure-Python standard-library modules whose source makes the default corpus:
about 400k characters on Python 3.11, all ASCII (modules with a few accented
letters, such as ``heapq`` and ``shlex``, would add dozens of characters seen
once or twice to the vocabulary)."""


def stdlib_text_corpus(modules: Sequence[str] = DEFAULT_CORPUS_MODULES) -> str:
    """Concatenate the source code of standard-library modules into one text.

    Args:
        modules: importable module names whose source is available (pure
            Python).

    Returns:
        The sources, each followed by a blank line, in the given order.
    """
    if isinstance(modules, str) or len(modules) == 0:
        raise ValueError(
            "modules must be a non-empty sequence of module names, got "
            f"{modules!r}"
        )
    parts = []
    for name in modules:
        try:
            module = importlib.import_module(name)
            parts.append(inspect.getsource(module))
        except (ImportError, OSError, TypeError) as error:
            raise ValueError(
                f"cannot read the source of module {name!r}: {error}"
            ) from error
    return "\n\n".join(parts) + "\n"


class CharVocab:
    """A character-level vocabulary: ids ``0 .. size - 1`` for the sorted
    distinct characters.

    >>> vocab = CharVocab("hello")
    >>> vocab.chars
    'ehlo'
    >>> vocab.decode(vocab.encode("hole"))
    'hole'
    """

    def __init__(self, text: str) -> None:
        if not isinstance(text, str) or len(text) == 0:
            raise ValueError(
                f"text must be a non-empty str, got {type(text).__name__}"
            )
        self.chars = "".join(sorted(set(text)))
        self._index = {char: k for k, char in enumerate(self.chars)}

    @property
    def size(self) -> int:
        """Number of distinct characters."""
        return len(self.chars)

    def __len__(self) -> int:
        return self.size

    def encode(self, text: str) -> np.ndarray:
        """``text`` as an ``(len(text),)`` int64 array of ids; ValueError on an
        unknown character."""
        try:
            return np.fromiter(
                (self._index[c] for c in text), dtype=np.int64, count=len(text)
            )
        except KeyError as error:
            raise ValueError(
                f"character {error.args[0]!r} is not in the vocabulary"
            ) from None

    def decode(self, ids: Iterable[int]) -> str:
        """The characters of ``ids`` (any iterable of ints in ``[0,
        size)``)."""
        ids = np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids)
        if ids.size and (
            ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer)
        ):
            raise ValueError(
                f"ids must be a 1-D sequence of ints, got {ids.dtype} "
                f"{ids.shape}"
            )
        if ids.size and (ids.min() < 0 or ids.max() >= self.size):
            raise ValueError(
                f"ids must lie in [0, {self.size}), got range [{ids.min()}, "
                f"{ids.max()}]"
            )
        return "".join(self.chars[k] for k in ids)

    def __repr__(self) -> str:
        return f"CharVocab(size={self.size})"


def next_token_windows(
    ids: np.ndarray, seq_len: int, stride: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Cut a token stream into (input, target) pairs shifted by one for
    next-token prediction.

    Args:
        ids: ``(length,)`` integer ids.
        seq_len: steps per window (>= 1).
        stride: step between window starts; default ``seq_len``
            (non-overlapping).

    Returns:
        x: ``(n, seq_len)`` int64 ``ids[s : s + seq_len]``.
        y: ``(n, seq_len)`` int64 ``ids[s + 1 : s + seq_len + 1]``.
    """
    ids = np.asarray(ids)
    if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(
            f"ids must be a 1-D integer array, got {ids.dtype} with shape "
            f"{ids.shape}"
        )
    seq_len = check_int("seq_len", seq_len, 1)
    stride = seq_len if stride is None else check_int("stride", stride, 1)
    if ids.size < seq_len + 1:
        raise ValueError(
            f"need at least seq_len + 1 = {seq_len + 1} ids, got {ids.size}"
        )
    starts = np.arange(0, ids.size - seq_len, stride)
    offsets = np.arange(seq_len)
    x = ids[starts[:, None] + offsets].astype(np.int64)
    y = ids[starts[:, None] + offsets + 1].astype(np.int64)
    return x, y


def unigram_cross_entropy(
    train_ids: np.ndarray, eval_ids: np.ndarray, vocab_size: int
) -> float:
    """Cross-entropy (nats per token) on ``eval_ids`` of the character
    frequencies of ``train_ids``.

    The baseline a language model must beat: it knows how common each character
    is but nothing about context. Counts get add-one (Laplace) smoothing so
    that a character unseen in training does not give an infinite loss.

    Args:
        train_ids: ``(n_train,)`` integer ids the frequencies are counted on.
        eval_ids: ``(n_eval,)`` integer ids the loss is measured on.
        vocab_size: number of ids, ``> max id``.
    """
    vocab_size = check_int("vocab_size", vocab_size, 1)
    arrays = []
    for name, ids in (("train_ids", train_ids), ("eval_ids", eval_ids)):
        ids = np.asarray(ids)
        if (
            ids.ndim != 1
            or ids.size == 0
            or not np.issubdtype(ids.dtype, np.integer)
        ):
            raise ValueError(
                f"{name} must be a non-empty 1-D integer array, got "
                f"{ids.dtype} {ids.shape}"
            )
        if ids.min() < 0 or ids.max() >= vocab_size:
            raise ValueError(
                f"{name} must lie in [0, {vocab_size}), got range "
                f"[{ids.min()}, {ids.max()}]"
            )
        arrays.append(ids)
    counts = np.bincount(arrays[0], minlength=vocab_size) + 1.0
    log_p = np.log(counts / counts.sum())
    return float(-log_p[arrays[1]].mean())


def ngram_cross_entropy(
    train_ids: np.ndarray,
    eval_ids: np.ndarray,
    vocab_size: int,
    order: int = 2,
    alpha: float = 1.0,
) -> float:
    """Cross-entropy (nats per token) on ``eval_ids`` of an add-alpha n-gram
    model of ``train_ids``.

    The model predicts a token from the ``order - 1`` tokens before it, by
    counting in the training ids::

        p(c | context) = (count(context, c) + alpha)
                         / (count(context) + alpha * vocab_size)

    ``order=1`` (no context) with ``alpha=1`` is :func:`unigram_cross_entropy`;
    ``order=2`` is the bigram model. A context never seen in training gets the
    uniform distribution. The first ``order - 1`` tokens of ``eval_ids`` serve
    only as context: the mean is over the other ``len(eval_ids) - order + 1``
    tokens.

    Args:
        train_ids: ``(n_train,)`` integer ids the counts come from (``n_train
            >= order``).
        eval_ids: ``(n_eval,)`` integer ids the loss is measured on (``n_eval
            >= order``).
        vocab_size: number of ids, ``> max id``; ``vocab_size ** order`` must
            fit in int64.
        order: ``n`` (>= 1), the length of the counted sequences.
        alpha: the count added to every (context, token) pair (> 0), so that no
            probability is zero.
    """
    vocab_size = check_int("vocab_size", vocab_size, 1)
    order = check_int("order", order, 1)
    if isinstance(alpha, bool) or not isinstance(
        alpha, (int, float, np.floating, np.integer)
    ):
        raise ValueError(f"alpha must be a finite number > 0, got {alpha!r}")
    alpha = float(alpha)
    if not (np.isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha must be a finite number > 0, got {alpha!r}")
    if order * np.log2(vocab_size) >= 63:
        raise ValueError(
            "vocab_size ** order must be below 2**63 (n-grams are coded as "
            "int64), got "
            f"{vocab_size} ** {order}"
        )
    arrays = []
    for name, ids in (("train_ids", train_ids), ("eval_ids", eval_ids)):
        ids = np.asarray(ids)
        if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(
                f"{name} must be a 1-D integer array, got {ids.dtype} "
                f"{ids.shape}"
            )
        if ids.size < order:
            raise ValueError(
                f"{name} must hold at least order = {order} ids, got "
                f"{ids.size}"
            )
        if ids.min() < 0 or ids.max() >= vocab_size:
            raise ValueError(
                f"{name} must lie in [0, {vocab_size}), got range "
                f"[{ids.min()}, {ids.max()}]"
            )
        arrays.append(ids.astype(np.int64))

    def codes(ids: np.ndarray) -> np.ndarray:
        # each n-gram as one base-vocab_size number; its context is code //
        # vocab_size
        count = ids.size - order + 1
        code = np.zeros(count, dtype=np.int64)
        for j in range(order):
            code = code * vocab_size + ids[j : j + count]
        return code

    def lookup(
        keys: np.ndarray, counts: np.ndarray, queries: np.ndarray
    ) -> np.ndarray:
        at = np.minimum(np.searchsorted(keys, queries), keys.size - 1)
        return np.where(keys[at] == queries, counts[at], 0)

    train_codes, eval_codes = codes(arrays[0]), codes(arrays[1])
    grams, gram_counts = np.unique(train_codes, return_counts=True)
    contexts, context_counts = np.unique(
        train_codes // vocab_size, return_counts=True
    )
    numerator = lookup(grams, gram_counts, eval_codes) + alpha
    denominator = (
        lookup(contexts, context_counts, eval_codes // vocab_size)
        + alpha * vocab_size
    )
    return float(-np.mean(np.log(numerator / denominator)))


def _check_discount(discount: object) -> float:
    if isinstance(discount, bool) or not isinstance(
        discount, (int, float, np.floating, np.integer)
    ):
        raise ValueError(
            f"discount must be a number in (0, 1], got {discount!r}"
        )
    value = float(discount)
    if not (np.isfinite(value) and 0 < value <= 1):
        raise ValueError(
            f"discount must be a number in (0, 1], got {discount!r}"
        )
    return value


def _check_ids(
    name: str, ids: object, vocab_size: int, at_least: int
) -> np.ndarray:
    ids = np.asarray(ids)
    if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(
            f"{name} must be a 1-D integer array, got {ids.dtype} {ids.shape}"
        )
    if ids.size < at_least:
        raise ValueError(
            f"{name} must hold at least {at_least} ids, got {ids.size}"
        )
    if ids.size and (ids.min() < 0 or ids.max() >= vocab_size):
        raise ValueError(
            f"{name} must lie in [0, {vocab_size}), got range [{ids.min()}, "
            f"{ids.max()}]"
        )
    return ids.astype(np.int64)


def _gram_codes(ids: np.ndarray, length: int, vocab_size: int) -> np.ndarray:
    """Every run of ``length`` consecutive ids as one base-``vocab_size`` int64
    number."""
    count = ids.size - length + 1
    code = np.zeros(max(count, 0), dtype=np.int64)
    for j in range(length):
        code = code * vocab_size + ids[j : j + count]
    return code


def _lookup(
    keys: np.ndarray, values: np.ndarray, queries: np.ndarray
) -> np.ndarray:
    """``values`` at the position of each query in the sorted ``keys``, 0 where
    it is absent."""
    if keys.size == 0:
        return np.zeros(queries.shape, dtype=values.dtype)
    at = np.minimum(np.searchsorted(keys, queries), keys.size - 1)
    return np.where(keys[at] == queries, values[at], 0)


class _KneserNeyTables:
    """The counts interpolated Kneser-Ney needs, one level per context length
    ``0 .. order - 1``.

    Level ``k`` (``1 <= k <= order``) holds, for every ``k``-gram ``w = u c``
    seen in training, its count ``N(w)``: the plain count at the top level
    ``k = order``, and at the lower levels the *continuation count* ``N1+(.
    w)``, the number of distinct ids seen before ``w``. For each context ``u``
    it holds ``total(u) = sum_c N(u c)`` and ``types(u)``, the number of ``c``
    with ``N(u c) > 0``.
    """

    def __init__(
        self, train: np.ndarray, vocab_size: int, order: int, discount: float
    ) -> None:
        self.vocab_size, self.order, self.discount = (
            vocab_size,
            order,
            discount,
        )
        self.levels = []
        for k in range(1, order + 1):
            if k == order:
                grams, counts = np.unique(
                    _gram_codes(train, k, vocab_size), return_counts=True
                )
            else:
                # continuation counts: distinct left extensions of each k-gram
                extended = np.unique(_gram_codes(train, k + 1, vocab_size))
                grams, counts = np.unique(
                    extended % vocab_size**k, return_counts=True
                )
            contexts, inverse = np.unique(
                grams // vocab_size, return_inverse=True
            )
            totals = np.bincount(
                inverse, weights=counts, minlength=contexts.size
            )
            types = np.bincount(inverse, minlength=contexts.size)
            self.levels.append(
                (grams, counts.astype(np.float64), contexts, totals, types)
            )

    def probability(self, codes: np.ndarray) -> np.ndarray:
        """``p_KN(c | u)`` for ``order``-gram codes ``u c`` of any shape;
        float64, same shape."""
        p = np.full(codes.shape, 1.0 / self.vocab_size)  # level 0: uniform
        for k, (grams, counts, contexts, totals, types) in enumerate(
            self.levels, start=1
        ):
            gram = codes % self.vocab_size**k
            context = gram // self.vocab_size
            count = _lookup(grams, counts, gram)
            total = _lookup(contexts, totals, context)
            kinds = _lookup(contexts, types, context)
            discounted = (
                np.maximum(count - self.discount, 0.0)
                + self.discount * kinds * p
            )
            p = np.where(
                total > 0, discounted / np.where(total > 0, total, 1.0), p
            )
        return p


def _kneser_ney_setup(
    train_ids: object, vocab_size: int, order: int, discount: float
) -> tuple[_KneserNeyTables, int, int]:
    vocab_size = check_int("vocab_size", vocab_size, 1)
    order = check_int("order", order, 1)
    discount = _check_discount(discount)
    if order * np.log2(vocab_size) >= 62:
        raise ValueError(
            "vocab_size ** order must be below 2**62 (n-grams are coded as "
            "int64), got "
            f"{vocab_size} ** {order}"
        )
    train = _check_ids("train_ids", train_ids, vocab_size, order)
    return (
        _KneserNeyTables(train, vocab_size, order, discount),
        vocab_size,
        order,
    )


def kneser_ney_probs(
    train_ids: np.ndarray,
    contexts: np.ndarray,
    vocab_size: int,
    order: int,
    discount: float = 0.75,
) -> np.ndarray:
    """Next-token distributions of an interpolated Kneser-Ney ``order``-gram
    model of ``train_ids``.

    The model of Chen & Goodman (1999, "interpolated Kneser-Ney" with one
    discount ``D``; Kneser & Ney 1995). For a context ``u`` of ``order - 1``
    ids and its suffix ``u'`` (``u`` without its first id)::

        p(c | u) = (max(N(u c) - D, 0) + D * types(u) * p(c | u')) / total(u)

    with ``p(c | u) = p(c | u')`` when ``total(u) = 0`` (a context never seen).
    At the top order ``N`` is the training count; at every lower order it is
    the continuation count, the number of distinct ids seen just before ``u
    c``, which is what makes Kneser-Ney better than plain absolute discounting.
    ``total(u) = sum_c N(u c)``, ``types(u)`` is the number of ``c`` with ``N(u
    c) > 0``, and below the unigram level is the uniform ``1 / vocab_size``, so
    every probability is positive and each distribution sums to 1. ``order=1``
    is the training frequency, absolutely discounted and interpolated with the
    uniform distribution.

    Args:
        train_ids: ``(n_train,)`` integer ids the counts come from (``n_train
            >= order``).
        contexts: ``(m, order - 1)`` integer ids, one context per row (``(m,
            0)`` for order 1).
        vocab_size: number of ids, ``> max id``; ``vocab_size ** order`` must
            be below 2**62.
        order: ``n`` (>= 1), the length of the counted sequences.
        discount: ``D`` in ``(0, 1]``, subtracted from every nonzero count.

    Returns:
        ``(m, vocab_size)`` float64: row ``i`` is ``p(. | contexts[i])``.
    """
    tables, vocab_size, order = _kneser_ney_setup(
        train_ids, vocab_size, order, discount
    )
    contexts = np.asarray(contexts)
    if (
        contexts.ndim != 2
        or contexts.shape[1] != order - 1
        or not np.issubdtype(contexts.dtype, np.integer)
    ):
        raise ValueError(
            f"contexts must be an (m, order - 1) = (m, {order - 1}) integer "
            "array, got "
            f"{contexts.dtype} {contexts.shape}"
        )
    if contexts.size and (contexts.min() < 0 or contexts.max() >= vocab_size):
        raise ValueError(
            f"contexts must lie in [0, {vocab_size}), got range "
            f"[{contexts.min()}, "
            f"{contexts.max()}]"
        )
    context_code = np.zeros(contexts.shape[0], dtype=np.int64)
    for j in range(order - 1):
        context_code = context_code * vocab_size + contexts[:, j].astype(
            np.int64
        )
    codes = context_code[:, None] * vocab_size + np.arange(
        vocab_size, dtype=np.int64
    )
    return tables.probability(codes)


def kneser_ney_cross_entropy(
    train_ids: np.ndarray,
    eval_ids: np.ndarray,
    vocab_size: int,
    order: int,
    discount: float = 0.75,
) -> float:
    """Cross-entropy (nats per token) on ``eval_ids`` of an interpolated
    Kneser-Ney n-gram model.

    The model is :func:`kneser_ney_probs` fitted on ``train_ids``. As in
    :func:`ngram_cross_entropy`, the first ``order - 1`` tokens of ``eval_ids``
    serve only as context: the mean is over the other ``len(eval_ids) - order +
    1`` tokens.

    Args:
        train_ids: ``(n_train,)`` integer ids the counts come from (``n_train
            >= order``).
        eval_ids: ``(n_eval,)`` integer ids the loss is measured on (``n_eval
            >= order``).
        vocab_size: number of ids, ``> max id``; ``vocab_size ** order`` must
            be below 2**62.
        order: ``n`` (>= 1), the length of the counted sequences.
        discount: ``D`` in ``(0, 1]``; 0.75 is the usual fixed choice.
    """
    tables, vocab_size, order = _kneser_ney_setup(
        train_ids, vocab_size, order, discount
    )
    evaluation = _check_ids("eval_ids", eval_ids, vocab_size, order)
    return float(
        -np.mean(
            np.log(
                tables.probability(_gram_codes(evaluation, order, vocab_size))
            )
        )
    )
