"""Baselines, recursive forecasts and error metrics of lstmbook.chapters.forecasting."""

import numpy as np
import pandas as pd
import pytest

from lstmbook.chapters.forecasting import (
    dominant_period,
    error_by_horizon,
    fit_keep_best,
    forecast_errors,
    mae,
    persistence_forecast,
    recursive_forecast,
    rmse,
    seasonal_naive_forecast,
)
from lstmbook.data import make_windows


def test_persistence_repeats_the_last_value():
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(persistence_forecast(x, horizon=2), [[3, 3], [7, 7], [11, 11]])
    x3 = np.stack([x, -x], axis=-1)
    np.testing.assert_array_equal(persistence_forecast(x3, target_column=1)[:, 0], [-3, -7, -11])


def test_persistence_is_exact_on_a_constant_series_and_matches_windows():
    series = np.arange(30.0)
    x, y = make_windows(series, window=5, horizon=1)
    np.testing.assert_array_equal(persistence_forecast(x)[:, 0], y[:, 0] - 1)


def test_seasonal_naive_is_exact_on_a_periodic_series_at_every_horizon():
    period = 11
    series = np.tile(np.random.default_rng(0).normal(size=period), 20)
    x, y = make_windows(series, window=15, horizon=25)
    forecast = seasonal_naive_forecast(x, period=period, horizon=25)
    np.testing.assert_allclose(forecast, y, atol=1e-6)
    # persistence is not exact on the same series
    assert rmse(y, persistence_forecast(x, horizon=25)) > 0.5


def test_seasonal_naive_indexes_one_period_back():
    x = np.arange(20.0)[None, :]
    np.testing.assert_array_equal(
        seasonal_naive_forecast(x, period=4, horizon=6), [[16, 17, 18, 19, 16, 17]]
    )


def test_seasonal_naive_needs_a_full_period():
    with pytest.raises(ValueError, match="at least one period"):
        seasonal_naive_forecast(np.zeros((2, 5)), period=11)


def test_dominant_period_finds_the_cycle():
    t = np.arange(300)
    series = np.sin(2 * np.pi * t / 11) + 0.1 * np.random.default_rng(1).normal(size=t.size)
    assert dominant_period(series, min_lag=5, max_lag=20) == 11
    assert dominant_period(pd.Series(series), min_lag=5, max_lag=20) == 11
    with pytest.raises(ValueError, match="constant"):
        dominant_period(np.ones(20))
    with pytest.raises(ValueError, match="NaN"):
        dominant_period(np.array([1.0, np.nan, 2.0, 3.0, 4.0]))


def test_recursive_forecast_feeds_predictions_back():
    # a "model" that predicts last value + 1 continues a ramp exactly
    x = np.arange(10.0).reshape(2, 5)

    def predict(w):
        assert w.shape == (2, 5, 1) and w.dtype == np.float32
        return w[:, -1] + 1

    out = recursive_forecast(predict, x, horizon=4)
    np.testing.assert_array_equal(out, [[5, 6, 7, 8], [10, 11, 12, 13]])


def test_recursive_forecast_with_a_linear_ar_model_matches_the_closed_form():
    # y_t = 0.5 y_{t-1}: h steps ahead from last value v is v * 0.5**h
    x = np.random.default_rng(0).normal(size=(6, 3))
    out = recursive_forecast(lambda w: 0.5 * w[:, -1, 0], x, horizon=5)
    expected = x[:, -1:] * 0.5 ** np.arange(1, 6)
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_recursive_forecast_validates():
    with pytest.raises(ValueError, match="univariate"):
        recursive_forecast(lambda w: w[:, -1, 0], np.zeros((2, 3, 2)), horizon=2)
    with pytest.raises(ValueError, match="must return shape"):
        recursive_forecast(lambda w: w[:, -2:, 0], np.zeros((2, 3)), horizon=2)


