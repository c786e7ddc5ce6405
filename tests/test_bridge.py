"""The NumPy <-> Keras bridge is exact: outputs, gradients, round trips, masking, parameter counts."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from lstmbook.keras_side.bridge import (
    copy_from_keras,
    copy_to_keras,
    from_keras,
    from_keras_layer,
    make_keras_layer,
    to_keras,
    to_keras_layer,
)
from lstmbook.scratch import GRU, LSTM, Dense, Sequential, SimpleRNN
from lstmbook.scratch.params import (
    gru_param_count,
    lstm_param_count,
    simple_rnn_param_count,
)

KINDS = ["lstm", "peephole-current", "peephole-previous", "gru", "rnn"]


def _layer(kind, x_size, h_size, seed=0, dtype=np.float32):
    if kind == "lstm":
        layer = LSTM(x_size, h_size, seed=seed, dtype=dtype)
    elif kind.startswith("peephole"):
        variant = kind.split("-")[1]
        layer = LSTM(
            x_size, h_size, peepholes=True, output_peephole=variant, seed=seed, dtype=dtype
        )
    elif kind == "gru":
        layer = GRU(x_size, h_size, seed=seed, dtype=dtype)
    else:
        layer = SimpleRNN(x_size, h_size, seed=seed, dtype=dtype)
    # random weights everywhere (biases and peepholes included), not just the initialisation
    rng = np.random.default_rng(seed + 1)
    for value in layer.params.values():
        value[...] = rng.normal(0.0, 0.4, value.shape)
    return layer


def _inputs(batch, steps, x_size, dtype=np.float32, seed=7):
    return np.random.default_rng(seed).normal(size=(batch, steps, x_size)).astype(dtype)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("batch", "steps", "x_size", "h_size"), [(4, 9, 3, 6), (1, 1, 1, 1)])
def test_outputs_agree_float32(kind, batch, steps, x_size, h_size):
    layer = _layer(kind, x_size, h_size, seed=batch * 10 + steps)
    x = _inputs(batch, steps, x_size)
    expected, _ = layer.forward(x)
    got = np.asarray(to_keras_layer(layer, return_sequences=True)(x))
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("kind", KINDS)
def test_outputs_agree_float64(kind, keras_float64):
    layer = _layer(kind, 3, 5, seed=3, dtype=np.float64)
    x = _inputs(2, 11, 3, dtype=np.float64)
    expected, _ = layer.forward(x)
    keras_layer = to_keras_layer(layer, return_sequences=True)
    assert keras_layer.weights[0].dtype == "float64"
    got = np.asarray(keras_layer(x))
    np.testing.assert_allclose(got, expected, atol=1e-10, rtol=0)


@pytest.mark.parametrize("kind", KINDS)
def test_gradients_agree_with_gradient_tape(kind):
    layer = _layer(kind, 3, 4, seed=5)
    x = _inputs(3, 6, 3)
    dhs = np.random.default_rng(11).normal(size=(3, 6, 4)).astype(np.float32)
    _, cache = layer.forward(x)
    dx_np, grads_np = layer.backward(dhs, cache)
    keras_layer = to_keras_layer(layer, return_sequences=True)
    x_tf = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x_tf)
        loss = tf.reduce_sum(keras_layer(x_tf) * dhs)  # so that d loss / d hs = dhs
    grads_tf = tape.gradient(loss, [x_tf, *keras_layer.weights])
    names = [name for name in ("W", "U", "b", "p_i", "p_f", "p_o") if name in layer.params]
    np.testing.assert_allclose(grads_tf[0].numpy(), dx_np, atol=1e-4)
    for name, grad in zip(names, grads_tf[1:], strict=True):
        np.testing.assert_allclose(grad.numpy(), grads_np[name], atol=1e-4, err_msg=name)


@pytest.mark.parametrize("kind", [*KINDS, "dense"])
def test_round_trip_returns_identical_arrays(kind):
    layer = Dense(4, 3, seed=2) if kind == "dense" else _layer(kind, 4, 3, seed=2)
    if kind == "dense":
        layer.params["b"][...] = np.arange(3)
    back = from_keras_layer(to_keras_layer(layer))
    assert type(back) is type(layer)
    assert back.params.keys() == layer.params.keys()
    for name, value in layer.params.items():
        np.testing.assert_array_equal(back.params[name], value)


def test_copy_from_keras_writes_in_place():
    layer = _layer("lstm", 3, 4, seed=1)
    keras_layer = keras.layers.LSTM(4)
    keras_layer.build((None, None, 3))
    before = layer.params["U"]
    copy_from_keras(keras_layer, layer)
    assert layer.params["U"] is before
    np.testing.assert_array_equal(layer.params["U"], keras_layer.get_weights()[1])


@pytest.mark.parametrize("return_sequences", [False, True])
def test_stacked_model_both_directions(return_sequences):
    model = Sequential(
        [
            _layer("lstm", 3, 5, seed=1),
            _layer("gru", 5, 4, seed=2),
            _layer("peephole-current", 4, 6, seed=3),
        ],
        head=Dense(6, 2, seed=4),
        return_sequences=return_sequences,
        loss="mse",
    )
    x = _inputs(5, 7, 3)
    expected = model.predict(x)
    keras_model = to_keras(model)
    np.testing.assert_allclose(np.asarray(keras_model(x)), expected, atol=1e-5)
    back = from_keras(keras_model, loss="mse")
    assert back.return_sequences == return_sequences
    np.testing.assert_array_equal(back.predict(x), expected)
    for old, new in zip(model.layers, back.layers, strict=True):
        for name in old.params:
            np.testing.assert_array_equal(new.params[name], old.params[name])


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_masking_final_state_equals_numpy_on_the_unmasked_prefix(kind):
    layer = _layer(kind, 3, 4, seed=9)
    x = _inputs(3, 10, 3, seed=8)
    lengths = [10, 6, 2]
    for row, n in enumerate(lengths):
        x[row, n:] = 0.0  # right padding
    keras_layer = make_keras_layer(layer, return_sequences=False)
    keras_layer.return_state = True
    inputs = keras.Input(shape=(10, 3))
    outputs = keras_layer(keras.layers.Masking(0.0)(inputs))
    model = keras.Model(inputs, outputs[1:])  # the final state: h, or [h, c]
    copy_to_keras(layer, keras_layer)
    states = model(x)
    final = [np.asarray(state) for state in (states if kind == "lstm" else [states])]
    for row, n in enumerate(lengths):
        _, cache = layer.forward(x[row : row + 1, :n])
        expected = cache.final_state if kind == "lstm" else (cache.final_state,)
        assert len(final) == len(expected)
        for got, want in zip(final, expected, strict=True):
            np.testing.assert_allclose(got[row], want[0], atol=1e-5)


@pytest.mark.parametrize(("x_size", "h_size"), [(1, 1), (3, 8), (16, 32)])
def test_count_params_closed_forms(x_size, h_size):
    built = {
        kind: to_keras_layer(_layer(kind, x_size, h_size))
        for kind in ("lstm", "peephole-current", "gru", "rnn")
    }
    assert built["lstm"].count_params() == 4 * (h_size * (x_size + h_size) + h_size)
    assert built["lstm"].count_params() == lstm_param_count(x_size, h_size)
    assert (
        built["peephole-current"].count_params()
        == 4 * (h_size * (x_size + h_size) + h_size) + 3 * h_size
    )
    assert built["gru"].count_params() == 3 * (h_size * (x_size + h_size) + 2 * h_size)
    assert built["gru"].count_params() == gru_param_count(x_size, h_size)
    assert built["rnn"].count_params() == simple_rnn_param_count(x_size, h_size)


def test_mismatches_raise_value_errors():
    lstm = _layer("lstm", 3, 4)
    wrong_units = keras.layers.LSTM(5)
    wrong_units.build((None, None, 3))
    with pytest.raises(ValueError, match=r"expected shape .* got"):
        copy_to_keras(lstm, wrong_units)
    with pytest.raises(ValueError, match="expected the Keras twin"):
        copy_to_keras(lstm, to_keras_layer(_layer("gru", 3, 4)))
    with pytest.raises(ValueError, match="expected the Keras twin"):
        copy_to_keras(
            _layer("peephole-current", 3, 4), to_keras_layer(_layer("peephole-previous", 3, 4))
        )
    unbuilt = keras.layers.LSTM(4)
    with pytest.raises(ValueError, match="built"):
        copy_to_keras(lstm, unbuilt)
    gru_before = keras.layers.GRU(4, reset_after=False)
    gru_before.build((None, None, 3))
    with pytest.raises(ValueError, match="expected reset_after=True, got reset_after=False"):
        copy_to_keras(_layer("gru", 3, 4), gru_before)
    with pytest.raises(ValueError, match="expected an lstmbook.scratch"):
        to_keras_layer(object())
    with pytest.raises(ValueError, match="Sequential"):
        to_keras(lstm)


def _look_alike_tanh(x):
    return keras.ops.tanh(x)


_look_alike_tanh.__name__ = "tanh"  # same name as Keras's tanh, another function object


@pytest.mark.parametrize(
    ("keras_layer", "message"),
    [
        (keras.layers.LSTM(4, activation="relu"), "expected activation tanh, got relu"),
        (
            keras.layers.LSTM(4, recurrent_activation="hard_sigmoid"),
            "expected recurrent_activation sigmoid, got hard_sigmoid",
        ),
        (keras.layers.GRU(4, use_bias=False), "expected use_bias=True"),
        (keras.layers.GRU(4, reset_after=False), "expected reset_after=True"),
        (keras.layers.SimpleRNN(4, go_backwards=True), "expected go_backwards=False"),
        (keras.layers.Dense(4, activation="softmax"), "expected activation linear .*, got softmax"),
        (
            keras.layers.LSTM(4, activation=lambda x: keras.ops.tanh(x), use_bias=False),
            "expected activation tanh, got <lambda>; expected use_bias=True",
        ),
        (
            keras.layers.SimpleRNN(4, activation=_look_alike_tanh),
            "got a function named tanh that is not Keras's",
        ),
        (keras.layers.Masking(0.0), "expected a Keras LSTM, GRU, SimpleRNN, Dense"),
    ],
)
def test_keras_layers_the_scratch_layers_do_not_compute_are_refused(keras_layer, message):
    keras_layer.build((None, None, 3))
    with pytest.raises(ValueError, match=message):
        from_keras_layer(keras_layer)


def test_copy_into_a_differently_configured_keras_layer_is_refused():
    keras_layer = keras.layers.LSTM(4, recurrent_activation="hard_sigmoid")
    keras_layer.build((None, None, 3))
    with pytest.raises(ValueError, match="recurrent_activation sigmoid"):
        copy_to_keras(_layer("lstm", 3, 4), keras_layer)


def test_the_articles_softmax_head_is_refused():
    from lstmbook.chapters.article import build_lstm_model

    with pytest.raises(ValueError, match="softmax belongs in the loss"):
        from_keras(build_lstm_model((5, 2), 3, 4))
