"""PeepholeLSTMCell: same numbers as the NumPy peephole LSTM, masking, saving, training."""

import keras
import numpy as np
import pytest

from lstmbook.bridge import copy_to_keras, to_keras_layer
from lstmbook.params import lstm_param_count
from lstmbook.peephole import PeepholeLSTM, PeepholeLSTMCell
from lstmbook.scratch import LSTM


def _random_peephole_lstm(x_size, h_size, variant, seed, dtype=np.float32):
    layer = LSTM(x_size, h_size, peepholes=True, output_peephole=variant, seed=seed, dtype=dtype)
    rng = np.random.default_rng(seed + 100)
    for name in ("p_i", "p_f", "p_o", "b"):
        layer.params[name][...] = rng.normal(0, 0.5, layer.params[name].shape)
    return layer


@pytest.mark.parametrize("variant", ["current", "previous"])
@pytest.mark.parametrize(("batch", "steps", "x_size", "h_size"), [(3, 7, 4, 5), (1, 1, 2, 1)])
def test_cell_matches_numpy(variant, batch, steps, x_size, h_size):
    layer = _random_peephole_lstm(x_size, h_size, variant, seed=batch + steps)
    x = np.random.default_rng(1).normal(size=(batch, steps, x_size)).astype(np.float32)
    expected, _ = layer.forward(x)
    got = to_keras_layer(layer, return_sequences=True)(x)
    np.testing.assert_allclose(np.asarray(got), expected, atol=1e-5)


def test_variants_differ_when_peepholes_are_nonzero():
    x = np.random.default_rng(2).normal(size=(2, 6, 3)).astype(np.float32)
    outs = [
        np.asarray(to_keras_layer(_random_peephole_lstm(3, 4, v, seed=5))(x))
        for v in ("current", "previous")
    ]
    assert np.max(np.abs(outs[0] - outs[1])) > 1e-3


def test_count_params_closed_form():
    for x_size, h_size in [(1, 1), (10, 128), (7, 3)]:
        layer = PeepholeLSTM(h_size)
        layer.build((None, None, x_size))
        assert layer.count_params() == lstm_param_count(x_size, h_size, peepholes=True)
        assert layer.count_params() == 4 * (h_size * (x_size + h_size) + h_size) + 3 * h_size


def test_masked_steps_carry_h_and_c_unchanged():
    layer = _random_peephole_lstm(3, 4, "current", seed=7)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 8, 3)).astype(np.float32)
    valid = [5, 8]
    for row, n in enumerate(valid):
        x[row, n:] = 0.0
    inputs = keras.Input(shape=(8, 3))
    rnn = keras.layers.RNN(PeepholeLSTMCell(4), return_state=True)
    h, state_h, state_c = rnn(keras.layers.Masking(0.0)(inputs))
    model = keras.Model(inputs, [h, state_h, state_c])
    copy_to_keras(layer, rnn)
    _, got_h, got_c = (np.asarray(a) for a in model(x))
    for row, n in enumerate(valid):
        _, cache = layer.forward(x[row : row + 1, :n])
        h_np, c_np = cache.final_state
        np.testing.assert_allclose(got_h[row], h_np[0], atol=1e-5)
        np.testing.assert_allclose(got_c[row], c_np[0], atol=1e-5)


def test_save_and_load_give_identical_predictions(tmp_path):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input(shape=(None, 3)),
            PeepholeLSTM(5, output_peephole="previous"),
            keras.layers.Dense(2),
        ]
    )
    # non-zero peepholes, so that losing them on reload would show
    for weight in model.layers[0].cell.weights[3:]:
        weight.assign(np.linspace(-0.5, 0.5, 5))
    x = np.random.default_rng(4).normal(size=(4, 6, 3)).astype(np.float32)
    path = tmp_path / "peephole.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.layers[0].cell.output_peephole == "previous"
    np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(model(x)))


def test_fit_reduces_the_loss():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(5)
    x = rng.normal(size=(128, 10, 2)).astype(np.float32)
    y = x[:, :3, 0].sum(axis=1, keepdims=True)  # needs memory of the first steps
    model = keras.Sequential([keras.Input(shape=(10, 2)), PeepholeLSTM(16), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.3 * history.history["loss"][0]


@pytest.mark.parametrize("bad", [{"units": 0}, {"units": 4, "output_peephole": "next"}])
def test_bad_arguments(bad):
    with pytest.raises(ValueError, match="units must be|output_peephole must be"):
        PeepholeLSTMCell(**bad)
