"""The package's single integer-argument check, and the modules that re-export it."""

import numpy as np
import pytest

from lstmbook import _checks
from lstmbook.data import _checks as data_checks
from lstmbook.scratch import _checks as scratch_checks


@pytest.mark.parametrize("value", [1, 7, np.int64(3), np.uint8(5)])
def test_positive_int_accepts_integers(value):
    assert _checks.positive_int("n", value) == int(value)
    assert type(_checks.positive_int("n", value)) is int


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, r"n must be a positive integer, got 0"),
        (-3, r"n must be a positive integer, got -3"),
        (2.0, r"n must be a positive integer, got 2.0 \(float\)"),
        ("4", r"n must be a positive integer, got '4' \(str\)"),
        (True, r"n must be a positive integer, got True \(bool\)"),
        (None, r"n must be a positive integer, got None \(NoneType\)"),
    ],
)
def test_positive_int_rejects_with_the_expected_and_received(value, message):
    with pytest.raises(ValueError, match=message):
        _checks.positive_int("n", value)


def test_integer_at_least_names_the_minimum():
    assert _checks.integer_at_least("T", 2, 2) == 2
    with pytest.raises(ValueError, match="T must be an integer >= 2, got 1"):
        _checks.integer_at_least("T", 1, 2)
    with pytest.raises(ValueError, match=r"T must be an integer >= 0, got False \(bool\)"):
        _checks.integer_at_least("T", False, 0)


def test_every_package_uses_the_one_check():
    assert scratch_checks.positive_int is _checks.positive_int
    assert data_checks.check_int is _checks.integer_at_least
