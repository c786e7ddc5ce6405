"""cudnn_compatible reports exactly the layer-side conditions of Keras's cuDNN path."""

import importlib

import keras
import pytest
import tensorflow as tf

from lstmbook.chapters.article import (
    build_sequence_classifier,
    build_sequence_regressor,
)
from lstmbook.keras_side.bridge import from_keras_layer
from lstmbook.keras_side.cudnn import cudnn_compatible
from lstmbook.keras_side.peephole import PeepholeLSTM


def test_defaults_are_compatible():
    for layer in (keras.layers.LSTM(4), keras.layers.GRU(4)):
        assert cudnn_compatible(layer) == (True, [])


@pytest.mark.parametrize(
    ("layer", "reason"),
    [
        (keras.layers.LSTM(4, activation="relu"), "activation is relu"),
        (keras.layers.LSTM(4, recurrent_activation="hard_sigmoid"), "recurrent_activation"),
        (keras.layers.LSTM(4, recurrent_dropout=0.2), "recurrent_dropout"),
        (keras.layers.LSTM(4, unroll=True), "unroll"),
        (keras.layers.GRU(4, use_bias=False), "use_bias"),
        (keras.layers.GRU(4, reset_after=False), "reset_after"),
        (keras.layers.LSTM(4, use_cudnn=False), "use_cudnn"),
        (PeepholeLSTM(4), "no cuDNN kernel"),
        (keras.layers.SimpleRNN(4), "no cuDNN kernel"),
        (keras.layers.Dense(4), "not an LSTM or GRU"),
    ],
)
def test_each_violated_condition_is_named(layer, reason):
    ok, reasons = cudnn_compatible(layer)
    assert not ok
    assert any(reason in r for r in reasons), reasons


def test_book_builders_take_the_cudnn_path_by_default():
    for model in (build_sequence_classifier((20, 3), 4), build_sequence_regressor((20, 3))):
        lstms = [layer for layer in model.layers if isinstance(layer, keras.layers.LSTM)]
        assert lstms and all(cudnn_compatible(layer)[0] for layer in lstms)


# the module, not the function of the same name that keras.src.backend.tensorflow exports
keras_tf_rnn = importlib.import_module("keras.src.backend.tensorflow.rnn")


def tanh(x):  # a look-alike: same name as Keras's tanh, but another function object
    return tf.tanh(x)


CONFIGS = [
    {},
    {"activation": "relu"},
    {"activation": tf.tanh},
    {"activation": keras.ops.tanh},
    {"activation": tanh},
    {"recurrent_activation": "hard_sigmoid"},
    {"recurrent_activation": tf.sigmoid},
    {"unroll": True},
    {"use_bias": False},
]


@pytest.mark.parametrize("kwargs", CONFIGS)
@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_agrees_with_the_keras_tensorflow_backend(kind, kwargs):
    """Our verdict on conditions 1, 2, 4, 5, 6 equals the predicate Keras itself evaluates."""
    if kind == "lstm":
        layer = keras.layers.LSTM(4, **kwargs)
        keras_says = keras_tf_rnn._do_lstm_arguments_support_cudnn(
            layer.cell.activation,
            layer.cell.recurrent_activation,
            layer.unroll,
            layer.cell.use_bias,
        )
    else:
        layer = keras.layers.GRU(4, **kwargs)
        keras_says = keras_tf_rnn._do_gru_arguments_support_cudnn(
            layer.cell.activation,
            layer.cell.recurrent_activation,
            layer.unroll,
            layer.cell.use_bias,
            layer.cell.reset_after,
        )
    assert cudnn_compatible(layer)[0] == bool(keras_says)


def test_a_function_merely_named_tanh_is_not_enough():
    ok, reasons = cudnn_compatible(keras.layers.LSTM(4, activation=tanh))
    assert not ok and reasons == ["activation is tanh, cuDNN needs Keras's tanh"]


EQUATION_CASES = [
    *((kind, kwargs) for kind in ("lstm", "gru") for kwargs in CONFIGS if "unroll" not in kwargs),
    ("gru", {"reset_after": False}),
]


@pytest.mark.parametrize(("kind", "kwargs"), EQUATION_CASES)
def test_the_bridge_refuses_exactly_the_equations_cudnn_refuses(kind, kwargs):
    """One inspection: activations, use_bias and reset_after decide both verdicts alike."""
    layer = (keras.layers.LSTM if kind == "lstm" else keras.layers.GRU)(4, **kwargs)
    layer.build((None, None, 3))
    try:
        from_keras_layer(layer)
        refused = False
    except ValueError:
        refused = True
    assert refused == (not cudnn_compatible(layer)[0])
