"""lstmbook.keras_side.side_by_side: M LSTMs side by side are M independent keras.layers.LSTM."""

import keras
import numpy as np
import pytest

from lstmbook.keras_side.side_by_side import (
    SideBySideDense,
    SideBySideLSTMCell,
    build_side_by_side_regressor,
    fit_side_by_side,
    predict_side_by_side,
    stack_inputs,
    summed_squared_error,
)


def _side_by_side_layer(n_models, units, masked=None, seeds=None):
    cell = SideBySideLSTMCell(n_models, units, seeds, masked)
    return keras.layers.RNN(cell, return_sequences=True)


def _keras_lstm_weights(cell, m):
    """Model ``m`` of a built SideBySideLSTMCell as the weights of a ``keras.layers.LSTM(H)``.

    ``[kernel (F, 4H), recurrent_kernel (H, 4H), bias (4H,)]``, ready for ``set_weights``: block
    ``m`` of the cell's ``(M, F, 4H)``, ``(M, H, 4H)`` and ``(M, 4H)`` weights.
    """
    assert 0 <= m < cell.n_models
    return [
        keras.ops.convert_to_numpy(weight)[m]
        for weight in (cell.kernel, cell.recurrent_kernel, cell.bias)
    ]


@pytest.mark.parametrize(("n_models", "units", "features"), [(3, 4, 2), (1, 1, 1)])
def test_each_model_is_a_keras_lstm(n_models, units, features):
    x = np.random.default_rng(0).normal(size=(5, 7, n_models * features)).astype(np.float32)
    layer = _side_by_side_layer(n_models, units, seeds=[10 + m for m in range(n_models)])
    out = np.asarray(layer(x)).reshape(5, 7, n_models, units)
    for m in range(n_models):
        reference = keras.layers.LSTM(units, return_sequences=True)
        reference.build((None, None, features))
        reference.set_weights(_keras_lstm_weights(layer.cell, m))
        expected = reference(x[:, :, m * features : (m + 1) * features])
        np.testing.assert_allclose(out[:, :, m], np.asarray(expected), atol=1e-5)


def test_initialisation_follows_keras_defaults_and_seeds():
    cell = SideBySideLSTMCell(3, 4, seeds=[5, 5, 6])
    keras.layers.RNN(cell).build((None, None, 6))
    kernel, recurrent, bias = _keras_lstm_weights(cell, 0)
    np.testing.assert_array_equal(bias, np.r_[np.zeros(4), np.ones(4), np.zeros(8)])
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(4), atol=1e-5)  # orthogonal rows
    weights = [_keras_lstm_weights(cell, m)[0] for m in range(3)]
    np.testing.assert_array_equal(weights[0], weights[1])  # same seed, same start
    assert not np.array_equal(weights[0], weights[2])
    limit = np.sqrt(6 / (2 + 16))  # Glorot-uniform bound for a (2, 16) kernel
    assert np.abs(kernel).max() <= limit


def test_a_masked_model_is_masking_plus_lstm():
    rng = np.random.default_rng(1)
    values = rng.normal(size=(4, 9, 1)).astype(np.float32)
    keep = rng.random((4, 9)) > 0.4
    keep[0] = False  # a sequence with every step masked keeps the zero initial state
    keep[1, -1] = False  # one that ends on a masked step
    sentinel = -99.0
    filled = np.where(keep[..., None], values, sentinel).astype(np.float32)
    flagged = np.concatenate([filled, keep[..., None].astype(np.float32)], axis=-1)
    # model 0: plain (reads the flag as a feature), model 1: masked (the flag skips steps)
    layer = keras.layers.RNN(SideBySideLSTMCell(2, 3, masked=[False, True]))
    out = np.asarray(layer(stack_inputs([flagged, flagged]))).reshape(4, 2, 3)

    inputs = keras.Input((None, 1))
    reference = keras.layers.LSTM(3)
    model = keras.Model(inputs, reference(keras.layers.Masking(sentinel)(inputs)))
    kernel, recurrent, bias = _keras_lstm_weights(layer.cell, 1)
    reference.set_weights([kernel[:1], recurrent, bias])  # the flag row never feeds the gates
    np.testing.assert_allclose(out[:, 1], np.asarray(model(filled)), atol=1e-5)
    np.testing.assert_array_equal(out[0, 1], np.zeros(3))

    plain = keras.layers.LSTM(3)
    plain.build((None, None, 2))
    plain.set_weights(_keras_lstm_weights(layer.cell, 0))
    np.testing.assert_allclose(out[:, 0], np.asarray(plain(flagged)), atol=1e-5)


