"""Every backward pass of lstmbook.scratch against central differences in float64."""

import numpy as np
import pytest
from conftest import randomise_params

from lstmbook.scratch import (
    GRU,
    LSTM,
    Dense,
    Sequential,
    SimpleRNN,
    gradcheck,
    mse_loss,
    numeric_gradient,
    softmax_cross_entropy,
)

TOL = 1e-6
# (batch, time, features, hidden), including B = 1, T = 1 and H = 1
SHAPES = [(1, 1, 1, 1), (2, 5, 3, 4), (3, 4, 2, 1), (1, 6, 2, 3), (2, 1, 4, 2)]
LSTM_VARIANTS = [
    {},
    {"peepholes": True, "output_peephole": "current"},
    {"peepholes": True, "output_peephole": "previous"},
]


def _randomise(layer, rng):
    """Non-trivial values everywhere (zero peepholes or biases would hide their gradients)."""
    return randomise_params(layer, rng, scale=0.7)


def _make(kind, x, h, kw, rng):
    if kind == "lstm":
        layer = LSTM(x, h, dtype=np.float64, **kw)
    elif kind == "gru":
        layer = GRU(x, h, dtype=np.float64)
    else:
        layer = SimpleRNN(x, h, dtype=np.float64)
    return _randomise(layer, rng)


CASES = [("lstm", kw) for kw in LSTM_VARIANTS] + [("gru", {}), ("rnn", {})]


@pytest.mark.parametrize(("kind", "kw"), CASES, ids=lambda c: str(c))
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_recurrent_gradients(kind, kw, shape):
    b, t, x, h = shape
    rng = np.random.default_rng([CASES.index((kind, kw)), SHAPES.index(shape)])
    layer = _make(kind, x, h, kw, rng)
    errors = gradcheck(layer, rng.normal(size=(b, t, x)))
    assert set(errors) == set(layer.params) | {"dx"}
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize(("kind", "kw"), CASES, ids=lambda c: str(c))
@pytest.mark.parametrize("shape", [(2, 4, 3, 2), (1, 1, 2, 3)], ids=str)
def test_recurrent_gradients_with_initial_state(kind, kw, shape):
    b, t, x, h = shape
    rng = np.random.default_rng(7)
    layer = _make(kind, x, h, kw, rng)
    if kind == "lstm":
        state = (rng.normal(size=(b, h)), rng.normal(size=(b, h)))
        extra = {"h0", "c0"}
    else:
        state = rng.normal(size=(b, h))
        extra = {"h0"}
    errors = gradcheck(layer, rng.normal(size=(b, t, x)), state=state)
    assert set(errors) == set(layer.params) | {"dx"} | extra
    assert max(errors.values()) < TOL, errors


