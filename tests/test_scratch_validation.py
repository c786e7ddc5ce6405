"""Bad input fails early with a ValueError that names what was expected and what was received."""

import warnings

import numpy as np
import pytest

from lstmbook.scratch import (
    GRU,
    LSTM,
    SGD,
    Adam,
    Dense,
    RMSprop,
    Sequential,
    SimpleRNN,
    clip_by_global_norm,
    mse_loss,
    sigmoid,
    softmax_cross_entropy,
)

RECURRENT = [LSTM, GRU, SimpleRNN]


def _layer(kind, **kw):
    return kind(3, 4, seed=0, **kw)


def _ok_input(batch=2, steps=5):
    return np.random.default_rng(0).normal(size=(batch, steps, 3)).astype(np.float32)


@pytest.mark.parametrize("kind", RECURRENT)
def test_wrong_rank(kind):
    with pytest.raises(ValueError, match=r"3-D \(batch, time, features\).*got 2-D .*\(5, 3\)"):
        _layer(kind).forward(np.zeros((5, 3)))


@pytest.mark.parametrize("kind", RECURRENT)
def test_wrong_feature_size(kind):
    with pytest.raises(ValueError, match=r"\(any, any, 3\).*got shape \(2, 5, 7\)"):
        _layer(kind).forward(np.zeros((2, 5, 7)))


@pytest.mark.parametrize("kind", RECURRENT)
def test_empty_time_axis(kind):
    with pytest.raises(ValueError, match=r"no empty axis.*\(2, 0, 3\)"):
        _layer(kind).forward(np.zeros((2, 0, 3)))


@pytest.mark.parametrize("kind", RECURRENT)
@pytest.mark.parametrize(
    "bad",
    [
        np.full((2, 5, 3), "a"),
        np.zeros((2, 5, 3), dtype=bool),
        np.zeros((2, 5, 3), dtype=complex),
        np.empty((2, 5, 3), dtype=object),
    ],
    ids=["str", "bool", "complex", "object"],
)
def test_non_numeric_dtype(kind, bad):
    with pytest.raises(ValueError, match=rf"real numbers.*got dtype {bad.dtype}"):
        _layer(kind).forward(bad)


@pytest.mark.parametrize("kind", RECURRENT)
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_input(kind, value):
    x = _ok_input()
    x[1, 2, 0] = value
    with pytest.raises(
        ValueError, match=r"x must be finite, got 1 NaN/inf value\(s\).*\(1, 2, 0\)"
    ):
        _layer(kind).forward(x)


@pytest.mark.parametrize("kind", RECURRENT)
def test_non_finite_upstream_gradient(kind):
    layer = _layer(kind)
    hs, cache = layer.forward(_ok_input())
    dhs = np.zeros(hs.shape)
    dhs[0, -1, 1] = np.nan
    with pytest.raises(ValueError, match=r"dhs must be finite.*\(0, 4, 1\)"):
        layer.backward(dhs, cache)


@pytest.mark.parametrize("kind", RECURRENT)
def test_wrong_upstream_gradient_shape(kind):
    layer = _layer(kind)
    _, cache = layer.forward(_ok_input())
    with pytest.raises(
        ValueError, match=r"dhs must have shape .*\(2, 5, 4\).*got shape \(2, 4, 4\)"
    ):
        layer.backward(np.zeros((2, 4, 4)), cache)


def test_lstm_state_must_be_a_pair_of_the_right_shape():
    layer = _layer(LSTM)
    x = _ok_input()
    with pytest.raises(ValueError, match=r"pair \(h0, c0\).*ndarray"):
        layer.forward(x, state=np.zeros((2, 4)))
    with pytest.raises(
        ValueError, match=r"c0 must have shape \(batch, hidden\) = \(2, 4\).*\(2, 5\)"
    ):
        layer.forward(x, state=(np.zeros((2, 4)), np.zeros((2, 5))))
    with pytest.raises(ValueError, match=r"h0 must be finite"):
        layer.forward(x, state=(np.full((2, 4), np.nan), np.zeros((2, 4))))


