"""cudnn_compatible reports exactly the layer-side conditions of Keras's cuDNN path."""

import keras
import pytest

from lstmbook.article import build_sequence_classifier, build_sequence_regressor
from lstmbook.gpu import cudnn_compatible
from lstmbook.peephole import PeepholeLSTM


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
