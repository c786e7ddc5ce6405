"""Exact weight copies between ``lstmbook.scratch`` layers and their Keras 3
twins.

The from-scratch layers store their weights in the Keras layout, so a copy is a
plain ``set_weights`` / ``get_weights`` in the right order; what this module
adds is the order, the shape checks (a ``ValueError`` naming the expected and
the received shape), the dtype handling, the wiring of whole stacked models,
and a check that the Keras layer computes what the scratch layer computes
(``tanh`` and ``sigmoid`` activations, biases, forward in time, a linear
``Dense`` head, GRU ``reset_after=True``): anything else is a ``ValueError``,
not a silent mismatch. The same inspection of a Keras layer's activations and
flags tells :func:`lstmbook.keras_side.cudnn.cudnn_compatible` whether the
layer computes the equations that cuDNN's fused kernels compute.

Each scratch layer, its Keras twin, and the weights in order:

- ``LSTM``: ``keras.layers.LSTM(H)``; ``W, U, b``.
- ``LSTM(peepholes=True)``: ``RNN(PeepholeLSTMCell(H, ...))``;
  ``W, U, b, p_i, p_f, p_o``.
- ``GRU``: ``keras.layers.GRU(H)`` (reset_after); ``W, U, b`` (``b`` is 2x3H).
- ``SimpleRNN``: ``keras.layers.SimpleRNN(H)``; ``W, U, b``.
- ``Dense``: ``keras.layers.Dense(out)``; ``W, b``.
- ``Sequential``: ``keras.Sequential``; the layers above in order.
"""

from __future__ import annotations

from typing import NamedTuple

import keras
import numpy as np
import tensorflow as tf

from lstmbook.keras_side.peephole import PeepholeLSTMCell
from lstmbook.keras_side.registry import cell_kind, kind_of
from lstmbook.scratch import GRU, LSTM, Dense, Sequential, SimpleRNN

_PEEPHOLE_ORDER = ("W", "U", "b", "p_i", "p_f", "p_o")


def _param_order(layer) -> tuple[str, ...]:
    if isinstance(layer, LSTM):
        return _PEEPHOLE_ORDER if layer.peepholes else ("W", "U", "b")
    if isinstance(layer, (GRU, SimpleRNN)):
        return ("W", "U", "b")
    if isinstance(layer, Dense):
        return ("W", "b")
    raise ValueError(
        "expected an lstmbook.scratch LSTM, GRU, SimpleRNN or Dense layer, "
        f"got {type(layer).__name__}"
    )


def make_keras_layer(
    layer, return_sequences: bool = True, name: str | None = None
):
    """An unbuilt Keras layer with the same architecture as the scratch
    ``layer``.

    Args:
        layer: an ``lstmbook.scratch`` ``LSTM``, ``GRU``, ``SimpleRNN`` or
            ``Dense``.
        return_sequences: for recurrent layers, return ``(batch, time, H)``
            (True) or the last step ``(batch, H)``.
        name: the Keras layer name.
    """
    _param_order(layer)
    if isinstance(layer, Dense):
        return keras.layers.Dense(layer.out_features, name=name)
    keras_layer = cell_kind(kind_of(layer)).keras_layer
    return keras_layer(
        layer.hidden_size, return_sequences=return_sequences, name=name
    )


class _Mismatch(NamedTuple):
    """One setting of a Keras layer that departs from the equations the scratch
    layers compute."""

    setting: str
    """The layer's argument: ``"activation"``, ``"recurrent_activation"``,
    ``"use_bias"``..."""
    expected: str | bool
    """The name of the activation it needs (``"tanh"``), or the value of the
    flag (``True``)."""
    got: str | bool
    """The name of the layer's activation function, or the value of its
    flag."""


