"""lstmbook.scratch computes what Keras computes, with the same weights (float32, 1e-5)."""

import os

import numpy as np
import pytest
from conftest import randomise_params

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from lstmbook.scratch import (  # noqa: E402
    GRU,
    LSTM,
    Dense,
    Sequential,
    SimpleRNN,
    mse_loss,
    softmax_cross_entropy,
)

keras.utils.set_random_seed(0)
tf.config.experimental.enable_op_determinism()
ATOL = 1e-5
SHAPES = [(1, 1, 1, 1), (4, 7, 3, 5), (2, 12, 6, 16)]  # (B, T, X, H)


def _randomise(layer, rng, scale=0.5):
    return randomise_params(layer, rng, scale)


def _keras_twin(layer, **kw):
    kind = {LSTM: keras.layers.LSTM, GRU: keras.layers.GRU, SimpleRNN: keras.layers.SimpleRNN}
    twin = kind[type(layer)](layer.hidden_size, return_sequences=True, **kw)
    twin.build((None, None, layer.input_size))
    twin.set_weights([layer.params["W"], layer.params["U"], layer.params["b"]])
    return twin


@pytest.mark.parametrize("kind", [LSTM, GRU, SimpleRNN])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_forward_equals_keras(kind, shape):
    b, t, x, h = shape
    rng = np.random.default_rng(b * 100 + t)
    layer = _randomise(kind(x, h, seed=1), rng)
    inputs = rng.normal(size=(b, t, x)).astype(np.float32)
    hs, _ = layer.forward(inputs)
    expected = np.asarray(_keras_twin(layer)(inputs))
    assert hs.shape == expected.shape == (b, t, h)
    np.testing.assert_allclose(hs, expected, atol=ATOL, rtol=0)


def test_fresh_initialisation_equals_keras_with_copied_weights():
    """No randomising: the layer as constructed (forget bias 1, orthogonal U) matches too."""
    rng = np.random.default_rng(0)
    layer = LSTM(4, 8, seed=3)
    inputs = rng.normal(size=(3, 10, 4)).astype(np.float32)
    np.testing.assert_allclose(
        layer.forward(inputs)[0], np.asarray(_keras_twin(layer)(inputs)), atol=ATOL, rtol=0
    )


def test_lstm_initial_and_final_state_equal_keras():
    rng = np.random.default_rng(5)
    layer = _randomise(LSTM(3, 4), rng)
    inputs = rng.normal(size=(2, 6, 3)).astype(np.float32)
    h0 = rng.normal(size=(2, 4)).astype(np.float32)
    c0 = rng.normal(size=(2, 4)).astype(np.float32)
    hs, cache = layer.forward(inputs, state=(h0, c0))
    twin = _keras_twin(layer, return_state=True)
    seq, h_last, c_last = (np.asarray(a) for a in twin(inputs, initial_state=[h0, c0]))
    np.testing.assert_allclose(hs, seq, atol=ATOL, rtol=0)
    np.testing.assert_allclose(cache.final_state[0], h_last, atol=ATOL, rtol=0)
    np.testing.assert_allclose(cache.final_state[1], c_last, atol=ATOL, rtol=0)


@pytest.mark.parametrize("kind", [GRU, SimpleRNN])
def test_single_state_layers_with_initial_state_equal_keras(kind):
    rng = np.random.default_rng(6)
    layer = _randomise(kind(3, 4), rng)
    inputs = rng.normal(size=(2, 5, 3)).astype(np.float32)
    h0 = rng.normal(size=(2, 4)).astype(np.float32)
    hs, cache = layer.forward(inputs, state=h0)
    expected = np.asarray(_keras_twin(layer)(inputs, initial_state=[h0]))
    np.testing.assert_allclose(hs, expected, atol=ATOL, rtol=0)
    np.testing.assert_allclose(cache.final_state, expected[:, -1], atol=ATOL, rtol=0)


