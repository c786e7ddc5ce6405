"""Serves code/05 (generating text): sampling from a character-level language
model.

Temperature, seeded generation, baselines.

A language model outputs logits over the vocabulary at every step. To
*generate* text, draw the next character from ``softmax(logits /
temperature)``, feed it back in, repeat:

- :func:`softmax_with_temperature`: ``scipy.special.softmax`` of the scaled
  logits; temperature ``< 1`` sharpens the distribution (safer, more repetitive
  text), ``> 1`` flattens it (more surprising, more mistakes), ``0`` is greedy
  argmax;
- :func:`sample_from_logits`: one seeded draw per row;
- :func:`generate`: text from a :class:`lstmbook.scratch.Sequential` (one-hot
  inputs), carrying each recurrent layer's state from step to step, so each new
  character costs one step; :func:`generate_with_entropy` also returns the
  entropy of every distribution drawn from;
- :func:`entropy`: the entropy of probability rows, in nats
  (``scipy.stats.entropy``);
- :func:`one_hot`: ids to the one-hot inputs such a model reads;
- :func:`unigram_cross_entropy` (from :mod:`lstmbook.data.text`) is the
  baseline a model must beat; :func:`bits_per_char` converts nats to bits.

Generation is reproducible: every draw comes from
``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.special import softmax
from scipy.stats import entropy as _scipy_entropy

from lstmbook.data._checks import check_int
from lstmbook.data.text import CharVocab, unigram_cross_entropy

__all__ = [
    "bits_per_char",
    "draw_index",
    "entropy",
    "generate",
    "generate_with_entropy",
    "one_hot",
    "sample_from_logits",
    "softmax_with_temperature",
    "unigram_cross_entropy",
]


def _temperature(temperature: object) -> float:
    if isinstance(temperature, bool):
        raise ValueError(
            f"temperature must be a finite number >= 0, got {temperature!r}"
        )
    try:
        value = float(temperature)
    except (TypeError, ValueError):
        raise ValueError(
            f"temperature must be a finite number >= 0, got {temperature!r}"
        ) from None
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(
            f"temperature must be a finite number >= 0, got {temperature!r}"
        )
    return value


def softmax_with_temperature(
    logits: Any, temperature: float = 1.0
) -> np.ndarray:
    """``softmax(logits / temperature)`` along the last axis, float64.

    Args:
        logits: ``(..., vocab)`` finite scores.
        temperature: ``> 0`` divides the logits; ``0`` gives the one-hot
            distribution of the argmax (ties: the first), the limit of
            temperature -> 0.

    Returns:
        Probabilities shaped like ``logits``; each row sums to 1.
    """
    scores = np.asarray(logits, dtype=np.float64)
    if scores.ndim == 0 or scores.shape[-1] == 0:
        raise ValueError(
            "logits must have a non-empty last (vocabulary) axis, got "
            f"{scores.shape}"
        )
    if not np.all(np.isfinite(scores)):
        raise ValueError("logits must be finite")
    temperature = _temperature(temperature)
    if temperature == 0:
        probs = np.zeros_like(scores)
        np.put_along_axis(
            probs, np.argmax(scores, axis=-1)[..., None], 1.0, axis=-1
        )
        return probs
    return softmax(scores / temperature, axis=-1)


def sample_from_logits(
    logits: Any,
    temperature: float = 1.0,
    rng: np.random.Generator | int | None = 0,
) -> np.ndarray:
    """Draw one index per row from ``softmax(logits / temperature)``.

    Args:
        logits: ``(vocab,)`` or ``(batch, vocab)``.
        temperature: see :func:`softmax_with_temperature` (0: argmax, no
            randomness used).
        rng: a ``numpy.random.Generator`` or a seed for
            ``numpy.random.default_rng``.

    Returns:
        An int64 array of shape ``logits.shape[:-1]`` (a 0-d array for one
        row).
    """
    probs = softmax_with_temperature(logits, temperature)
    rng = (
        rng
        if isinstance(rng, np.random.Generator)
        else np.random.default_rng(rng)
    )
    return draw_index(probs, rng)


def draw_index(probs: Any, rng: np.random.Generator) -> np.ndarray:
    """Draw one index per row of ``probs`` (rows summing to 1, up to rounding).

    By the inverse CDF, with one uniform draw per row: the index is the first
    one whose cumulative probability exceeds the draw.

    Args:
        probs: ``(vocab,)`` or ``(batch, vocab)`` probabilities.
        rng: the ``numpy.random.Generator`` that draws.

    Returns:
        An int64 array of shape ``probs.shape[:-1]`` (a 0-d array for one row).
    """
    probs = np.asarray(probs)
    cdf = np.cumsum(probs, axis=-1)
    u = rng.random(probs.shape[:-1] + (1,)) * cdf[..., -1:]
    # inverse CDF: the first index with cdf > u
    index = (cdf <= u).sum(axis=-1)
    return np.minimum(index, probs.shape[-1] - 1).astype(np.int64)


def entropy(probs: Any) -> np.ndarray:
    """The entropy ``-sum_k p_k ln p_k`` (nats) of each row of ``probs``
    ``(..., vocab)``.

    ``scipy.stats.entropy`` along the last axis, after checking the rows: terms
    with ``p_k = 0`` count as 0 (the limit of ``p ln p``), and a row is
    normalised to sum to 1 first. Returns a float64 array of shape
    ``probs.shape[:-1]`` (0-d for one row); divide by ``ln 2`` for bits.
    """
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim == 0 or p.shape[-1] == 0:
        raise ValueError(
            "probs must have a non-empty last (vocabulary) axis, got "
            f"{p.shape}"
        )
    if (
        not np.all(np.isfinite(p))
        or p.min() < 0
        or not np.all(p.sum(axis=-1) > 0)
    ):
        raise ValueError(
            "probs must be finite and non-negative, each row with a positive "
            "sum"
        )
    return np.asarray(_scipy_entropy(p, axis=-1), dtype=np.float64)


def one_hot(ids: Any, depth: int, dtype: object = np.float32) -> np.ndarray:
    """One-hot encode integer ids: ``(...)`` -> ``(..., depth)``."""
    ids = np.asarray(ids)
    if not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"ids must be integers, got dtype {ids.dtype}")
    depth = check_int("depth", depth, 1)
    if ids.size and (ids.min() < 0 or ids.max() >= depth):
        raise ValueError(
            f"ids must lie in [0, {depth}), got range [{ids.min()}, "
            f"{ids.max()}]"
        )
    out = np.zeros(ids.shape + (depth,), dtype=dtype)
    np.put_along_axis(out, ids[..., None].astype(np.intp), 1, axis=-1)
    return out


def generate(
    model: Any,
    vocab: CharVocab,
    prompt: str,
    length: int,
    temperature: float = 1.0,
    seed: int | np.random.Generator = 0,
) -> str:
    """Generate text with a
    character-level :class:`lstmbook.scratch.Sequential`.

    The model reads one-hot characters ``(1, time, vocab.size)`` and its head
    outputs logits over the vocabulary. The prompt is read in one pass; then
    each new character is sampled, fed back as a one-step input, and every
    recurrent layer continues from its previous state (``forward(x,
    state=cache.final_state)``), so the cost is one step per character.

    Args:
        model: a scratch ``Sequential`` whose first layer has ``input_size ==
            vocab.size`` and whose head has ``out_features == vocab.size``.
        vocab: the vocabulary the model was trained with.
        prompt: the start of the text (at least one character, all in
            ``vocab``).
        length: how many characters to generate (>= 0).
        temperature: sampling temperature (0: greedy).
        seed: seed or generator for the draws.

    Returns:
        ``prompt`` followed by the ``length`` generated characters.
    """
    return generate_with_entropy(
        model, vocab, prompt, length, temperature, seed
    )[0]


def generate_with_entropy(
    model: Any,
    vocab: CharVocab,
    prompt: str,
    length: int,
    temperature: float = 1.0,
    seed: int | np.random.Generator = 0,
) -> tuple[str, np.ndarray]:
    """:func:`generate`, and the entropy of each distribution a character was
    drawn from.

    Arguments as for :func:`generate`; the same arguments give the same text.

    Returns:
        ``(text, entropies)``: ``text`` as :func:`generate` returns it, and
        ``entropies`` ``(length,)`` float64, the entropy in nats of
        ``softmax(logits / temperature)`` at each generated character (0 for
        ``temperature=0``).
    """
    if not isinstance(prompt, str) or len(prompt) == 0:
        raise ValueError(f"prompt must be a non-empty str, got {prompt!r}")
    length = check_int("length", length, 0)
    temperature = _temperature(temperature)
    first, head = model.recurrent[0], model.head
    if first.input_size != vocab.size or head.out_features != vocab.size:
        raise ValueError(
            f"the model must read and predict {vocab.size} characters (the "
            "vocabulary size), "
            f"got input_size {first.input_size} and out_features "
            f"{head.out_features}"
        )
    rng = (
        seed
        if isinstance(seed, np.random.Generator)
        else np.random.default_rng(seed)
    )
    x = one_hot(vocab.encode(prompt)[None, :], vocab.size, dtype=first.dtype)
    states: list[Any] = [None] * len(model.recurrent)
    generated: list[int] = []
    # the distribution each generated character is drawn from
    drawn_from = np.zeros((length, vocab.size))
    for step in range(length):
        hs = x
        for k, layer in enumerate(model.recurrent):
            hs, cache = layer.forward(hs, state=states[k])
            states[k] = cache.final_state
        logits, _ = head.forward(hs[:, -1])
        probs = softmax_with_temperature(logits[0], temperature)
        drawn_from[step] = probs
        next_id = int(draw_index(probs, rng))
        generated.append(next_id)
        x = one_hot(np.array([[next_id]]), vocab.size, dtype=first.dtype)
    entropies = entropy(drawn_from) if length else np.zeros(0)
    return prompt + vocab.decode(generated), entropies


def bits_per_char(nats: float) -> float:
    """A cross-entropy in nats per character, converted to bits per character
    (``/ ln 2``)."""
    return float(nats) / math.log(2.0)
