"""The article's example fails as written; the corrected models learn; random labels teach nothing."""

import keras
import numpy as np
import pytest

from lstmbook.chapters.article import (
    build_lstm_model,
    build_sequence_classifier,
    build_sequence_regressor,
    generate_data,
    make_classification_data,
    make_regression_data,
    run_article_script,
)


def test_article_script_fails_on_label_shape():
    with pytest.raises(ValueError) as failure:
        run_article_script(epochs=1)
    message = str(failure.value)
    assert "(32, 100)" in message and "(32, 10)" in message, message  # labels vs outputs


def test_article_script_warns_about_input_shape():
    with pytest.warns(UserWarning, match="input_shape"):
        build_lstm_model((100, 10), 4, 10)


def test_article_model_has_three_lstm_layers_and_its_data_shapes():
    np.random.seed(0)  # noqa: NPY002 - the article's generator uses the global RNG
    data, labels = generate_data(32, 100, 10)
    model = build_lstm_model((100, 10), 128, 10)
    assert data.shape == (32, 100, 10) and labels.shape == (32, 100)
    assert sum(isinstance(layer, keras.layers.LSTM) for layer in model.layers) == 3
    assert model.output_shape == (None, 10)


@pytest.mark.slow
def test_random_labels_stay_at_chance_on_held_out_data():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.random((900, 20, 10), dtype=np.float32)
    y = rng.integers(0, 10, size=900)
    model = build_sequence_classifier((20, 10), 10, units=32, learning_rate=1e-2)
    model.fit(x[:600], y[:600], epochs=5, batch_size=32, verbose=0)
    train_acc = model.evaluate(x[:600], y[:600], verbose=0)[1]
    held_out_acc = model.evaluate(x[600:], y[600:], verbose=0)[1]
    # chance is 0.1; 300 held-out samples give a standard error of about 0.017
    assert abs(held_out_acc - 0.1) < 0.06, held_out_acc
    assert train_acc > held_out_acc  # what it learned is the noise of the training set


@pytest.mark.slow
def test_corrected_classifier_learns_the_signal():
    keras.utils.set_random_seed(0)
    x, y = make_classification_data(1000, sequence_length=40, n_classes=4, seed=0)
    model = build_sequence_classifier((40, 10), 4, units=16, learning_rate=1e-2)
    model.fit(x[:800], y[:800], epochs=6, batch_size=32, verbose=0)
    held_out_acc = model.evaluate(x[800:], y[800:], verbose=0)[1]
    assert held_out_acc > 0.6, held_out_acc  # chance: 0.25


@pytest.mark.slow
def test_corrected_regressor_beats_the_mean_baseline():
    keras.utils.set_random_seed(0)
    x, y = make_regression_data(600, sequence_length=50, window=5, seed=1)
    model = build_sequence_regressor((50, 10), units=32, learning_rate=1e-2)
    assert model.output_shape == (None, 50, 1)
    model.fit(x[:500], y[:500], epochs=8, batch_size=32, verbose=0)
    mse = model.evaluate(x[500:], y[500:], verbose=0)
    baseline = float(np.mean((y[500:] - y[:500].mean()) ** 2))
    assert mse < 0.4 * baseline, (mse, baseline)


def test_regression_target_is_the_moving_mean():
    x, y = make_regression_data(3, sequence_length=12, window=4, seed=2)
    for t in range(12):
        start = max(0, t - 3)
        np.testing.assert_allclose(y[:, t, 0], x[:, start : t + 1, 0].mean(axis=1), rtol=1e-5)


def test_classification_labels_and_shapes():
    x, y = make_classification_data(50, sequence_length=30, num_features=3, n_classes=5, seed=3)
    assert x.shape == (50, 30, 3) and x.dtype == np.float32
    assert y.shape == (50,) and set(np.unique(y)) <= set(range(5))


@pytest.mark.parametrize(
    "kwargs", [{"n": 0}, {"n": 5, "n_classes": 1}, {"n": 5, "sequence_length": 10, "n_classes": 5}]
)
def test_bad_classification_arguments(kwargs):
    with pytest.raises(ValueError, match="expected|must exceed"):
        make_classification_data(**kwargs)
