"""Serves faq/04 (missing data): find gaps, remove values at random, fill,
flag, mask.

The strategies compared in the FAQ chapter on missing data, each a function on
windows ``x: (n, time, features)`` in which ``NaN`` marks a missing value:

- :func:`zero_fill` (the article's 零填充) and :func:`fill_for_masking` (zeros
  plus the step mask that ``keras.layers.Masking`` would compute, checked for
  collisions with real values);
- :func:`forward_fill` (last observation carried forward)
  and :func:`linear_interpolate`, pandas' ``ffill`` and ``interpolate`` applied
  along time to every window and feature;
- :func:`add_missing_indicators`: values plus a 0/1 "observed" channel and the
  time since the last observation, the inputs of the GRU-D paper's "GRU-Simple"
  baseline (Che et al., 2018).

Every filling function uses only values *inside* each window. Filling the whole
series first and cutting windows afterwards would leak the future: a gap at the
end of an input window would be interpolated towards the value the model is
asked to predict.

Helpers: :func:`gap_lengths` (runs of missing values in a
series), :func:`remove_at_random` (hide a fraction of the observed values to
get a known truth), :func:`center_windows`, :func:`keras_mask` (NumPy twin of
``keras.layers.Masking``'s mask, NaN pitfall included).

The experiment: :func:`strategy_inputs` turns windows with gaps into the input
of each of the :data:`STRATEGIES`, and :func:`forecast_with_gaps` trains the
same small LSTM forecaster on each, for several missing rates and seeds, and
scores it against the known truth.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from lstmbook.chapters.forecasting import rmse

if TYPE_CHECKING:
    import pandas as pd

METHODS: tuple[str, ...] = ("zero", "forward", "linear")
"""Names accepted by :func:`impute`."""

STRATEGIES: tuple[str, ...] = (
    "zero",
    "masking",
    "forward",
    "linear",
    "indicators",
)
"""Names accepted by :func:`strategy_inputs`: zero-fill, zero-fill with the
masked steps skipped, forward fill, linear interpolation, forward fill plus
indicator features."""


def _windows(name: str, x: Any) -> np.ndarray:
    """``x`` as a float64 copy of shape ``(n, time, features)``; ValueError
    otherwise."""
    values = np.array(getattr(x, "to_numpy", lambda: x)(), dtype=np.float64)
    if values.ndim != 3:
        raise ValueError(
            f"{name} must have shape (n, time, features), got shape "
            f"{values.shape}"
        )
    if values.shape[1] < 1 or values.shape[2] < 1:
        raise ValueError(
            f"{name} must have at least one time step and feature: "
            f"{values.shape}"
        )
    return values


def _series(name: str, series: Any) -> np.ndarray:
    values = np.array(
        getattr(series, "to_numpy", lambda: series)(), dtype=np.float64
    )
    if values.ndim != 1:
        raise ValueError(
            f"{name} must be one-dimensional (time,), got shape {values.shape}"
        )
    return values


def gap_lengths(series: Any) -> np.ndarray:
    """Lengths of the runs of consecutive missing (NaN) values of a 1-D series,
    in time order.

    ``gap_lengths(s).sum()`` is the number of missing values,
    ``len(gap_lengths(s))`` the number of gaps. Returns an int64 array (empty
    when nothing is missing).
    """
    missing = np.isnan(_series("series", series)).astype(np.int8)
    edges = np.diff(np.concatenate([[0], missing, [0]]))
    return (np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)).astype(
        np.int64
    )


def remove_at_random(
    series: Any, fraction: float, seed: int | np.random.Generator = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Hide ``round(fraction * n_observed)`` observed values of a 1-D series,
    chosen uniformly.

    Values that are already missing stay missing; the hidden ones are the known
    truth against which a filling method can be scored.

    Args:
        series: ``(time,)`` numbers with NaN for missing values (array or
            pandas Series).
        fraction: share of the *observed* values to hide, in ``[0, 1]``.
        seed: seed (or generator) for ``numpy.random.default_rng``.

    Returns:
        values: float64 copy of the series with the hidden values set to NaN.
        removed: bool ``(time,)``, True where a value was hidden by this call.
    """
    values = _series("series", series)
    if isinstance(fraction, bool) or not 0 <= float(fraction) <= 1:
        raise ValueError(
            f"fraction must be a number in [0, 1], got {fraction!r}"
        )
    observed = np.flatnonzero(~np.isnan(values))
    rng = np.random.default_rng(seed)
    hidden = rng.choice(
        observed,
        size=int(round(float(fraction) * observed.size)),
        replace=False,
    )
    removed = np.zeros(values.shape, dtype=bool)
    removed[hidden] = True
    values[removed] = np.nan
    return values, removed


