"""The book's seeds, and how ``make test-portable`` moves them to another draw.

Every claim the book makes about a trained model rests on runs that a seed
makes repeatable. A claim that is true for seed 0 only is not a claim, so the
book re-checks itself with other draws: with the environment variable
``LSTMBOOK_SEED_OFFSET=N`` set, :func:`book_seed` maps each seed a chapter
names to another one, and every training run, data draw and batch order the
chapter's claims rest on changes. With the variable unset (or ``0``) nothing
moves, so the stored outputs are reproduced as they are.

Chapters pass their seeds through :func:`book_seed` (or :func:`book_seeds` for
a list); the library itself never reads the environment: its functions take the
seed they are given. A seed that only fixes an illustration (the weights of one
step computed by hand, one printed example sequence) is written as a plain
number and stays where it is.

    >>> book_seed(3)  # LSTMBOOK_SEED_OFFSET unset
    3
"""

from __future__ import annotations

import os

import numpy as np

SEED_OFFSET_VARIABLE = "LSTMBOOK_SEED_OFFSET"
# seed s becomes s + N * STRIDE: far from every seed the book names (all below
# 100,000), so that the draws of N = 1 share no seed with those of N = 0 or N =
# 2.
STRIDE = 1_000_000


def seed_offset() -> int:
    """The draw ``N`` set by ``LSTMBOOK_SEED_OFFSET`` (``0`` when unset or
    empty).

    Raises:
        ValueError: if the variable is set to anything but a non-negative
            integer.
    """
    text = os.environ.get(SEED_OFFSET_VARIABLE, "").strip()
    if not text:
        return 0
    try:
        offset = int(text)
    except ValueError:
        raise ValueError(
            f"{SEED_OFFSET_VARIABLE} must be a non-negative integer, got "
            f"{text!r}"
        ) from None
    if offset < 0:
        raise ValueError(
            f"{SEED_OFFSET_VARIABLE} must be a non-negative integer, got "
            f"{offset}"
        )
    return offset


def book_seed(seed: int) -> int:
    """``seed`` in this draw of the book: ``seed + N * 1,000,000`` for
    ``LSTMBOOK_SEED_OFFSET=N``.

    Args:
        seed: a non-negative integer seed as a chapter writes it.

    Returns:
        The seed to hand to ``numpy.random.default_rng``,
        ``keras.utils.set_random_seed`` or a library function; equal to
        ``seed`` when the offset is 0.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ValueError(f"seed must be an integer, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    return int(seed) + seed_offset() * STRIDE


def book_seeds(*seeds: int) -> tuple[int, ...]:
    """:func:`book_seed` of each argument: ``book_seeds(0, 1, 2)`` is this
    draw's three seeds."""
    return tuple(book_seed(seed) for seed in seeds)
