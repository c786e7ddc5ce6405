"""PeepholeLSTMCell: same numbers as the NumPy peephole LSTM, masking, saving, training."""

import keras
import numpy as np
import pytest

from lstmbook.keras_side.bridge import copy_to_keras, to_keras_layer
from lstmbook.keras_side.peephole import (
    PeepholeLSTM,
    PeepholeLSTMCell,
    UnitForgetBias,
)
from lstmbook.scratch import LSTM
from lstmbook.scratch.params import lstm_param_count


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


def _final_state_model(inputs, masked, h_size, variant):
    rnn = keras.layers.RNN(PeepholeLSTMCell(h_size, output_peephole=variant), return_state=True)
    _, state_h, state_c = rnn(masked)
    return keras.Model(inputs, [state_h, state_c]), rnn


def _numpy_final_state(layer, x_row):
    _, cache = layer.forward(x_row[None])
    h, c = cache.final_state
    return h[0], c[0]


def test_masked_steps_carry_h_and_c_unchanged():
    """Masking: right padding and a hole mid-sequence; NumPy sees only the unmasked steps."""
    layer = _random_peephole_lstm(3, 4, "current", seed=7)
    x = np.random.default_rng(3).normal(size=(3, 8, 3)).astype(np.float32)
    keep = np.ones((3, 8), dtype=bool)
    keep[0, 5:] = False  # right padding
    keep[1, 2:4] = False  # a hole: steps 2 and 3 are skipped, steps 4.. still count
    x[~keep] = 0.0
    inputs = keras.Input(shape=(8, 3))
    model, rnn = _final_state_model(inputs, keras.layers.Masking(0.0)(inputs), 4, "current")
    copy_to_keras(layer, rnn)
    got_h, got_c = (np.asarray(a) for a in model(x))
    for row in range(3):
        h_np, c_np = _numpy_final_state(layer, x[row, keep[row]])
        np.testing.assert_allclose(got_h[row], h_np, atol=1e-5)
        np.testing.assert_allclose(got_c[row], c_np, atol=1e-5)
    # the hole matters: feeding its zeros as data gives another state
    h_unmasked, _ = _numpy_final_state(layer, x[1])
    assert np.max(np.abs(h_unmasked - got_h[1])) > 1e-3


def test_mask_zero_embedding():
    layer = _random_peephole_lstm(3, 4, "previous", seed=8)
    tokens = np.array([[4, 2, 7, 1, 0, 0], [3, 0, 0, 5, 6, 2]])
    inputs = keras.Input(shape=(6,), dtype="int32")
    embedding = keras.layers.Embedding(8, 3, mask_zero=True)
    model, rnn = _final_state_model(inputs, embedding(inputs), 4, "previous")
    copy_to_keras(layer, rnn)
    got_h, got_c = (np.asarray(a) for a in model(tokens))
    table = np.asarray(embedding.embeddings)
    for row in range(2):
        h_np, c_np = _numpy_final_state(layer, table[tokens[row][tokens[row] != 0]])
        np.testing.assert_allclose(got_h[row], h_np, atol=1e-5)
        np.testing.assert_allclose(got_c[row], c_np, atol=1e-5)


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


@pytest.mark.slow
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


@pytest.mark.parametrize("variant", ["current", "previous"])
def test_fresh_cell_has_zero_peepholes_and_equals_a_plain_lstm(variant):
    keras.utils.set_random_seed(1)
    peephole = PeepholeLSTM(5, output_peephole=variant, return_sequences=True)
    peephole.build((None, None, 3))
    assert all(not np.any(np.asarray(w)) for w in peephole.cell.weights[3:])
    plain = keras.layers.LSTM(5, return_sequences=True)
    plain.build((None, None, 3))
    # the same initial bias as Keras's unit_forget_bias: 1 in the forget block, 0 elsewhere
    np.testing.assert_array_equal(peephole.get_weights()[2], plain.get_weights()[2])
    plain.set_weights(peephole.get_weights()[:3])
    x = np.random.default_rng(6).normal(size=(2, 7, 3)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(peephole(x)), np.asarray(plain(x)), atol=1e-6)


def test_units_take_numpy_integers_and_refuse_bools():
    cell = PeepholeLSTMCell(np.int64(3))
    assert cell.units == 3 and type(cell.units) is int and cell.get_config()["units"] == 3
    with pytest.raises(ValueError, match=r"units must be a positive integer, got True \(bool\)"):
        PeepholeLSTMCell(True)


def test_unit_forget_bias_sets_the_forget_block_of_every_row():
    np.testing.assert_array_equal(np.asarray(UnitForgetBias()((8,))), [0, 0, 1, 1, 0, 0, 0, 0])
    rows = np.asarray(UnitForgetBias()((3, 12), dtype="float64"))
    assert rows.shape == (3, 12) and rows.dtype == np.float64
    np.testing.assert_array_equal(
        rows, np.tile(np.r_[np.zeros(3), np.ones(3), np.zeros(6)], (3, 1))
    )
    config = keras.initializers.serialize(UnitForgetBias())
    assert isinstance(keras.initializers.deserialize(config), UnitForgetBias)
    with pytest.raises(ValueError, match="multiple of 4"):
        UnitForgetBias()((6,))