def zero_fill(x: Any, value: float = 0.0) -> np.ndarray:
    """Replace every NaN by ``value`` (default 0). ``x: (n, time, features)``
    -> float32."""
    return np.where(
        np.isnan(values := _windows("x", x)), value, values
    ).astype(np.float32)


def _fill_along_time(
    x: Any, fill: Callable[[pd.DataFrame], pd.DataFrame], empty_value: float
) -> np.ndarray:
    """Apply a pandas filling along time to every window and feature of ``x``,
    separately.

    ``x: (n, time, features)`` becomes a ``(time, n * features)`` DataFrame,
    one column per window and feature, so that ``fill`` never crosses from one
    window into the next; what ``fill`` leaves missing (a column without any
    observation) becomes ``empty_value``. Returns ``(n, time, features)``
    float32.
    """
    import pandas as pd

    values = _windows("x", x)
    n, time, features = values.shape
    columns = pd.DataFrame(
        values.transpose(1, 0, 2).reshape(time, n * features)
    )
    filled = fill(columns).fillna(empty_value).to_numpy(dtype=np.float64)
    return (
        filled.reshape(time, n, features).transpose(1, 0, 2).astype(np.float32)
    )


def forward_fill(x: Any, empty_value: float = 0.0) -> np.ndarray:
    """Carry the last observed value forward in time, inside each window and
    feature.

    Steps before the first observation of a window take that first observation
    (a backward fill that still uses only the window). A window and feature
    with no observation at all is filled with ``empty_value``. This is pandas'
    ``ffill().bfill()`` along time, per window and feature.

    Args:
        x: ``(n, time, features)`` with NaN for missing values.
        empty_value: value for a (window, feature) without any observation.

    Returns:
        ``(n, time, features)`` float32 without NaN.
    """
    return _fill_along_time(
        x, lambda frame: frame.ffill().bfill(), empty_value
    )


def linear_interpolate(x: Any, empty_value: float = 0.0) -> np.ndarray:
    """Interpolate linearly between the observations of each window and
    feature.

    Before the first and after the last observation of a window the nearest
    observation is held constant (so a gap at the end of a window is
    forward-filled: nothing after the window is used). A window and feature
    with no observation is filled with ``empty_value``. This is pandas'
    ``interpolate(method="linear", limit_direction="both")`` along time, per
    window and feature.

    Args:
        x: ``(n, time, features)`` with NaN for missing values.
        empty_value: value for a (window, feature) without any observation.

    Returns:
        ``(n, time, features)`` float32 without NaN.
    """
    return _fill_along_time(
        x,
        lambda frame: frame.interpolate(
            method="linear", limit_direction="both"
        ),
        empty_value,
    )


def impute(x: Any, method: str) -> np.ndarray:
    """Fill NaN in ``x: (n, time, features)`` by ``method``: one
    of :data:`METHODS`."""
    fillers = {
        "zero": zero_fill,
        "forward": forward_fill,
        "linear": linear_interpolate,
    }
    if method not in fillers:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return fillers[method](x)


def time_since_observed(x: Any) -> np.ndarray:
    """Steps since the last observation, per window, step and feature (0 where
    observed).

    Before the first observation of a window the count starts at the window's
    start, as if a value had been observed just before it: step ``t`` gets
    ``t + 1``. This is the ``δ`` of Che et al. (2018) for regularly spaced
    steps, measured inside the window.

    Args:
        x: ``(n, time, features)`` with NaN for missing values.

    Returns:
        ``(n, time, features)`` float32.
    """
    values = _windows("x", x)
    steps = np.arange(values.shape[1])[None, :, None]
    last = np.maximum.accumulate(
        np.where(~np.isnan(values), steps, -1), axis=1
    )
    return (steps - last).astype(np.float32)