@pytest.mark.slow
def test_training_side_by_side_equals_training_alone():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(64, 6, 1)).astype(np.float32)
    y = x[:, -2:, 0].sum(axis=1, keepdims=True)
    other = rng.normal(size=x.shape).astype(np.float32)

    def train(inputs, n_models, seeds):
        keras.utils.set_random_seed(0)
        model = build_side_by_side_regressor(n_models, 4, 1, seeds=seeds, learning_rate=0.01)
        targets = np.repeat(y[:, None], n_models, axis=1)
        model.fit(stack_inputs(inputs), targets, epochs=3, batch_size=16, shuffle=False, verbose=0)
        return model

    alone = train([x], 1, [7])
    together = train([other, x], 2, [3, 7])
    lstm_alone = _keras_lstm_weights(alone.layers[1].cell, 0)
    lstm_together = _keras_lstm_weights(together.layers[1].cell, 1)
    for a, b in zip(lstm_alone, lstm_together, strict=True):
        np.testing.assert_allclose(a, b, atol=2e-5)
    dense_alone, dense_together = alone.layers[2], together.layers[2]
    np.testing.assert_allclose(
        np.asarray(dense_alone.kernel)[0], np.asarray(dense_together.kernel)[1], atol=2e-5
    )


def test_loss_is_a_sum_over_models_and_skips_nan_targets():
    y_true = np.array([[[1.0], [np.nan]], [[0.0], [2.0]]], dtype=np.float32)
    y_pred = np.array([[[2.0], [5.0]], [[1.0], [1.0]]], dtype=np.float32)
    np.testing.assert_allclose(np.asarray(summed_squared_error(y_true, y_pred)), [1.0, 2.0])

    import tensorflow as tf

    prediction = tf.Variable(y_pred)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(summed_squared_error(y_true, prediction))
    gradient = tape.gradient(loss, prediction).numpy()
    assert np.isfinite(gradient).all() and gradient[0, 1, 0] == 0.0


def test_stack_inputs_pads_before_the_last_column():
    a = np.ones((2, 3, 1))
    b = np.full((2, 3, 3), 2.0)
    stacked = stack_inputs([a, b])
    assert stacked.shape == (2, 3, 6) and stacked.dtype == np.float32
    np.testing.assert_array_equal(stacked[0, 0], [0, 0, 1, 2, 2, 2])


def test_side_by_side_dense_shapes():
    layer = SideBySideDense(3, outputs=2)
    out = layer(np.ones((4, 3 * 5), dtype=np.float32))
    assert tuple(out.shape) == (4, 3, 2)
    assert layer.compute_output_shape((None, 15)) == (None, 3, 2)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: SideBySideLSTMCell(0, 4), "n_models"),
        (lambda: SideBySideLSTMCell(2, 0), "units"),
        (lambda: SideBySideLSTMCell(2, 4, seeds=[1]), "one seed per model"),
        (lambda: SideBySideLSTMCell(2, 4, masked=[True]), "one flag per model"),
        (lambda: keras.layers.RNN(SideBySideLSTMCell(2, 4)).build((None, None, 3)), "last axis"),
        (
            lambda: keras.layers.RNN(SideBySideLSTMCell(2, 4, masked=[True, False])).build(
                (None, None, 2)
            ),
            "needs >= 2 columns",
        ),
        (lambda: SideBySideDense(2, outputs=0), "outputs"),
        (lambda: SideBySideDense(2).build((None, 5)), "last axis"),
        (lambda: stack_inputs([]), "at least one"),
        (lambda: stack_inputs([np.ones((2, 3, 1)), np.ones((2, 4, 1))]), "same batch and time"),
    ],
)
def test_bad_arguments_are_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_config_round_trip():
    cell = SideBySideLSTMCell(2, 3, seeds=[4, 5], masked=[False, True])
    clone = SideBySideLSTMCell.from_config(cell.get_config())
    assert (clone.n_models, clone.units, clone.seeds, clone.masked) == (2, 3, [4, 5], [False, True])
    dense = SideBySideDense.from_config(SideBySideDense(2, outputs=3, seeds=[4, 5]).get_config())
    assert (dense.n_models, dense.outputs, dense.seeds) == (2, 3, [4, 5])


def test_save_and_load_give_identical_predictions(tmp_path):
    model = build_side_by_side_regressor(2, 3, 2, seeds=[0, 1], masked=[False, True])
    x = np.random.default_rng(7).normal(size=(4, 5, 4)).astype(np.float32)
    path = tmp_path / "side_by_side.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, compile=False)
    assert isinstance(loaded.layers[1].cell, SideBySideLSTMCell)
    assert loaded.layers[1].cell.masked == [False, True]
    np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(model(x)))


@pytest.mark.slow
def test_fit_side_by_side_is_seeded_and_predict_matches_the_model():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 5, 2)).astype(np.float32)
    y = np.repeat(x[:, -1:, :1], 2, axis=1)

    def run(seed):
        keras.utils.set_random_seed(0)
        model = build_side_by_side_regressor(2, 3, 1, seeds=[0, 1])
        history = fit_side_by_side(model, x, y, epochs=2, batch_size=8, seed=seed)
        return model, history.history["loss"]

    model_a, loss_a = run(0)
    _, loss_b = run(0)
    _, loss_c = run(1)
    assert loss_a == loss_b and loss_a != loss_c
    predicted = predict_side_by_side(model_a, x, batch_size=16)
    assert predicted.shape == (40, 2, 1)
    np.testing.assert_allclose(predicted, np.asarray(model_a(x)), atol=1e-6)