# The activations as the function objects that Keras itself accepts for its
# cuDNN kernels (keras/src/backend/tensorflow/rnn.py,
# _do_lstm_arguments_support_cudnn): it compares the objects, not their names,
# so a function merely named "tanh" is none of them.
_KERAS_ACTIVATIONS = {
    "tanh": (keras.activations.tanh, keras.ops.tanh, tf.tanh),
    "sigmoid": (keras.activations.sigmoid, keras.ops.sigmoid, tf.sigmoid),
    "linear": (keras.activations.linear,),
}


def _function_name(fn) -> str:
    return getattr(fn, "__name__", repr(fn))


def _equation_mismatches(keras_layer: keras.layers.Layer) -> list[_Mismatch]:
    """Where a Keras layer's activations and flags leave the standard
    equations.

    The one inspection of a Keras layer's configuration: :func:`copy_to_keras`
    and :func:`from_keras_layer` refuse a layer with any mismatch (the scratch
    layers compute the standard equations only),
    and :func:`lstmbook.keras_side.cudnn.cudnn_compatible` reports them
    (cuDNN's fused kernels compute the standard equations only).

    Checked, with the Keras defaults as the standard:

    - ``Dense``: ``activation`` linear, ``use_bias=True``;
    - ``LSTM``, ``GRU``, ``SimpleRNN`` (any layer whose ``cell`` has these
      settings): ``activation`` tanh, ``recurrent_activation`` sigmoid (not in
      ``SimpleRNN``), ``use_bias=True``, and for the GRU ``reset_after=True``.
      An activation passes only as one of the function objects in
      ``_KERAS_ACTIVATIONS``.

    A layer with none of these settings (``RNN(PeepholeLSTMCell(...))``,
    ``Masking``...) has no mismatch. What is not a setting of the equations
    (``go_backwards``, ``unroll``, dropout) is left to the callers.

    Returns:
        The mismatches in the order above, empty when the layer computes the
        standard equations.
    """
    if isinstance(keras_layer, keras.layers.Dense):
        owner, standard = keras_layer, {"activation": "linear"}
    else:
        owner = getattr(keras_layer, "cell", None)
        standard = {"activation": "tanh", "recurrent_activation": "sigmoid"}
        if owner is None or not hasattr(owner, "activation"):
            return []
    mismatches = []
    for setting, name in standard.items():
        fn = getattr(owner, setting, None)
        if fn is not None and not any(
            fn is keras_fn for keras_fn in _KERAS_ACTIVATIONS[name]
        ):
            mismatches.append(_Mismatch(setting, name, _function_name(fn)))
    for flag in ("use_bias", "reset_after"):
        if not getattr(owner, flag, True):
            mismatches.append(_Mismatch(flag, True, False))
    return mismatches


def _expected(mismatch: _Mismatch) -> str:
    """``mismatch`` as ``"<what the scratch layers compute>, got <what the
    layer has>"``."""
    setting, expected, got = mismatch
    if isinstance(expected, bool):
        return f"{setting}={expected}, got {setting}={got}"
    if got == expected:
        got = f"a function named {got} that is not Keras's"
    if expected == "linear":
        expected += " (the scratch Dense outputs logits;"
        expected += " the softmax belongs in the loss)"
    return f"{setting} {expected}, got {got}"


def _config_mismatches(keras_layer: keras.layers.Layer) -> list[str]:
    """What in a Keras layer's configuration the scratch layers do not compute,
    in words."""
    problems = [
        _expected(mismatch) for mismatch in _equation_mismatches(keras_layer)
    ]
    if getattr(keras_layer, "go_backwards", False):
        problems.append("go_backwards=False, got go_backwards=True")
    return problems


def _check_config(keras_layer: keras.layers.Layer) -> None:
    """Raise a ``ValueError`` listing every mismatch
    of :func:`_config_mismatches`."""
    problems = _config_mismatches(keras_layer)
    if problems:
        raise ValueError(
            f"the Keras layer {keras_layer.name!r} computes something the "
            "scratch layers do not: "
            "expected " + "; expected ".join(problems)
        )