def add_missing_indicators(
    x: Any, fill: str = "forward", time_since: bool = True
) -> np.ndarray:
    """Filled values plus what the model needs to know which ones are real.

    For ``F`` input features returns ``2 F`` or ``3 F`` features: the values
    filled by :func:`impute` (``fill``), a 0/1 indicator that is 1 where the
    value was *observed*, and, with ``time_since``, :func:`time_since_observed`
    divided by the window length (so it lies in ``[0, 1]``). This is the input
    of the "GRU-Simple" baseline of Che et al. (2018), which concatenates the
    measurement, the masking vector and the time interval.

    Args:
        x: ``(n, time, features)`` with NaN for missing values.
        fill: how to fill the values: one of :data:`METHODS`.
        time_since: append the scaled time since the last observation.

    Returns:
        ``(n, time, 2 F)`` or ``(n, time, 3 F)`` float32.
    """
    values = _windows("x", x)
    parts = [impute(values, fill), (~np.isnan(values)).astype(np.float32)]
    if time_since:
        parts.append(time_since_observed(values) / values.shape[1])
    return np.concatenate(parts, axis=-1).astype(np.float32)


def center_windows(x: Any) -> tuple[np.ndarray, np.ndarray]:
    """Subtract from each window and feature the mean of its *observed* values.

    Expressing each window relative to its own level lets a model forecast a
    trending series (such as CO2) without extrapolating beyond the values it
    was trained on. NaN stays NaN.

    Args:
        x: ``(n, time, features)`` with NaN for missing values.

    Returns:
        ``(centered, level)``: ``centered`` is ``(n, time, features)``
        float32; ``level`` is ``(n, 1, features)`` float64, the subtracted
        means, NaN for a window and feature without any observation (its
        values stay NaN too).
    """
    values = _windows("x", x)
    observed = ~np.isnan(values)
    count = observed.sum(axis=1, keepdims=True)
    total = np.where(observed, values, 0.0).sum(axis=1, keepdims=True)
    level = np.divide(
        total, count, out=np.full(count.shape, np.nan), where=count > 0
    )
    return (values - level).astype(np.float32), level


def keras_mask(x: Any, mask_value: float = 0.0) -> np.ndarray:
    """The step mask that ``keras.layers.Masking(mask_value)`` computes, in
    NumPy.

    A step is kept (True) if *any* of its features differs from ``mask_value``:
    ``np.any(x != mask_value, axis=-1)``. With ``mask_value=np.nan`` every step
    is kept, because ``NaN != NaN`` is True: the NaN inputs then reach the LSTM
    and its outputs become NaN.

    Args:
        x: ``(n, time, features)``.

    Returns:
        bool ``(n, time)``.
    """
    values = np.asarray(x)
    if values.ndim != 3:
        raise ValueError(
            f"x must have shape (n, time, features), got shape {values.shape}"
        )
    return np.any(values != mask_value, axis=-1)


