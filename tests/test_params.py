"""The closed-form parameter counts agree with what Keras builds."""

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
keras = pytest.importorskip("keras")

from lstmbook.scratch.params import (  # noqa: E402
    dense_param_count,
    gru_param_count,
    lstm_param_count,
    simple_rnn_param_count,
)

SHAPES = [(1, 1), (3, 5), (10, 128), (64, 7)]


def _built(layer, input_size):
    layer.build((None, None, input_size))
    return layer.count_params()


@pytest.mark.parametrize(("x", "h"), SHAPES)
def test_counts_match_keras(x, h):
    assert lstm_param_count(x, h) == _built(keras.layers.LSTM(h), x)
    assert gru_param_count(x, h) == _built(keras.layers.GRU(h), x)
    assert simple_rnn_param_count(x, h) == _built(keras.layers.SimpleRNN(h), x)
    dense = keras.layers.Dense(h)
    dense.build((None, x))
    assert dense_param_count(x, h) == dense.count_params()


def test_peepholes_add_three_vectors():
    assert lstm_param_count(10, 128, peepholes=True) - lstm_param_count(10, 128) == 3 * 128


@pytest.mark.parametrize("bad", [0, -3, 2.5, "8", None])
def test_bad_sizes_raise(bad):
    with pytest.raises(ValueError, match="units must be a positive integer"):
        lstm_param_count(4, bad)