def _check_twin(layer, keras_layer) -> None:
    expected = type(make_keras_layer(layer))
    if isinstance(keras_layer, keras.layers.RNN) and isinstance(
        getattr(keras_layer, "cell", None), PeepholeLSTMCell
    ):
        ok = isinstance(layer, LSTM) and layer.peepholes
        ok = ok and keras_layer.cell.output_peephole == layer.output_peephole
    else:
        ok = type(keras_layer) is expected and not (
            isinstance(layer, LSTM) and layer.peepholes
        )
    if not ok:
        raise ValueError(
            f"expected the Keras twin of {layer!r} ({expected.__name__}), "
            f"got {type(keras_layer).__name__}"
        )
    _check_config(keras_layer)


def copy_to_keras(layer, keras_layer) -> None:
    """Copy the weights of a scratch ``layer`` into a built Keras layer (in
    place).

    Raises:
        ValueError: the Keras layer is not the twin of ``layer``, is not built,
            or a weight has another shape.
    """
    _check_twin(layer, keras_layer)
    order = _param_order(layer)
    targets = keras_layer.weights
    if len(targets) != len(order):
        raise ValueError(
            f"expected a built Keras layer with {len(order)} weights "
            f"({', '.join(order)}), "
            f"got {len(targets)} (build it first, e.g. by calling it on an "
            "input)"
        )
    for name, target in zip(order, targets, strict=True):
        value = layer.params[name]
        if tuple(target.shape) != value.shape:
            raise ValueError(
                f"weight {name!r}: expected shape {tuple(target.shape)} in "
                "the Keras layer, "
                f"got {value.shape} in the scratch layer"
            )
        target.assign(value.astype(target.dtype))


def copy_from_keras(keras_layer, layer) -> None:
    """Copy the weights of a built Keras layer into the scratch ``layer`` (in
    place).

    The arrays are cast to the scratch layer's dtype and written into its
    existing ``params`` arrays, so optimizers holding them keep working.
    """
    _check_twin(layer, keras_layer)
    order = _param_order(layer)
    values = keras_layer.get_weights()
    if len(values) != len(order):
        raise ValueError(
            f"expected a Keras layer with {len(order)} weights "
            f"({', '.join(order)}), "
            f"got {len(values)}"
        )
    for name, value in zip(order, values, strict=True):
        param = layer.params[name]
        if value.shape != param.shape:
            raise ValueError(
                f"weight {name!r}: expected shape {param.shape} in the "
                "scratch layer, "
                f"got {value.shape} in the Keras layer"
            )
        param[...] = value


def to_keras_layer(
    layer, return_sequences: bool = True, name: str | None = None
):
    """A built Keras layer holding a copy of the scratch ``layer``'s
    weights."""
    keras_layer = make_keras_layer(
        layer, return_sequences=return_sequences, name=name
    )
    if isinstance(layer, Dense):
        keras_layer.build((None, layer.in_features))
    else:
        keras_layer.build((None, None, layer.input_size))
    copy_to_keras(layer, keras_layer)
    return keras_layer