def fill_for_masking(
    x: Any, mask_value: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Prepare windows for ``keras.layers.Masking(mask_value)``: fill missing
    steps, get the mask.

    Masking skips whole steps, so a step must be missing in all features or in
    none; a step with some features missing raises ValueError (fill those
    first). An *observed* step whose features all equal ``mask_value`` would be
    skipped as if missing: that raises ValueError too (pick another
    ``mask_value``). ``mask_value`` must not be NaN (see :func:`keras_mask`).

    Args:
        x: ``(n, time, features)`` with NaN for missing values.
        mask_value: the sentinel that marks a skipped step.

    Returns:
        filled: ``(n, time, features)`` float32, missing steps set to
            ``mask_value``.
        keep: bool ``(n, time)``, the mask Masking will compute (True =
            observed step).
    """
    if np.isnan(mask_value):
        raise ValueError(
            "mask_value=NaN masks nothing (NaN != NaN); use a finite sentinel"
        )
    values = _windows("x", x)
    missing = np.isnan(values)
    partial = missing.any(axis=-1) & ~missing.all(axis=-1)
    if partial.any():
        raise ValueError(
            f"{int(partial.sum())} steps have only some features missing; "
            "Masking skips whole "
            f"steps, so fill those values first"
        )
    collisions = (~missing.any(axis=-1)) & np.all(
        values == mask_value, axis=-1
    )
    if collisions.any():
        raise ValueError(
            f"{int(collisions.sum())} observed steps equal "
            f"mask_value={mask_value} and would be "
            f"masked; choose a mask_value that no observed step takes"
        )
    filled = np.where(missing, mask_value, values).astype(np.float32)
    keep = keras_mask(filled, mask_value)
    return filled, keep


def strategy_inputs(
    x: Any, strategy: str, mask_value: float = -99.0
) -> np.ndarray:
    """The LSTM input for one of the :data:`STRATEGIES`, from windows with NaN
    gaps.

    - ``"zero"``: :func:`zero_fill`;
    - ``"forward"`` / ``"linear"``: :func:`forward_fill`
      / :func:`linear_interpolate`;
    - ``"indicators"``: :func:`add_missing_indicators` (values, observed flag,
      time since);
    - ``"masking"``: the values filled with ``mask_value``
      (:func:`fill_for_masking`) plus, as the last column, the step flag (1 =
      observed)
      that :class:`lstmbook.keras_side.side_by_side.SideBySideLSTMCell` reads
      for a model with ``masked=True``. For
      ``keras.layers.Masking(mask_value)`` in front of a ``keras.layers.LSTM``
      feed the values only (``[..., :-1]``): Masking computes the same flag
      from them.

    Args:
        x: ``(n, time, features)`` with NaN for missing values.
        strategy: one of :data:`STRATEGIES`.
        mask_value: the sentinel of ``"masking"``; no observed step may equal
            it.

    Returns:
        ``(n, time, k)`` float32 with ``k = features`` (``features + 1`` for
        ``"masking"``, ``3 features`` for ``"indicators"``).
    """
    if strategy not in STRATEGIES:
        raise ValueError(
            f"strategy must be one of {STRATEGIES}, got {strategy!r}"
        )
    if strategy == "masking":
        filled, keep = fill_for_masking(x, mask_value)
        return np.concatenate(
            [filled, keep[..., None].astype(np.float32)], axis=-1
        )
    if strategy == "indicators":
        return add_missing_indicators(x)
    return impute(x, strategy)


def forecast_with_gaps(
    series: Any,
    rates: Sequence[float] = (0.0, 0.1, 0.3, 0.5),
    seeds: Sequence[int] = (0, 1, 2),
    strategies: Sequence[str] = STRATEGIES,
    *,
    window: int = 13,
    units: int = 8,
    epochs: int = 20,
    batch_size: int = 64,
    learning_rate: float = 0.02,
    train: float = 0.8,
    train_stride: int = 2,
    fit_seed: int = 0,
) -> pd.DataFrame:
    """One-step forecasts of a series with gaps: every strategy, missing rate
    and seed.

    For each ``rate`` and ``seed``, :func:`remove_at_random` hides that share
    of the observed values (the real gaps stay missing; rate 0 keeps only the
    real gaps). The copy is cut into windows of ``window`` steps whose target
    is the next value; each window is centred on the mean of its observed
    values (:func:`center_windows`) and turned into the input of each strategy
    (:func:`strategy_inputs`). Every (rate, seed, strategy) gets its own
    ``LSTM(units) -> Dense(1)`` with initial weights from ``seed``; all of them
    are trained side by side (:mod:`lstmbook.keras_side.side_by_side`:
    independent models, same mini-batches) with Adam on the windows whose
    target lies in the first ``train`` share of the series and was observed in
    that copy. The score is the root mean squared error against the *true* next
    value on the remaining windows (the test period), in the units of the
    series. The ``persistence`` rows are the naive forecast "the last observed
    value in the window", for reference.

    Args:
        series: ``(time,)`` numbers, NaN for missing values (array or pandas
            Series).
        rates: shares of the observed values to hide, each in ``[0, 1)``.
        seeds: seeds: each one draws the hidden values and the initial weights.
        strategies: a subset of :data:`STRATEGIES`.
        window: input length in steps.
        units: LSTM hidden units.
        epochs, batch_size, learning_rate: training settings (Adam).
        train: share of the series (by target time) used for training.
        train_stride: use every ``train_stride``-th training window (1 = all).
        fit_seed: seed of the order of the training batches (shared by all
            models).

    Returns:
        A ``pandas.DataFrame`` with one row per (rate, seed, strategy) plus a
        ``persistence`` row per (rate, seed): columns ``rate``, ``seed``,
        ``strategy``, ``rmse``.
    """
    import keras
    import pandas as pd

    from lstmbook.data import make_windows
    from lstmbook.keras_side.side_by_side import (
        build_side_by_side_regressor,
        fit_side_by_side,
        predict_side_by_side,
        stack_inputs,
    )

    values = _series("series", series)
    unknown = sorted(set(strategies) - set(STRATEGIES))
    if unknown or not strategies:
        raise ValueError(
            f"strategies must be a non-empty subset of {STRATEGIES}, got "
            f"{unknown}"
        )
    _, truth = make_windows(values, window, allow_nan=True)
    target_step = np.arange(truth.shape[0]) + window
    train_rows = (target_step < int(train * values.size)) & (
        np.arange(truth.shape[0]) % train_stride == 0
    )
    test_rows = (target_step >= int(train * values.size)) & ~np.isnan(
        truth[:, 0]
    )
    if not train_rows.any() or not test_rows.any():
        raise ValueError(
            f"train={train} leaves no training or no test windows"
        )

    inputs, targets, levels, rows, persistence = [], [], [], [], []
    for rate in rates:
        for seed in seeds:
            rng = np.random.default_rng(
                [int(seed), int(round(1000 * float(rate)))]
            )
            copy, _ = remove_at_random(values, rate, rng)
            windows, _ = make_windows(copy, window, allow_nan=True)
            centered, level = center_windows(windows)
            level = (
                pd.Series(level[:, 0, 0]).ffill().bfill().to_numpy()
            )  # empty windows
            target = np.where(
                np.isnan(copy[target_step]), np.nan, truth[:, 0] - level
            )
            last_seen = forward_fill(windows)[:, -1, 0]
            persistence.append((rate, seed, "persistence", last_seen, level))
            for strategy in strategies:
                inputs.append(strategy_inputs(centered, strategy))
                targets.append(target)
                levels.append(level)
                rows.append((rate, seed, strategy))

    n_models = len(rows)
    stacked = stack_inputs(inputs)
    keras.utils.set_random_seed(int(seeds[0]))
    model = build_side_by_side_regressor(
        n_models,
        units,
        stacked.shape[-1] // n_models,
        seeds=[seed for _, seed, _ in rows],
        masked=[strategy == "masking" for _, _, strategy in rows],
        learning_rate=learning_rate,
    )
    y = np.stack(targets, axis=1)[..., None]
    fit_side_by_side(
        model,
        stacked[train_rows],
        y[train_rows],
        epochs=epochs,
        batch_size=batch_size,
        seed=fit_seed,
    )
    predicted = predict_side_by_side(model, stacked[test_rows])[..., 0]
    predicted = predicted + np.stack(levels, axis=1)[test_rows]
    true = truth[test_rows, 0]
    records = [
        {
            "rate": rate,
            "seed": seed,
            "strategy": strategy,
            "rmse": rmse(true, predicted[:, k]),
        }
        for k, (rate, seed, strategy) in enumerate(rows)
    ]
    records += [
        {
            "rate": rate,
            "seed": seed,
            "strategy": name,
            "rmse": rmse(true, last[test_rows]),
        }
        for rate, seed, name, last, _ in persistence
    ]
    return pd.DataFrame.from_records(records)
