"""``LSTMBOOK_SEED_OFFSET`` moves the book's seeds to another draw, and only when it is set."""

import os
import subprocess
import sys

import numpy as np
import pytest

from lstmbook.seeds import (
    SEED_OFFSET_VARIABLE,
    STRIDE,
    book_seed,
    book_seeds,
    seed_offset,
)


def test_unset_or_zero_changes_nothing(monkeypatch):
    monkeypatch.delenv(SEED_OFFSET_VARIABLE, raising=False)
    assert seed_offset() == 0 and book_seeds(0, 1, 2) == (0, 1, 2)
    monkeypatch.setenv(SEED_OFFSET_VARIABLE, "0")
    assert book_seed(7) == 7


def test_each_draw_has_its_own_seeds(monkeypatch):
    draws = {}
    for n in (0, 1, 2):
        monkeypatch.setenv(SEED_OFFSET_VARIABLE, str(n))
        draws[n] = set(book_seeds(*range(20_000)))
    assert not draws[0] & draws[1] and not draws[1] & draws[2] and not draws[0] & draws[2]
    monkeypatch.setenv(SEED_OFFSET_VARIABLE, "2")
    assert book_seed(np.int64(5)) == 5 + 2 * STRIDE
    assert isinstance(book_seed(np.int64(5)), int)


@pytest.mark.parametrize("text", ["-1", "one", "1.5"])
def test_bad_offset_is_a_clear_error(monkeypatch, text):
    monkeypatch.setenv(SEED_OFFSET_VARIABLE, text)
    with pytest.raises(ValueError, match=SEED_OFFSET_VARIABLE):
        book_seed(0)


@pytest.mark.parametrize("seed", [-1, 1.0, True, "0"])
def test_bad_seed_is_a_clear_error(seed):
    with pytest.raises(ValueError, match="seed"):
        book_seed(seed)


def _first_weight_sum(offset: str) -> str:
    code = (
        "from lstmbook.notebook import setup_notebook\n"
        "setup_notebook(seed=3)\n"
        "import keras\n"
        "layer = keras.layers.Dense(4)\n"
        "layer.build((None, 3))\n"
        "print(float(layer.get_weights()[0].sum()))\n"
    )
    env = {**os.environ, SEED_OFFSET_VARIABLE: offset}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.slow
def test_setup_notebook_honours_the_offset():
    assert _first_weight_sum("0") == _first_weight_sum("")
    assert _first_weight_sum("1") != _first_weight_sum("0")
