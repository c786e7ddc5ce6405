"""Argument checks shared by the data generators: each raises a ValueError naming what it expected."""

from __future__ import annotations

import numbers
import operator


def check_int(name: str, value: object, minimum: int) -> int:
    """Return ``value`` as an int if it is an integer ``>= minimum``, else raise ValueError."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer >= {minimum}, got the bool {value!r}")
    try:
        number = operator.index(value)
    except TypeError:
        raise ValueError(
            f"{name} must be an integer >= {minimum}, got {value!r} ({type(value).__name__})"
        ) from None
    if number < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {number}")
    return number


def check_fraction(name: str, value: object, *, allow_zero: bool) -> float:
    """Return ``value`` as a float in ``(0, 1)`` (or ``[0, 1)`` with ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number in (0, 1), got {value!r}")
    number = float(value)
    low_ok = number >= 0 if allow_zero else number > 0
    if not (low_ok and number < 1):
        interval = "[0, 1)" if allow_zero else "(0, 1)"
        raise ValueError(f"{name} must be in {interval}, got {number}")
    return number