def test_metrics():
    y = np.array([[1.0, 2.0], [3.0, 4.0]])
    p = np.array([[2.0, 2.0], [3.0, 0.0]])
    assert rmse(y, p) == pytest.approx(np.sqrt((1 + 16) / 4))
    assert mae(y, p) == pytest.approx(5 / 4)
    np.testing.assert_allclose(error_by_horizon(y, p, mae), [0.5, 2.0])
    with pytest.raises(ValueError, match="same non-empty shape"):
        rmse(y, p[:, :1])


def test_forecast_errors_table_is_sorted_by_rmse():
    y = np.zeros(4)
    table = forecast_errors(y, {"bad": np.full(4, 2.0), "good": np.full(4, 1.0)})
    assert list(table.index) == ["good", "bad"]
    assert list(table.columns) == ["RMSE", "MAE"]
    assert table.loc["bad", "MAE"] == 2.0


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match="shape"):
        persistence_forecast(np.zeros(5))
    with pytest.raises(ValueError, match="target_column"):
        persistence_forecast(np.zeros((2, 3, 1)), target_column=1)
    with pytest.raises(ValueError, match="horizon"):
        persistence_forecast(np.zeros((2, 3)), horizon=0)


def test_fit_keep_best_restores_the_best_validation_epoch():
    from lstmbook.scratch import LSTM, Adam, Dense, Sequential

    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 6, 1)).astype(np.float32)
    y = (x[:, -1] + 0.5 * x[:, -2]).astype(np.float32)
    xv = rng.normal(size=(20, 6, 1)).astype(np.float32)
    yv = (xv[:, -1] + 0.5 * xv[:, -2]).astype(np.float32) + rng.normal(size=(20, 1)).astype(
        np.float32
    )
    model = Sequential(
        [LSTM(1, 8, seed=0)], head=Dense(8, 1, seed=1), loss="mse", optimizer=Adam(0.05)
    )
    history = fit_keep_best(model, x, y, (xv, yv), epochs=15, batch_size=8, seed=3)
    assert len(history["loss"]) == len(history["val_loss"]) == 15
    best = int(np.argmin(history["val_loss"])) + 1
    assert history["best_epoch"] == best
    assert model.evaluate(xv, yv) == pytest.approx(min(history["val_loss"]), rel=1e-6)
    # the same seed gives the same run
    again = Sequential(
        [LSTM(1, 8, seed=0)], head=Dense(8, 1, seed=1), loss="mse", optimizer=Adam(0.05)
    )
    assert (
        fit_keep_best(again, x, y, (xv, yv), epochs=15, batch_size=8, seed=3)["val_loss"]
        == (history["val_loss"])
    )


def test_fit_keep_best_stops_after_patience_epochs_without_improvement():
    from lstmbook.scratch import LSTM, Adam, Dense, Sequential

    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 6, 1)).astype(np.float32)
    y = x[:, -1].astype(np.float32)
    xv = rng.normal(size=(20, 6, 1)).astype(np.float32)
    yv = rng.normal(size=(20, 1)).astype(np.float32)  # unrelated: the best epoch comes early

    def model():
        return Sequential(
            [LSTM(1, 8, seed=0)], head=Dense(8, 1, seed=1), loss="mse", optimizer=Adam(0.05)
        )

    full = fit_keep_best(model(), x, y, (xv, yv), epochs=40, batch_size=8, seed=3)
    stopped_model = model()
    stopped = fit_keep_best(stopped_model, x, y, (xv, yv), 40, batch_size=8, seed=3, patience=3)
    best = stopped["best_epoch"]
    # it trained exactly `patience` epochs past its best, and those epochs were the same as
    # in the full run; the best epoch of the full run's first part is the same
    assert len(stopped["val_loss"]) == best + 3 < 40
    assert stopped["val_loss"] == full["val_loss"][: best + 3]
    assert min(stopped["val_loss"][best:]) >= stopped["val_loss"][best - 1]
    assert stopped_model.evaluate(xv, yv) == pytest.approx(stopped["val_loss"][best - 1], rel=1e-6)
    with pytest.raises(ValueError, match="patience must be a positive integer, got 0"):
        fit_keep_best(model(), x, y, (xv, yv), 5, patience=0)