@pytest.mark.parametrize("kind", [GRU, SimpleRNN])
def test_single_state_shape(kind):
    with pytest.raises(
        ValueError, match=r"h0 must have shape \(batch, hidden\) = \(2, 4\).*\(3, 4\)"
    ):
        _layer(kind).forward(_ok_input(), state=np.zeros((3, 4)))


def test_dense_input_checks():
    layer = Dense(3, 2)
    with pytest.raises(ValueError, match=r"2-D \(batch, features\) or 3-D.*features=3.*\(3,\)"):
        layer.forward(np.zeros(3))
    with pytest.raises(ValueError, match=r"\(any, 3\).*got shape \(4, 5\)"):
        layer.forward(np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"x must be finite"):
        layer.forward(np.array([[0.0, np.inf, 0.0]]))
    y, cache = layer.forward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"dy must be finite"):
        layer.backward(np.full(y.shape, np.nan), cache)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"hidden_size": 0}, r"hidden_size must be a positive integer, got 0"),
        ({"hidden_size": 2.5}, r"hidden_size must be a positive integer, got 2.5"),
        ({"dtype": np.int32}, r"dtype must be float32 or float64, got int32"),
        ({"dtype": np.float16}, r"dtype must be float32 or float64, got float16"),
        ({"output_peephole": "next"}, r"output_peephole must be one of .*'next'"),
    ],
)
def test_lstm_constructor_arguments(kwargs, message):
    args = {"input_size": 3, "hidden_size": 4, **kwargs}
    with pytest.raises(ValueError, match=message):
        LSTM(**args)


@pytest.mark.parametrize("kind", RECURRENT)
def test_other_precisions_are_cast_to_the_layer_dtype(kind):
    layer32 = _layer(kind)
    x64 = _ok_input().astype(np.float64)
    hs, _ = layer32.forward(x64)
    assert hs.dtype == np.float32
    np.testing.assert_array_equal(hs, layer32.forward(x64.astype(np.float32))[0])
    hs_int, _ = layer32.forward(np.ones((1, 2, 3), dtype=np.int64))
    assert hs_int.dtype == np.float32
    layer64 = kind(3, 4, seed=0, dtype=np.float64)
    assert layer64.forward(_ok_input())[0].dtype == np.float64


def test_sigmoid_does_not_overflow():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for dtype in (np.float32, np.float64):
            z = np.array([-1e4, -100.0, 0.0, 100.0, 1e4], dtype=dtype)
            s = sigmoid(z)
            assert s.dtype == dtype
            np.testing.assert_array_equal(s[[0, 2, 4]], [0.0, 0.5, 1.0])


@pytest.mark.parametrize(
    "make",
    [
        lambda: LSTM(1, 3),
        lambda: LSTM(1, 3, peepholes=True),
        lambda: LSTM(1, 3, peepholes=True, output_peephole="previous"),
        lambda: GRU(1, 3),
        lambda: SimpleRNN(1, 3),
    ],
    ids=["lstm", "peephole-current", "peephole-previous", "gru", "rnn"],
)
def test_saturated_gates_raise_no_warnings(make):
    """Pre-activations of +-1e4 reach the gates: no overflow warning, finite outputs."""
    layer = make()
    x = np.array([[[1e4], [-1e4], [1e4]], [[-1e4], [-1e4], [1e4]]], dtype=np.float32)
    layer.params["W"][...] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hs, cache = layer.forward(x)
        layer.backward(np.ones(hs.shape), cache)
    assert np.all(np.isfinite(hs))


