"""Baselines, recursive forecasts and error metrics of lstmbook.chapters.forecasting."""

import numpy as np
import pandas as pd
import pytest

from lstmbook.chapters.forecasting import (
    LinearAR,
    dominant_period,
    error_by_horizon,
    fit_keep_best,
    fit_linear_ar,
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


def test_dominant_period_is_the_argmax_of_the_sample_autocorrelation():
    # the estimator by hand: sum of lagged products of the centred series over its sum of squares
    series = np.random.default_rng(2).normal(size=60).cumsum()
    centred = series - series.mean()
    lags = np.arange(3, 16)
    by_hand = [centred[:-k] @ centred[k:] / (centred @ centred) for k in lags]
    assert dominant_period(series, min_lag=3, max_lag=15) == lags[np.argmax(by_hand)]
    with pytest.raises(ValueError, match="max_lag"):
        dominant_period(series, min_lag=3, max_lag=59)


def test_fit_linear_ar_recovers_an_exact_autoregression():
    # x_t = 0.6 x_{t-1} - 0.3 x_{t-2} + 2 + 0.1 e_t: least squares finds the coefficients,
    # oldest lag first, intercept last, and leaves the innovations as the error
    rng = np.random.default_rng(0)
    series = [0.0, 0.0]
    for e in rng.normal(size=2000):
        series.append(0.6 * series[-1] - 0.3 * series[-2] + 2 + 0.1 * e)
    x, y = make_windows(np.array(series), window=5)
    ar = fit_linear_ar(x, y, lags=2)
    assert isinstance(ar, LinearAR) and ar.lags == 2 and ar.weights.shape == (3,)
    np.testing.assert_allclose(ar.weights, [-0.3, 0.6, 2.0], atol=0.05)
    forecast = ar(x)
    assert forecast.shape == (len(x), 1) and forecast.dtype == np.float64
    assert 0.09 < rmse(y, forecast) < 0.11
    # 2-D windows and 1-D targets give the same fit; the whole window is the default
    np.testing.assert_array_equal(fit_linear_ar(x[..., 0], y[:, 0], lags=2).weights, ar.weights)
    assert fit_linear_ar(x, y).lags == 5
    # it is a one-step model: recursive_forecast accepts it
    assert recursive_forecast(ar, x[:3], horizon=4).shape == (3, 4)


def test_fit_linear_ar_is_the_least_squares_solution():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(30, 4, 1)), rng.normal(size=(30, 1))
    ar = fit_linear_ar(x, y, lags=3)
    design = np.concatenate([x[:, -3:, 0], np.ones((30, 1))], axis=1)
    # the residual is orthogonal to every column of the design (the normal equations)
    np.testing.assert_allclose(design.T @ (y[:, 0] - design @ ar.weights), 0.0, atol=1e-10)
    np.testing.assert_allclose(ar(x)[:, 0], design @ ar.weights)


def test_fit_linear_ar_validates():
    x, y = np.zeros((10, 4, 1)), np.zeros((10, 1))
    with pytest.raises(ValueError, match="lags"):
        fit_linear_ar(x, y, lags=0)
    with pytest.raises(ValueError, match="shorter than lags=5"):
        fit_linear_ar(x, y, lags=5)
    with pytest.raises(ValueError, match="univariate"):
        fit_linear_ar(np.zeros((10, 4, 2)), y)
    with pytest.raises(ValueError, match="y must have shape"):
        fit_linear_ar(x, np.zeros((9, 1)))
    with pytest.raises(ValueError, match="y must be finite"):
        fit_linear_ar(x, np.full((10, 1), np.nan))
    with pytest.raises(ValueError, match="x must be finite"):
        fit_linear_ar(np.full((10, 4, 1), np.inf), y)
    with pytest.raises(ValueError, match="at least lags \\+ 1 = 5 windows"):
        fit_linear_ar(x[:4], y[:4])
    with pytest.raises(ValueError, match="shorter than lags=4"):
        fit_linear_ar(np.random.default_rng(0).normal(size=(10, 4)), y)(np.zeros((2, 3)))


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
    with pytest.raises(ValueError, match="finite"):
        mae(y, np.full((2, 2), np.nan))


def test_rmse_is_over_all_elements_not_the_mean_of_the_columns():
    y = np.zeros((2, 2))
    p = np.array([[3.0, 0.0], [3.0, 4.0]])  # column RMSEs 3 and 2*sqrt(2); over all: sqrt(34/4)
    assert rmse(y, p) == pytest.approx(np.sqrt(34 / 4))
    assert rmse(y[:, 0], p[:, 0]) == pytest.approx(3.0)
    assert isinstance(rmse(y, p), float) and isinstance(mae(y, p), float)


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
