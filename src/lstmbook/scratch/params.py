"""Closed-form parameter counts of recurrent layers.

Each function counts the trainable parameters of one layer with input size
``X`` and ``H`` units, following the weight layout of Keras 3 (and of
``lstmbook.scratch``):

- LSTM: four gate blocks (input, forget, candidate, output), each with an input
  kernel ``(X, H)``, a recurrent kernel ``(H, H)`` and a bias ``(H,)``: ``4 (H
  (X + H) + H)``. Diagonal peepholes add three vectors of length ``H``.
- GRU with ``reset_after=True`` (the Keras default): three blocks (update,
  reset, candidate) with *two* biases each (one for the input, one for the
  recurrent projection): ``3 (H (X + H) + 2 H)``.
- SimpleRNN: one block: ``H (X + H) + H``.
- Dense: ``X H + H``.
"""

from __future__ import annotations

from lstmbook._checks import positive_int as _positive_int


def lstm_param_count(
    input_size: int, units: int, peepholes: bool = False
) -> int:
    """Trainable parameters of an LSTM layer: ``4 (H (X + H) + H)`` (+ ``3 H``
    with peepholes)."""
    x, h = (
        _positive_int("input_size", input_size),
        _positive_int("units", units),
    )
    return 4 * (h * (x + h) + h) + (3 * h if peepholes else 0)


def gru_param_count(input_size: int, units: int) -> int:
    """Trainable parameters of a GRU layer with ``reset_after=True``: ``3 (H
    (X + H) + 2 H)``."""
    x, h = (
        _positive_int("input_size", input_size),
        _positive_int("units", units),
    )
    return 3 * (h * (x + h) + 2 * h)


def simple_rnn_param_count(input_size: int, units: int) -> int:
    """Trainable parameters of a tanh RNN layer: ``H (X + H) + H``."""
    x, h = (
        _positive_int("input_size", input_size),
        _positive_int("units", units),
    )
    return h * (x + h) + h


def dense_param_count(input_size: int, units: int) -> int:
    """Trainable parameters of a fully connected layer: ``X H + H``."""
    x, h = (
        _positive_int("input_size", input_size),
        _positive_int("units", units),
    )
    return x * h + h
