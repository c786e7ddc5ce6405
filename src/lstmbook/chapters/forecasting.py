"""Serves code/03 (sunspots) and faq/03 (hidden units): forecasting baselines
and yardsticks.

Honest baselines, recursive multi-step forecasts, error metrics.

A forecasting model is only as good as the simplest rule it beats. This module
holds the rules and the yardsticks used in the sunspot chapter, for windows
made by :func:`lstmbook.data.make_windows` (``x: (n, window, features)``,
targets ``y: (n, horizon)``):

- :func:`persistence_forecast`: tomorrow equals today (the last value of the
  window);
- :func:`seasonal_naive_forecast`: the value one period earlier (for sunspots,
  ~11 years);
- :func:`dominant_period`: the lag of the highest autocorrelation
  (``statsmodels``' ``acf``), to pick that period from the training data
  instead of typing it in;
- :func:`fit_linear_ar`: the linear autoregression fitted by least squares, the
  baseline a network has to beat (a :class:`LinearAR` forecasts like a one-step
  model);
- :func:`recursive_forecast`: several steps ahead with a one-step model,
  feeding each prediction back into the window;
- :func:`fit_keep_best`: train a scratch model and keep the weights of its best
  validation epoch;
- :func:`rmse`, :func:`mae` (scikit-learn's metrics over all
  elements), :func:`error_by_horizon`, :func:`forecast_errors`.

A model enters only as a ``predict`` callable, so the same code serves a
:class:`lstmbook.scratch.Sequential`, a Keras model and a :class:`LinearAR`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from lstmbook.data._checks import check_int

if TYPE_CHECKING:
    import pandas as pd


def _windows(x: Any, name: str = "x") -> np.ndarray:
    """``x`` as a float64 ``(n, window, features)`` array; a 2-D ``(n,
    window)`` gains a feature axis."""
    values = np.asarray(x, dtype=np.float64)
    if values.ndim == 2:
        values = values[:, :, None]
    if values.ndim != 3 or 0 in values.shape:
        raise ValueError(
            f"{name} must have shape (n, window) or (n, window, features) "
            "with no empty axis, "
            f"got shape {values.shape}"
        )
    return values


def _target_column(values: np.ndarray, target_column: int) -> int:
    target_column = check_int("target_column", target_column, 0)
    if target_column >= values.shape[2]:
        raise ValueError(
            "target_column must be < the number of features "
            f"{values.shape[2]}, got {target_column}"
        )
    return target_column


def persistence_forecast(
    x: Any, horizon: int = 1, target_column: int = 0
) -> np.ndarray:
    """The naive forecast: every future value equals the last observed one.

    Args:
        x: input windows ``(n, window)`` or ``(n, window, features)``.
        horizon: number of future steps (>= 1).
        target_column: the feature that is forecast.

    Returns:
        ``(n, horizon)`` float64, each row the last value of its window
        repeated.
    """
    values = _windows(x)
    column = _target_column(values, target_column)
    horizon = check_int("horizon", horizon, 1)
    last = values[:, -1, column]
    return np.repeat(last[:, None], horizon, axis=1)


def seasonal_naive_forecast(
    x: Any, period: int, horizon: int = 1, target_column: int = 0
) -> np.ndarray:
    """The seasonal-naive forecast: each future value equals the value one
    period earlier.

    For step ``h`` (1-based) after a window ending at time ``t`` the forecast
    is ``x[t + h - k * period]`` with the smallest ``k >= 1`` that lands inside
    the window, so horizons longer than the period repeat the last observed
    cycle.

    Args:
        x: input windows ``(n, window)`` or ``(n, window, features)``; ``window
            >= period``.
        period: the season length in steps (>= 1), e.g. 11 for the yearly
            sunspot cycle.
        horizon: number of future steps (>= 1).
        target_column: the feature that is forecast.

    Returns:
        ``(n, horizon)`` float64.
    """
    values = _windows(x)
    column = _target_column(values, target_column)
    period = check_int("period", period, 1)
    horizon = check_int("horizon", horizon, 1)
    window = values.shape[1]
    if window < period:
        raise ValueError(
            f"the window ({window} steps) must be at least one period "
            f"({period}) long"
        )
    steps = np.arange(1, horizon + 1)
    back = period * np.ceil(steps / period).astype(np.int64)
    # the window's last value is at index window - 1, i.e. time t; t + h - back
    # in window index:
    index = window - 1 + steps - back
    return values[:, index, column]


def dominant_period(
    series: Any, min_lag: int = 2, max_lag: int | None = None
) -> int:
    """The lag in ``[min_lag, max_lag]`` at which the series' autocorrelation
    is highest.

    The autocorrelation is ``statsmodels.tsa.stattools.acf`` (the usual
    estimator: the sum of products of the centred series and its lagged copy,
    over the sum of squares). Fit it on the training part only (the period is
    then a parameter learned from the past).

    Args:
        series: ``(time,)`` numbers without NaN (array or pandas Series).
        min_lag: smallest lag considered (>= 1); small lags are always highly
            correlated, so start beyond them.
        max_lag: largest lag considered; default ``len(series) // 2``.

    Returns:
        The lag, an int.
    """
    from statsmodels.tsa.stattools import acf

    values = np.asarray(
        getattr(series, "to_numpy", lambda: series)(), dtype=np.float64
    )
    if values.ndim != 1 or values.size < 4:
        raise ValueError(
            "series must be 1-D with at least 4 values, got shape "
            f"{values.shape}"
        )
    if np.isnan(values).any():
        raise ValueError("series must not contain NaN")
    min_lag = check_int("min_lag", min_lag, 1)
    max_lag = (
        values.size // 2
        if max_lag is None
        else check_int("max_lag", max_lag, min_lag)
    )
    if max_lag >= values.size - 1 or max_lag < min_lag:
        raise ValueError(
            f"need min_lag <= max_lag < len(series) - 1 = {values.size - 1}, "
            f"got min_lag={min_lag}, max_lag={max_lag}"
        )
    if np.all(values == values[0]):
        raise ValueError(
            "series is constant: its autocorrelation is undefined"
        )
    correlations = acf(
        values, nlags=max_lag, fft=False
    )  # (max_lag + 1,), lag 0 first
    return min_lag + int(np.argmax(correlations[min_lag:]))


@dataclass(frozen=True)
class LinearAR:
    """A fitted linear autoregression: ``y = w_1 x_{t-p+1} + ... + w_p x_t +
    b``.

    Made by :func:`fit_linear_ar`. Calling it forecasts one step from windows,
    like a one-step model's ``predict``, so it also
    serves :func:`recursive_forecast`.

    Attributes:
        weights: ``(lags + 1,)`` float64: the coefficients of the last ``lags``
            values of a window, oldest first, then the intercept ``b``.
    """

    weights: np.ndarray

    @property
    def lags(self) -> int:
        """How many of the most recent values of a window the forecast
        reads."""
        return self.weights.size - 1

    def __call__(self, x: Any) -> np.ndarray:
        """One-step forecasts: windows ``(n, window)`` or ``(n, window, 1)`` ->
        ``(n, 1)`` float64.

        ``window`` must be at least :attr:`lags`; only the last ``lags`` values
        are read.
        """
        return (_ar_design(x, self.lags) @ self.weights)[:, None]


def _ar_design(x: Any, lags: int) -> np.ndarray:
    """The least-squares design: the last ``lags`` values of each window and a
    column of ones."""
    values = _windows(x)
    if values.shape[2] != 1:
        raise ValueError(
            "a linear autoregression reads a univariate series, got "
            f"{values.shape[2]} features"
        )
    if values.shape[1] < lags:
        raise ValueError(
            f"the windows ({values.shape[1]} steps) are shorter than "
            f"lags={lags}"
        )
    if not np.all(np.isfinite(values)):
        raise ValueError("x must be finite (no NaN or inf)")
    return np.concatenate(
        [values[:, -lags:, 0], np.ones((values.shape[0], 1))], axis=1
    )


def fit_linear_ar(x: Any, y: Any, lags: int | None = None) -> LinearAR:
    """Fit the linear autoregression AR(``lags``) with an intercept by least
    squares.

    The honest baseline of a one-step forecaster: the best *linear* function of
    the last ``lags`` values of each window (``numpy.linalg.lstsq`` in
    float64). Fit it on the training windows only, the same windows the network
    sees.

    Args:
        x: training windows ``(n, window)`` or ``(n, window, 1)`` of a
            univariate series.
        y: their next values, ``(n,)`` or ``(n, 1)``.
        lags: how many of the most recent values to regress on, ``1 <= lags <=
            window``; default the whole window.

    Returns:
        A :class:`LinearAR`; ``model(x)`` maps windows ``(m, window[, 1])`` to
        ``(m, 1)``.
    """
    values = _windows(x)
    lags = values.shape[1] if lags is None else check_int("lags", lags, 1)
    design = _ar_design(values, lags)
    target = np.asarray(y, dtype=np.float64)
    if target.ndim == 2 and target.shape[1] == 1:
        target = target[:, 0]
    if target.shape != (values.shape[0],):
        raise ValueError(
            f"y must have shape ({values.shape[0]},) or ({values.shape[0]}, "
            "1) to match x, "
            f"got {np.shape(y)}"
        )
    if not np.all(np.isfinite(target)):
        raise ValueError("y must be finite (no NaN or inf)")
    if values.shape[0] < lags + 1:
        raise ValueError(
            f"need at least lags + 1 = {lags + 1} windows to fit {lags + 1} "
            "weights, "
            f"got {values.shape[0]}"
        )
    weights, *_ = np.linalg.lstsq(design, target, rcond=None)
    return LinearAR(weights)


def recursive_forecast(
    predict: Callable[[np.ndarray], Any], x: Any, horizon: int
) -> np.ndarray:
    """Forecast ``horizon`` steps with a one-step model, feeding each
    prediction back in.

    Step 1 predicts from the window; step 2 from the window shifted by one with
    the step-1 prediction appended; and so on. Errors therefore compound: the
    model is asked about inputs it made up itself, which is why the error grows
    with the horizon.

    Args:
        predict: maps windows ``(n, window, 1)`` float32 to one-step forecasts
            ``(n, 1)`` or ``(n,)``, e.g. ``model.predict`` of a scratch model,
            or ``lambda w: keras_model.predict(w, verbose=0)``.
        x: ``(n, window)`` or ``(n, window, 1)`` windows of a univariate
            series.
        horizon: steps ahead (>= 1).

    Returns:
        ``(n, horizon)`` float64; column 0 equals ``predict(x)``.
    """
    values = _windows(x)
    if values.shape[2] != 1:
        raise ValueError(
            "recursive forecasting needs a univariate series (the prediction "
            "becomes the next "
            f"input), got {values.shape[2]} features"
        )
    horizon = check_int("horizon", horizon, 1)
    window = values.astype(np.float32)
    out = np.empty((values.shape[0], horizon), dtype=np.float64)
    for step in range(horizon):
        pred = np.asarray(predict(window), dtype=np.float64)
        if pred.shape not in ((values.shape[0],), (values.shape[0], 1)):
            raise ValueError(
                f"predict must return shape ({values.shape[0]}, 1) or "
                f"({values.shape[0]},), "
                f"got {pred.shape}"
            )
        out[:, step] = pred.reshape(-1)
        window = np.concatenate(
            [window[:, 1:], pred.reshape(-1, 1, 1).astype(np.float32)], axis=1
        )
    return out


def fit_keep_best(
    model: Any,
    x: Any,
    y: Any,
    validation_data: tuple[Any, Any],
    epochs: int,
    batch_size: int = 32,
    seed: int = 0,
    patience: int | None = None,
) -> dict[str, Any]:
    """Train a :class:`lstmbook.scratch.Sequential` and keep the weights of its
    best epoch.

    Small data sets such as the sunspot series overfit: the validation loss
    falls, then rises. This trains one epoch at a time (reshuffling with
    ``seed + epoch``), evaluates on the validation data after each, and at the
    end writes back the weights of the epoch with the lowest validation loss,
    like Keras's ``EarlyStopping(restore_best_weights=True)`` without stopping
    early; with ``patience`` it also stops once that many epochs in a row have
    not improved on the best one (``EarlyStopping(patience=...,
    restore_best_weights=True)``). The test data play no part in the choice.

    Args:
        model: a scratch ``Sequential`` (its weights are changed in place).
        x, y: training inputs ``(n, time, features)`` and targets.
        validation_data: ``(x_val, y_val)``.
        epochs: number of epochs (>= 1).
        batch_size: mini-batch size.
        seed: seed of the shuffling.
        patience: stop after this many epochs (>= 1) without a new best
            validation loss; None trains all ``epochs``.

    Returns:
        ``{"loss": [...], "val_loss": [...], "best_epoch": k}`` with per-epoch
        losses (as many as the epochs trained) and the 1-based epoch whose
        weights the model now holds.
    """
    epochs = check_int("epochs", epochs, 1)
    if patience is not None:
        patience = check_int("patience", patience, 1)
    history: dict[str, Any] = {"loss": [], "val_loss": []}
    best_loss, best_epoch, best_params = np.inf, 0, None
    for epoch in range(epochs):
        h = model.fit(
            x,
            y,
            epochs=1,
            batch_size=batch_size,
            validation_data=validation_data,
            seed=seed + epoch,
            verbose=0,
        )
        history["loss"] += h["loss"]
        history["val_loss"] += h["val_loss"]
        if h["val_loss"][-1] < best_loss:
            best_loss, best_epoch = h["val_loss"][-1], epoch + 1
            best_params = [
                {name: value.copy() for name, value in layer.params.items()}
                for layer in model.layers
            ]
        elif patience is not None and epoch + 1 - best_epoch >= patience:
            break
    if best_params is None:
        raise ValueError(
            "the validation loss was never finite: no epoch to keep"
        )
    for layer, saved in zip(model.layers, best_params, strict=True):
        for name, value in saved.items():
            layer.params[name][...] = value
    history["best_epoch"] = best_epoch
    return history


def _pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    true = np.asarray(y_true, dtype=np.float64)
    pred = np.asarray(y_pred, dtype=np.float64)
    if true.shape != pred.shape or true.size == 0:
        raise ValueError(
            "y_true and y_pred must have the same non-empty shape, got "
            f"{true.shape} and {pred.shape}"
        )
    if not (np.all(np.isfinite(true)) and np.all(np.isfinite(pred))):
        raise ValueError("y_true and y_pred must be finite (no NaN or inf)")
    return true, pred


def rmse(y_true: Any, y_pred: Any) -> float:
    """Root mean squared error over all elements (in the units of the data).

    ``y_true`` and ``y_pred``: the same shape, e.g. ``(n, horizon)``. This is
    scikit-learn's ``root_mean_squared_error`` of the flattened arrays
    (scikit-learn alone would average the errors of the columns instead).
    """
    from sklearn.metrics import root_mean_squared_error

    true, pred = _pair(y_true, y_pred)
    return float(root_mean_squared_error(true.reshape(-1), pred.reshape(-1)))


def mae(y_true: Any, y_pred: Any) -> float:
    """Mean absolute error over all elements (in the units of the data),
    as :func:`rmse`."""
    from sklearn.metrics import mean_absolute_error

    true, pred = _pair(y_true, y_pred)
    return float(mean_absolute_error(true.reshape(-1), pred.reshape(-1)))


def error_by_horizon(
    y_true: Any, y_pred: Any, metric: Callable[[Any, Any], float] = rmse
) -> np.ndarray:
    """``metric`` per forecast step: ``y_true`` and ``y_pred`` ``(n, horizon)``
    -> ``(horizon,)``."""
    true, pred = _pair(y_true, y_pred)
    if true.ndim != 2:
        raise ValueError(
            f"expected (n, horizon) arrays, got shape {true.shape}"
        )
    return np.array(
        [metric(true[:, h], pred[:, h]) for h in range(true.shape[1])]
    )


def forecast_errors(y_true: Any, forecasts: Mapping[str, Any]) -> pd.DataFrame:
    """A table of RMSE and MAE, one row per named forecast, sorted by RMSE
    (best first).

    Args:
        y_true: the actual values, any shape.
        forecasts: maps a name to predictions shaped like ``y_true``.

    Returns:
        A ``pandas.DataFrame`` indexed by name with columns ``RMSE`` and
        ``MAE``.
    """
    import pandas as pd

    if not isinstance(forecasts, Mapping) or len(forecasts) == 0:
        raise ValueError(
            "forecasts must be a non-empty mapping of name -> predictions"
        )
    rows = {
        name: {"RMSE": rmse(y_true, pred), "MAE": mae(y_true, pred)}
        for name, pred in forecasts.items()
    }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "forecast"
    return table.sort_values("RMSE")
