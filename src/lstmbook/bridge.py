"""Exact weight copies between ``lstmbook.scratch`` layers and their Keras 3 twins.

The from-scratch layers store their weights in the Keras layout, so a copy is a plain
``set_weights`` / ``get_weights`` in the right order; what this module adds is the order, the
shape checks (a ``ValueError`` naming the expected and the received shape), the dtype handling
and the wiring of whole stacked models.

=========================  =====================================  ==========================
scratch layer              Keras twin                             weights, in order
=========================  =====================================  ==========================
``LSTM``                   ``keras.layers.LSTM(H)``               ``W, U, b``
``LSTM(peepholes=True)``   ``RNN(PeepholeLSTMCell(H, ...))``      ``W, U, b, p_i, p_f, p_o``
``GRU``                    ``keras.layers.GRU(H)`` (reset_after)  ``W, U, b`` (``b`` is 2x3H)
``SimpleRNN``              ``keras.layers.SimpleRNN(H)``          ``W, U, b``
``Dense``                  ``keras.layers.Dense(out)``            ``W, b``
``Sequential``             ``keras.Sequential``                   the layers above in order
=========================  =====================================  ==========================
"""

from __future__ import annotations

import keras
import numpy as np

from lstmbook.peephole import PeepholeLSTMCell
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


def make_keras_layer(layer, return_sequences: bool = True, name: str | None = None):
    """An unbuilt Keras layer with the same architecture as the scratch ``layer``.

    Args:
        layer: an ``lstmbook.scratch`` ``LSTM``, ``GRU``, ``SimpleRNN`` or ``Dense``.
        return_sequences: for recurrent layers, return ``(batch, time, H)`` (True) or the last
            step ``(batch, H)``.
        name: the Keras layer name.
    """
    _param_order(layer)
    if isinstance(layer, Dense):
        return keras.layers.Dense(layer.out_features, name=name)
    units = layer.hidden_size
    if isinstance(layer, LSTM) and layer.peepholes:
        cell = PeepholeLSTMCell(units, output_peephole=layer.output_peephole)
        return keras.layers.RNN(cell, return_sequences=return_sequences, name=name)
    if isinstance(layer, LSTM):
        return keras.layers.LSTM(units, return_sequences=return_sequences, name=name)
    if isinstance(layer, GRU):
        return keras.layers.GRU(units, return_sequences=return_sequences, name=name)
    return keras.layers.SimpleRNN(units, return_sequences=return_sequences, name=name)


def _check_twin(layer, keras_layer) -> None:
    expected = type(make_keras_layer(layer))
    if isinstance(keras_layer, keras.layers.RNN) and isinstance(
        getattr(keras_layer, "cell", None), PeepholeLSTMCell
    ):
        ok = isinstance(layer, LSTM) and layer.peepholes
        ok = ok and keras_layer.cell.output_peephole == layer.output_peephole
    else:
        ok = type(keras_layer) is expected and not (isinstance(layer, LSTM) and layer.peepholes)
    if isinstance(keras_layer, keras.layers.GRU) and not keras_layer.cell.reset_after:
        raise ValueError("expected a keras GRU with reset_after=True, got reset_after=False")
    if not ok:
        raise ValueError(
            f"expected the Keras twin of {layer!r} ({expected.__name__}), "
            f"got {type(keras_layer).__name__}"
        )


def copy_to_keras(layer, keras_layer) -> None:
    """Copy the weights of a scratch ``layer`` into a built Keras layer (in place).

    Raises:
        ValueError: the Keras layer is not the twin of ``layer``, is not built, or a weight has
            another shape.
    """
    _check_twin(layer, keras_layer)
    order = _param_order(layer)
    targets = keras_layer.weights
    if len(targets) != len(order):
        raise ValueError(
            f"expected a built Keras layer with {len(order)} weights ({', '.join(order)}), "
            f"got {len(targets)} (build it first, e.g. by calling it on an input)"
        )
    for name, target in zip(order, targets, strict=True):
        value = layer.params[name]
        if tuple(target.shape) != value.shape:
            raise ValueError(
                f"weight {name!r}: expected shape {tuple(target.shape)} in the Keras layer, "
                f"got {value.shape} in the scratch layer"
            )
        target.assign(value.astype(target.dtype))


def copy_from_keras(keras_layer, layer) -> None:
    """Copy the weights of a built Keras layer into the scratch ``layer`` (in place).

    The arrays are cast to the scratch layer's dtype and written into its existing ``params``
    arrays, so optimizers holding them keep working.
    """
    _check_twin(layer, keras_layer)
    order = _param_order(layer)
    values = keras_layer.get_weights()
    if len(values) != len(order):
        raise ValueError(
            f"expected a Keras layer with {len(order)} weights ({', '.join(order)}), "
            f"got {len(values)}"
        )
    for name, value in zip(order, values, strict=True):
        param = layer.params[name]
        if value.shape != param.shape:
            raise ValueError(
                f"weight {name!r}: expected shape {param.shape} in the scratch layer, "
                f"got {value.shape} in the Keras layer"
            )
        param[...] = value


