"""One table from a recurrent cell's name to its NumPy layer and its Keras
layer.

Every place that turns a name such as ``"lstm"`` into a layer reads this table,
so the NumPy engine (:mod:`lstmbook.scratch`) and Keras always agree on what a
name means:

- ``"lstm"``: NumPy ``LSTM(X, H)``, Keras ``keras.layers.LSTM(H)``;
- ``"gru"``: NumPy ``GRU(X, H)``, Keras ``keras.layers.GRU(H)``, both with
  ``reset_after=True``;
- ``"rnn"``: NumPy ``SimpleRNN(X, H)`` (tanh), Keras
  ``keras.layers.SimpleRNN(H)``;
- ``"peephole-current"``: NumPy ``LSTM(X, H, peepholes=True)``, Keras
  ``RNN(PeepholeLSTMCell(H))``;
- ``"peephole-previous"``: the same with ``output_peephole="previous"``.

The two sides have the same weight layouts,
so :mod:`lstmbook.keras_side.bridge` copies weights between them unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras

from lstmbook import scratch
from lstmbook.keras_side.peephole import PeepholeLSTMCell


@dataclass(frozen=True)
class CellKind:
    """A recurrent cell by name, on both sides.

    Attributes:
        name: the key of :data:`CELL_KINDS`.
        numpy_layer: ``(input_size, units, seed) -> layer``
            of :mod:`lstmbook.scratch`.
        keras_layer: ``(units, return_sequences, name, **kwargs) -> keras
            layer`` (unbuilt).
    """

    name: str
    numpy_layer: Callable[
        [int, int, int], scratch.LSTM | scratch.GRU | scratch.SimpleRNN
    ]
    keras_layer: Callable[..., keras.layers.Layer]


def _keras_peephole(output_peephole: str) -> Callable[..., keras.layers.Layer]:
    def build(units, return_sequences=False, name=None, **cell_kwargs):
        cell = PeepholeLSTMCell(
            units, output_peephole=output_peephole, **cell_kwargs
        )
        return keras.layers.RNN(
            cell, return_sequences=return_sequences, name=name
        )

    return build


def _numpy_peephole(
    output_peephole: str,
) -> Callable[[int, int, int], scratch.LSTM]:
    def build(input_size, units, seed=0):
        return scratch.LSTM(
            input_size,
            units,
            peepholes=True,
            output_peephole=output_peephole,
            seed=seed,
        )

    return build


CELL_KINDS: dict[str, CellKind] = {
    "lstm": CellKind(
        "lstm",
        lambda input_size, units, seed=0: scratch.LSTM(
            input_size, units, seed=seed
        ),
        keras.layers.LSTM,
    ),
    "gru": CellKind(
        "gru",
        lambda input_size, units, seed=0: scratch.GRU(
            input_size, units, seed=seed
        ),
        keras.layers.GRU,
    ),
    "rnn": CellKind(
        "rnn",
        lambda input_size, units, seed=0: scratch.SimpleRNN(
            input_size, units, seed=seed
        ),
        keras.layers.SimpleRNN,
    ),
    "peephole-current": CellKind(
        "peephole-current",
        _numpy_peephole("current"),
        _keras_peephole("current"),
    ),
    "peephole-previous": CellKind(
        "peephole-previous",
        _numpy_peephole("previous"),
        _keras_peephole("previous"),
    ),
}
"""Every recurrent cell the book builds by name."""

KINDS = tuple(CELL_KINDS)
"""The names of :data:`CELL_KINDS`, in order."""


def kind_of(layer: scratch.LSTM | scratch.GRU | scratch.SimpleRNN) -> str:
    """The name in :data:`CELL_KINDS` of a :mod:`lstmbook.scratch` recurrent
    layer."""
    if isinstance(layer, scratch.LSTM):
        return (
            f"peephole-{layer.output_peephole}" if layer.peepholes else "lstm"
        )
    if isinstance(layer, scratch.GRU):
        return "gru"
    if isinstance(layer, scratch.SimpleRNN):
        return "rnn"
    raise ValueError(
        "expected an lstmbook.scratch LSTM, GRU or SimpleRNN, got "
        f"{type(layer).__name__}"
    )


def cell_kind(kind: str) -> CellKind:
    """The :class:`CellKind` called ``kind``; a ``ValueError`` naming the
    choices otherwise."""
    if kind not in CELL_KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return CELL_KINDS[kind]
