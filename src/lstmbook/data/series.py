"""Time-series helpers: sliding windows, a chronological split, a scaler fitted
on training data.

The order matters and these helpers keep it: split the series in time first
(:func:`chronological_split`), fit the :class:`Scaler` on the training part
only, then cut each part into windows (:func:`make_windows`). Nothing from the
validation or test period leaks into the fitted statistics.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import check_fraction, check_int


def _as_float_array(name: str, data: Any) -> np.ndarray:
    """``data`` (array, list or pandas object) as a float64 array; ValueError
    if not numeric."""
    values = np.asarray(getattr(data, "to_numpy", lambda: data)())
    if values.dtype == object or not (
        np.issubdtype(values.dtype, np.number) or values.dtype == bool
    ):
        raise ValueError(f"{name} must be numeric, got dtype {values.dtype}")
    return values.astype(np.float64)


def make_windows(
    series: Any,
    window: int,
    horizon: int = 1,
    *,
    target_column: int = 0,
    allow_nan: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Cut a series into (input window, next values) pairs for supervised
    forecasting.

    Pair ``i`` has inputs ``series[i : i + window]`` and targets
    ``series[i + window : i + window + horizon]`` (of column ``target_column``
    for a multivariate series), so ``n = len(series) - window - horizon + 1``
    pairs.

    Args:
        series: ``(time,)`` or ``(time, features)`` numbers (NumPy array, list,
            pandas Series or DataFrame).
        window: input length (>= 1).
        horizon: how many following values to predict (>= 1); ``horizon=1`` is
            one-step-ahead.
        target_column: which feature is the target when ``series`` has several.
        allow_nan: by default NaN in ``series`` raises ValueError (fill gaps
            first); True keeps them, e.g. for a masking experiment.

    Returns:
        ``(X, y)``: ``X`` of shape ``(n, window, features)``, float32
        (``features = 1`` for a 1-D series), and ``y`` of shape
        ``(n, horizon)``, float32.
    """
    values = _as_float_array("series", series)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2:
        raise ValueError(
            "series must have shape (time,) or (time, features), got shape "
            f"{values.shape}"
        )
    window = check_int("window", window, 1)
    horizon = check_int("horizon", horizon, 1)
    target_column = check_int("target_column", target_column, 0)
    if target_column >= values.shape[1]:
        raise ValueError(
            "target_column must be < the number of features "
            f"{values.shape[1]}, got {target_column}"
        )
    n_missing = int(np.isnan(values).sum())
    if n_missing and not allow_nan:
        raise ValueError(
            f"series contains {n_missing} NaN values; fill them first or "
            "pass allow_nan=True"
        )
    n = values.shape[0] - window - horizon + 1
    if n < 1:
        raise ValueError(
            f"series of length {values.shape[0]} is too short for "
            f"window={window} and "
            f"horizon={horizon}: need length >= {window + horizon}"
        )
    windows = np.lib.stride_tricks.sliding_window_view(values, window, axis=0)[
        :n
    ]
    X = np.ascontiguousarray(np.swapaxes(windows, 1, 2), dtype=np.float32)
    targets = np.lib.stride_tricks.sliding_window_view(
        values[window:, target_column], horizon
    )
    y = np.ascontiguousarray(targets[:n], dtype=np.float32)
    return X, y