@pytest.mark.parametrize("make", [lambda: SGD(0.1, 0.5), lambda: RMSprop(), lambda: Adam()])
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_optimizer_rejects_non_finite_gradients_and_changes_nothing(make, value):
    params = {"W": np.ones(3), "U": np.ones(2)}
    grads = {"W": np.ones(3), "U": np.array([0.0, value])}
    with pytest.raises(ValueError, match=r"gradient of parameter 'U' must be finite.*\(1,\)"):
        make().step(params, grads)
    np.testing.assert_array_equal(params["W"], np.ones(3))


def test_optimizer_names_missing_and_misshapen_gradients():
    params = {"W": np.ones((2, 3)), "b": np.ones(3)}
    with pytest.raises(ValueError, match=r"no entry for parameter 'b'.*\['W', 'b'\].*\['W'\]"):
        Adam().step(params, {"W": np.ones((2, 3))})
    with pytest.raises(ValueError, match=r"parameter 'W' must have shape \(2, 3\), got \(3, 2\)"):
        Adam().step(params, {"W": np.ones((3, 2)), "b": np.ones(3)})
    with pytest.raises(ValueError, match=r"parameter 'b' must hold real numbers.*<U1"):
        Adam().step(params, {"W": np.ones((2, 3)), "b": np.array(["a", "b", "c"])})


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SGD(lr=0), r"lr must lie in \(0.0, inf\), got 0"),
        (lambda: SGD(0.1, momentum=1.0), r"momentum must lie in \[0.0, 1.0\), got 1.0"),
        (lambda: Adam(beta2=-0.1), r"beta2 must lie in \[0.0, 1.0\)"),
        (lambda: RMSprop(eps=float("nan")), r"eps must lie in"),
    ],
)
def test_optimizer_hyperparameters(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_loss_inputs():
    with pytest.raises(ValueError, match=r"shape of pred \(2, 3\), got shape \(3, 2\)"):
        mse_loss(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"pred must be finite"):
        mse_loss(np.array([np.nan]), np.array([0.0]))
    with pytest.raises(ValueError, match=r"labels must be integers.*float64"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"labels must have shape \(2,\).*got shape \(2, 1\)"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([[0], [1]]))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\), got values from 0 to 3"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"logits must be \(batch, classes\)"):
        softmax_cross_entropy(np.zeros(3), np.array(0))


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, grad = softmax_cross_entropy(np.array([[1e4, -1e4, 0.0]]), np.array([1]))
    assert loss == pytest.approx(2e4)
    np.testing.assert_allclose(grad, [[1.0, -1.0, 0.0]], atol=1e-12)


def test_clip_arguments():
    with pytest.raises(ValueError, match=r"max_norm must be a finite number > 0, got 0"):
        clip_by_global_norm({"W": np.ones(2)}, 0)
    with pytest.raises(ValueError, match=r"global norm of inf"):
        clip_by_global_norm({"W": np.array([np.inf])}, 1.0)


def test_sequential_checks_the_stack():
    with pytest.raises(ValueError, match=r"layer 1 must have input_size 4 .*got 5"):
        Sequential([LSTM(3, 4), LSTM(5, 2)], head=Dense(2, 1))
    with pytest.raises(ValueError, match=r"head must have in_features 4 .*got 3"):
        Sequential([LSTM(3, 4)], head=Dense(3, 1))
    with pytest.raises(ValueError, match=r"loss must be one of .*'mae'"):
        Sequential([LSTM(3, 4)], head=Dense(4, 1), loss="mae")
    model = Sequential([LSTM(3, 4)], head=Dense(4, 2))
    with pytest.raises(ValueError, match=r"y must have one row per sample \(6\), got shape \(5,\)"):
        model.fit(np.zeros((6, 2, 3)), np.zeros(5, dtype=int), verbose=0)


def test_backward_needs_its_own_cache():
    _, gru_cache = GRU(3, 4).forward(_ok_input())
    with pytest.raises(
        ValueError, match=r"cache must be the LSTMCache returned by LSTM.forward, got GRUCache"
    ):
        LSTM(3, 4).backward(np.zeros((2, 5, 4)), gru_cache)