def from_keras_layer(
    keras_layer: keras.layers.Layer, dtype: object = np.float32
):
    """A scratch layer holding a copy of a built Keras layer's weights.

    Supports ``keras.layers.LSTM``, ``GRU`` (``reset_after=True``),
    ``SimpleRNN``, ``Dense`` and ``keras.layers.RNN(PeepholeLSTMCell(...))``,
    configured as the scratch layers compute (``tanh`` / ``sigmoid``
    activations, biases, forward in time; a linear ``Dense``).

    Raises:
        ValueError: another layer type, an unbuilt layer, or a configuration
            the scratch layers do not compute (e.g. ``activation="relu"``,
            ``Dense(activation="softmax")``).
    """
    cell = getattr(keras_layer, "cell", None)
    supported = isinstance(
        keras_layer,
        (
            keras.layers.Dense,
            keras.layers.LSTM,
            keras.layers.GRU,
            keras.layers.SimpleRNN,
        ),
    ) or (
        isinstance(keras_layer, keras.layers.RNN)
        and isinstance(cell, PeepholeLSTMCell)
    )
    if not supported:
        inner = f"({type(cell).__name__})" if cell is not None else ""
        raise ValueError(
            "expected a Keras LSTM, GRU, SimpleRNN, Dense or "
            "RNN(PeepholeLSTMCell) layer, "
            f"got {type(keras_layer).__name__}{inner}"
        )
    _check_config(keras_layer)
    values = keras_layer.get_weights()
    if not values:
        raise ValueError(
            "expected a built Keras layer, got an unbuilt "
            f"{type(keras_layer).__name__}"
        )
    input_size = values[0].shape[0]
    if isinstance(keras_layer, keras.layers.Dense):
        layer = Dense(input_size, values[0].shape[1], dtype=dtype)
    elif isinstance(cell, PeepholeLSTMCell):
        layer = LSTM(
            input_size,
            cell.units,
            peepholes=True,
            output_peephole=cell.output_peephole,
            dtype=dtype,
        )
    elif isinstance(keras_layer, keras.layers.LSTM):
        layer = LSTM(input_size, keras_layer.units, dtype=dtype)
    elif isinstance(keras_layer, keras.layers.GRU):
        layer = GRU(input_size, keras_layer.units, dtype=dtype)
    else:
        layer = SimpleRNN(input_size, keras_layer.units, dtype=dtype)
    copy_from_keras(keras_layer, layer)
    return layer


def to_keras(model: Sequential) -> keras.Sequential:
    """The Keras twin of a scratch :class:`~lstmbook.scratch.Sequential`,
    weights copied.

    Every recurrent layer but the last returns sequences; the last does so
    when ``model.return_sequences`` is set, and the ``Dense`` head is then
    applied at every step, exactly as in the scratch model. The Keras model
    is not compiled.
    """
    if not isinstance(model, Sequential):
        raise ValueError(
            "expected an lstmbook.scratch.Sequential, got "
            f"{type(model).__name__}"
        )
    layers = [keras.Input(shape=(None, model.recurrent[0].input_size))]
    last = len(model.recurrent) - 1
    for k, layer in enumerate(model.recurrent):
        layers.append(
            make_keras_layer(
                layer, return_sequences=k < last or model.return_sequences
            )
        )
    layers.append(make_keras_layer(model.head))
    keras_model = keras.Sequential(layers)
    for layer, keras_layer in zip(
        model.layers, keras_model.layers, strict=True
    ):
        copy_to_keras(layer, keras_layer)
    return keras_model


def from_keras(
    keras_model: keras.Sequential,
    dtype: object = np.float32,
    **sequential_kwargs,
) -> Sequential:
    """The scratch twin of a Keras ``Sequential`` of recurrent layers and one
    ``Dense`` head.

    Args:
        keras_model: a built ``keras.Sequential``: recurrent layers (all but
            the last with ``return_sequences=True``), then a ``Dense`` layer.
        dtype: dtype of the scratch layers.
        **sequential_kwargs: ``loss``, ``optimizer``, ``clip_norm`` for the
            scratch model.
    """
    layers = list(keras_model.layers)
    if len(layers) < 2 or not isinstance(layers[-1], keras.layers.Dense):
        raise ValueError(
            "expected a keras.Sequential of recurrent layers followed by one "
            "Dense layer, "
            f"got layers {[type(layer).__name__ for layer in layers]}"
        )
    recurrent_keras = layers[:-1]
    for layer in recurrent_keras[:-1]:
        if not getattr(layer, "return_sequences", False):
            raise ValueError(
                "expected every recurrent layer below the top to return "
                "sequences, "
                f"got return_sequences=False in {layer.name!r}"
            )
    recurrent = [
        from_keras_layer(layer, dtype=dtype) for layer in recurrent_keras
    ]
    head = from_keras_layer(layers[-1], dtype=dtype)
    return Sequential(
        recurrent,
        head=head,
        return_sequences=bool(recurrent_keras[-1].return_sequences),
        **sequential_kwargs,
    )