def chronological_split(
    data: Any,
    train: float = 0.7,
    validation: float = 0.15,
    *,
    context: int = 0,
) -> tuple[Any, Any, Any]:
    """Split a sequence in time order into training, validation and test parts
    (no shuffling).

    The first ``floor(train * len)`` items are training data, the next
    ``floor(validation * len)`` validation data, the rest test data. With
    ``context = window``, the validation and test parts are each prefixed with
    the last ``context`` items of the part before, so that :func:`make_windows`
    yields a prediction for the first item of each part; those prefixed items
    are inputs only, never targets.

    Args:
        data: anything sliceable with a length along its first axis: NumPy
            array, list, pandas Series or DataFrame (sliced by position with
            ``.iloc``).
        train: training fraction, in (0, 1).
        validation: validation fraction, in [0, 1); ``train + validation < 1``.
        context: number of preceding items to prefix to the validation and test
            parts (>= 0).

    Returns:
        ``(train_part, validation_part, test_part)`` of the same type as
        ``data``.
    """
    train = check_fraction("train", train, allow_zero=False)
    validation = check_fraction("validation", validation, allow_zero=True)
    if train + validation >= 1:
        raise ValueError(
            "train + validation must be < 1 to leave a test part, got "
            f"{train} + {validation}"
        )
    context = check_int("context", context, 0)
    length = len(data)
    n_train = int(np.floor(train * length))
    n_val = int(np.floor(validation * length))
    if n_train < 1 or length - n_train - n_val < 1:
        raise ValueError(
            f"data of length {length} is too short for train={train}, "
            f"validation={validation}"
        )
    if context > n_train:
        raise ValueError(
            f"context must be <= the training length {n_train}, got {context}"
        )
    sliced = data.iloc if hasattr(data, "iloc") else data
    train_part = sliced[:n_train]
    val_part = sliced[n_train - context : n_train + n_val]
    test_part = sliced[n_train + n_val - context :]
    return train_part, val_part, test_part


class Scaler:
    """Standard score ``z = (x - mean) / std``, per feature, with statistics
    from ``fit`` only.

    Fit it on the training split and apply the same transform to validation and
    test data; ``inverse_transform`` maps model outputs back to the original
    units. NaN values are ignored when fitting and stay NaN when transforming.

    Shapes: ``(time,)`` data gives scalar statistics; ``(..., features)`` data
    gives one mean and standard deviation per feature (the last axis).
    """

    def __init__(self) -> None:
        self.mean_: np.ndarray | None = None
        self.std_: np.ndarray | None = None

    def fit(self, data: Any) -> Scaler:
        """Compute the mean and standard deviation of ``data`` (ignoring NaN);
        returns self."""
        values = _as_float_array("data", data)
        if values.size == 0:
            raise ValueError("cannot fit a Scaler on empty data")
        axes = None if values.ndim <= 1 else tuple(range(values.ndim - 1))
        if np.all(np.isnan(values), axis=axes).any():
            raise ValueError(
                "cannot fit a Scaler: a feature has only NaN values"
            )
        mean = np.nanmean(values, axis=axes)
        std = np.nanstd(values, axis=axes)
        if np.any(std == 0):
            raise ValueError(
                f"cannot scale a constant feature: standard deviation {std}"
            )
        self.mean_, self.std_ = mean, std
        return self

    def _check_fitted(self, data: Any) -> np.ndarray:
        if self.mean_ is None or self.std_ is None:
            raise ValueError(
                "this Scaler is not fitted yet: call fit(training_data) first"
            )
        values = _as_float_array("data", data)
        expected = np.shape(self.mean_)
        if expected and (values.ndim == 0 or values.shape[-1] != expected[0]):
            raise ValueError(
                f"data must have {expected[0]} features on its last axis (as "
                "fitted), "
                f"got shape {values.shape}"
            )
        return values

    def transform(self, data: Any) -> np.ndarray:
        """``(data - mean) / std`` as float32, same shape as ``data``."""
        values = self._check_fitted(data)
        return ((values - self.mean_) / self.std_).astype(np.float32)

    def inverse_transform(self, data: Any) -> np.ndarray:
        """``data * std + mean`` as float32: back to the original units."""
        values = self._check_fitted(data)
        return (values * self.std_ + self.mean_).astype(np.float32)

    def fit_transform(self, data: Any) -> np.ndarray:
        """``fit(data)`` then ``transform(data)``."""
        return self.fit(data).transform(data)

    def __repr__(self) -> str:
        if self.mean_ is None:
            return "Scaler(unfitted)"
        mean, std = np.round(self.mean_, 4), np.round(self.std_, 4)
        return f"Scaler(mean={mean}, std={std})"