def test_lstm_gradients_elementwise():
    """Element by element too, so that a wrong small block cannot hide behind large ones."""
    rng = np.random.default_rng(3)
    layer = _randomise(LSTM(2, 3, peepholes=True, dtype=np.float64), rng)
    x = rng.normal(size=(2, 4, 2))
    weights = rng.normal(size=(2, 4, 3))
    hs, cache = layer.forward(x)
    dx, grads = layer.backward(weights, cache)

    def loss():
        return float(np.sum(layer.forward(x)[0] * weights))

    for name, param in layer.params.items():
        np.testing.assert_allclose(grads[name], numeric_gradient(loss, param), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(dx, numeric_gradient(loss, x), rtol=1e-6, atol=1e-9)


def test_lstm_gradient_of_u_vanishes_for_one_step_from_zero_state():
    """h_0 = 0, so U does not act on a single step: both gradients are exactly 0, error 0."""
    layer = LSTM(2, 3, dtype=np.float64)
    errors = gradcheck(layer, np.ones((1, 1, 2)))
    assert errors["U"] == 0.0
    assert max(errors.values()) < TOL


@pytest.mark.parametrize("rank", [2, 3])
def test_dense_gradients(rank):
    rng = np.random.default_rng(rank)
    layer = _randomise(Dense(3, 4, dtype=np.float64), rng)
    x = rng.normal(size=(2, 3) if rank == 2 else (2, 5, 3))
    errors = gradcheck(layer, x)
    assert set(errors) == {"W", "b", "dx"}
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("shape", [(1, 1), (4, 3), (2, 5, 3)])
def test_mse_gradient(shape):
    rng = np.random.default_rng(1)
    errors = gradcheck(mse_loss, rng.normal(size=shape), rng.normal(size=shape))
    assert errors["dx"] < TOL


@pytest.mark.parametrize("shape", [(1, 1), (4, 3), (2, 5, 3), (3, 1, 7)])
def test_softmax_cross_entropy_gradient(shape):
    rng = np.random.default_rng(2)
    logits = rng.normal(scale=3.0, size=shape)
    labels = rng.integers(0, shape[-1], size=shape[:-1])
    errors = gradcheck(softmax_cross_entropy, logits, labels)
    assert errors["dx"] < TOL


def test_softmax_cross_entropy_ignoring_a_class():
    """Positions labelled ignore_class get no gradient and leave the mean; the rest as without."""
    rng = np.random.default_rng(3)
    logits = rng.normal(scale=3.0, size=(3, 6, 4))
    labels = rng.integers(0, 4, size=(3, 6))
    labels[0, 4:] = labels[2, 2:] = -1
    errors = gradcheck(lambda z, y: softmax_cross_entropy(z, y, ignore_class=-1), logits, labels)
    assert errors["dx"] < TOL
    loss, grad = softmax_cross_entropy(logits, labels, ignore_class=-1)
    kept = labels != -1
    expected, _ = softmax_cross_entropy(logits[kept], labels[kept])
    assert loss == pytest.approx(expected, rel=1e-12)
    assert not grad[~kept].any()
    with pytest.raises(ValueError, match="nothing to learn"):
        softmax_cross_entropy(logits, np.full((3, 6), -1), ignore_class=-1)
    with pytest.raises(ValueError, match="other than ignore_class"):
        softmax_cross_entropy(logits, np.full((3, 6), -2), ignore_class=-1)


def test_sequential_evaluate_with_ignore_class_is_the_mean_over_labelled_steps():
    rng = np.random.default_rng(5)
    model = Sequential(
        [LSTM(2, 3, dtype=np.float64, seed=0)],
        head=Dense(3, 4, dtype=np.float64, seed=1),
        return_sequences=True,
        ignore_class=-1,
    )
    x = rng.normal(size=(5, 6, 2))
    labels = rng.integers(0, 4, size=(5, 6))
    labels[:, 4:] = -1
    labels[1] = -1  # a sequence with no target at all
    logits = model.predict(x)
    expected, _ = softmax_cross_entropy(logits, labels, ignore_class=-1)
    assert model.evaluate(x, labels, batch_size=2) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match="cross-entropy loss only"):
        Sequential([LSTM(2, 3)], head=Dense(3, 1), loss="mse", ignore_class=-1)


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("loss", ["sparse_categorical_crossentropy", "mse"])
def test_sequential_gradients_through_the_stack(return_sequences, loss):
    """The model's plumbing (stacking, last-step selection, head per step) is right too."""
    rng = np.random.default_rng(4)
    layers = [
        _randomise(LSTM(2, 3, dtype=np.float64, seed=0), rng),
        _randomise(GRU(3, 2, dtype=np.float64, seed=1), rng),
    ]
    head = _randomise(Dense(2, 3, dtype=np.float64, seed=2), rng)
    model = Sequential(layers, head=head, return_sequences=return_sequences, loss=loss)
    x = rng.normal(size=(2, 4, 2))
    out_shape = (2, 4, 3) if return_sequences else (2, 3)
    if loss == "mse":
        y = rng.normal(size=out_shape)
    else:
        y = rng.integers(0, 3, size=out_shape[:-1])
    _, grads = model.loss_and_grads(x, y)

    def value():
        return model.loss_and_grads(x, y)[0]

    for layer, layer_grads in zip(model.layers, grads, strict=True):
        for name, param in layer.params.items():
            numeric = numeric_gradient(value, param)
            np.testing.assert_allclose(layer_grads[name], numeric, rtol=1e-6, atol=1e-9)
