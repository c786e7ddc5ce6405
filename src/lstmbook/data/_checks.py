"""Argument checks shared by the data generators: each raises a ValueError
naming what it expected."""

from __future__ import annotations

import numbers

from .._checks import integer_at_least as check_int

__all__ = ["check_fraction", "check_int"]


def check_fraction(name: str, value: object, *, allow_zero: bool) -> float:
    """Return ``value`` as a float in ``(0, 1)`` (or ``[0, 1)`` with
    ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number in (0, 1), got {value!r}")
    number = float(value)
    low_ok = number >= 0 if allow_zero else number > 0
    if not (low_ok and number < 1):
        interval = "[0, 1)" if allow_zero else "(0, 1)"
        raise ValueError(f"{name} must be in {interval}, got {number}")
    return number