def to_keras_layer(layer, return_sequences: bool = True, name: str | None = None):
    """A built Keras layer holding a copy of the scratch ``layer``'s weights."""
    keras_layer = make_keras_layer(layer, return_sequences=return_sequences, name=name)
    if isinstance(layer, Dense):
        keras_layer.build((None, layer.in_features))
    else:
        keras_layer.build((None, None, layer.input_size))
    copy_to_keras(layer, keras_layer)
    return keras_layer


def from_keras_layer(keras_layer, dtype: object = np.float32):
    """A scratch layer holding a copy of a built Keras layer's weights.

    Supports ``keras.layers.LSTM``, ``GRU`` (``reset_after=True``), ``SimpleRNN``, ``Dense`` and
    ``keras.layers.RNN(PeepholeLSTMCell(...))``.
    """
    values = keras_layer.get_weights()
    if not values:
        raise ValueError(
            f"expected a built Keras layer, got an unbuilt {type(keras_layer).__name__}"
        )
    cell = getattr(keras_layer, "cell", None)
    if isinstance(keras_layer, keras.layers.Dense):
        layer = Dense(values[0].shape[0], values[0].shape[1], dtype=dtype)
    elif isinstance(cell, PeepholeLSTMCell):
        layer = LSTM(
            values[0].shape[0],
            cell.units,
            peepholes=True,
            output_peephole=cell.output_peephole,
            dtype=dtype,
        )
    elif isinstance(keras_layer, keras.layers.LSTM):
        layer = LSTM(values[0].shape[0], keras_layer.units, dtype=dtype)
    elif isinstance(keras_layer, keras.layers.GRU):
        layer = GRU(values[0].shape[0], keras_layer.units, dtype=dtype)
    elif isinstance(keras_layer, keras.layers.SimpleRNN):
        layer = SimpleRNN(values[0].shape[0], keras_layer.units, dtype=dtype)
    else:
        raise ValueError(
            "expected a Keras LSTM, GRU, SimpleRNN, Dense or RNN(PeepholeLSTMCell) layer, "
            f"got {type(keras_layer).__name__}"
        )
    copy_from_keras(keras_layer, layer)
    return layer


def to_keras(model: Sequential) -> keras.Sequential:
    """The Keras twin of a scratch :class:`~lstmbook.scratch.Sequential`, weights copied.

    Every recurrent layer but the last returns sequences; the last does so when
    ``model.return_sequences`` is set, and the ``Dense`` head is then applied at every step,
    exactly as in the scratch model. The Keras model is not compiled.
    """
    if not isinstance(model, Sequential):
        raise ValueError(f"expected an lstmbook.scratch.Sequential, got {type(model).__name__}")
    layers = [keras.Input(shape=(None, model.recurrent[0].input_size))]
    last = len(model.recurrent) - 1
    for k, layer in enumerate(model.recurrent):
        layers.append(make_keras_layer(layer, return_sequences=k < last or model.return_sequences))
    layers.append(make_keras_layer(model.head))
    keras_model = keras.Sequential(layers)
    for layer, keras_layer in zip(model.layers, keras_model.layers, strict=True):
        copy_to_keras(layer, keras_layer)
    return keras_model


def from_keras(
    keras_model: keras.Sequential, dtype: object = np.float32, **sequential_kwargs
) -> Sequential:
    """The scratch twin of a Keras ``Sequential`` of recurrent layers and one ``Dense`` head.

    Args:
        keras_model: a built ``keras.Sequential``: recurrent layers (all but the last with
            ``return_sequences=True``), then a ``Dense`` layer.
        dtype: dtype of the scratch layers.
        **sequential_kwargs: ``loss``, ``optimizer``, ``clip_norm`` for the scratch model.
    """
    layers = list(keras_model.layers)
    if len(layers) < 2 or not isinstance(layers[-1], keras.layers.Dense):
        raise ValueError(
            "expected a keras.Sequential of recurrent layers followed by one Dense layer, "
            f"got layers {[type(layer).__name__ for layer in layers]}"
        )
    recurrent_keras = layers[:-1]
    for layer in recurrent_keras[:-1]:
        if not getattr(layer, "return_sequences", False):
            raise ValueError(
                f"expected every recurrent layer below the top to return sequences, "
                f"got return_sequences=False in {layer.name!r}"
            )
    recurrent = [from_keras_layer(layer, dtype=dtype) for layer in recurrent_keras]
    head = from_keras_layer(layers[-1], dtype=dtype)
    return Sequential(
        recurrent,
        head=head,
        return_sequences=bool(recurrent_keras[-1].return_sequences),
        **sequential_kwargs,
    )
