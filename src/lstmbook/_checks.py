"""The package's one integer-argument check, shared by every module that takes
a size or a count.

Booleans are refused (``True`` is an ``int`` to Python, never a sensible size);
NumPy integers are accepted through :func:`operator.index`; anything else
raises ``ValueError`` naming the argument, what was expected and what was
received.
"""

from __future__ import annotations

import operator


def integer_at_least(name: str, value: object, minimum: int) -> int:
    """Return ``value`` as an ``int`` if it is an integer ``>= minimum``, else
    raise ValueError."""
    expected = (
        "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
    )
    if isinstance(value, bool):
        raise ValueError(f"{name} must be {expected}, got {value!r} (bool)")
    try:
        number = operator.index(value)
    except TypeError:
        raise ValueError(
            f"{name} must be {expected}, got {value!r} "
            f"({type(value).__name__})"
        ) from None
    if number < minimum:
        raise ValueError(f"{name} must be {expected}, got {number}")
    return number


def positive_int(name: str, value: object) -> int:
    """Return ``value`` as an ``int`` >= 1, or raise ``ValueError`` naming what
    was expected."""
    return integer_at_least(name, value, 1)