def test_lstm_weight_gradients_equal_keras():
    """Backward against TensorFlow's automatic differentiation (float32, last-step MSE)."""
    rng = np.random.default_rng(8)
    layer = _randomise(LSTM(3, 6), rng)
    inputs = rng.normal(size=(4, 9, 3)).astype(np.float32)
    target = rng.normal(size=(4, 6)).astype(np.float32)
    hs, cache = layer.forward(inputs)
    loss, d_last = mse_loss(hs[:, -1], target)
    dhs = np.zeros(hs.shape, np.float32)
    dhs[:, -1] = d_last
    _, grads = layer.backward(dhs, cache)

    twin = keras.layers.LSTM(6)
    twin.build((None, None, 3))
    twin.set_weights([layer.params[k] for k in ("W", "U", "b")])
    with tf.GradientTape() as tape:
        tf_loss = tf.reduce_mean(tf.square(twin(inputs) - target))
    tf_grads = tape.gradient(tf_loss, twin.trainable_weights)
    assert loss == pytest.approx(float(tf_loss), rel=1e-5)
    for name, tf_grad in zip(("W", "U", "b"), tf_grads, strict=True):
        np.testing.assert_allclose(grads[name], tf_grad.numpy(), atol=1e-6, rtol=1e-4)


def test_dense_equals_keras_on_sequences():
    rng = np.random.default_rng(9)
    layer = _randomise(Dense(5, 3), rng)
    twin = keras.layers.Dense(3)
    twin.build((None, 5))
    twin.set_weights([layer.params["W"], layer.params["b"]])
    for shape in [(4, 5), (2, 6, 5)]:
        inputs = rng.normal(size=shape).astype(np.float32)
        np.testing.assert_allclose(layer.forward(inputs)[0], twin(inputs), atol=ATOL, rtol=0)


def test_losses_equal_keras():
    rng = np.random.default_rng(10)
    logits = rng.normal(scale=4.0, size=(3, 5, 7)).astype(np.float32)
    labels = rng.integers(0, 7, size=(3, 5))
    ours, _ = softmax_cross_entropy(logits, labels)
    theirs = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)
    assert ours == pytest.approx(float(theirs), rel=1e-5)
    labels[0, 3:] = labels[2, 1:] = -1  # padded steps: no target
    ours, _ = softmax_cross_entropy(logits, labels, ignore_class=-1)
    theirs = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)(
        labels, logits
    )
    assert ours == pytest.approx(float(theirs), rel=1e-5)
    pred = rng.normal(size=(4, 3)).astype(np.float32)
    target = rng.normal(size=(4, 3)).astype(np.float32)
    assert mse_loss(pred, target)[0] == pytest.approx(
        float(keras.losses.MeanSquaredError()(target, pred)), rel=1e-5
    )


@pytest.mark.parametrize("return_sequences", [False, True])
def test_sequential_predict_equals_keras_stack(return_sequences):
    """Stacking semantics: lower layers pass sequences, the last returns all steps or the last."""
    rng = np.random.default_rng(11)
    recurrent = [_randomise(LSTM(3, 5, seed=0), rng), _randomise(GRU(5, 4, seed=1), rng)]
    head = _randomise(Dense(4, 2, seed=2), rng)
    model = Sequential(recurrent, head=head, return_sequences=return_sequences, loss="mse")
    twin = keras.Sequential(
        [
            keras.Input((None, 3)),
            keras.layers.LSTM(5, return_sequences=True),
            keras.layers.GRU(4, return_sequences=return_sequences),
            keras.layers.Dense(2),
        ]
    )
    for ours, theirs in zip([*recurrent, head], twin.layers, strict=True):
        theirs.set_weights([ours.params[k] for k in ("W", "U", "b") if k in ours.params])
    inputs = rng.normal(size=(6, 8, 3)).astype(np.float32)
    expected = np.asarray(twin(inputs))
    got = model.predict(inputs, batch_size=4)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=ATOL, rtol=0)
