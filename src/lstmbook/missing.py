"""Missing values in sequences: find gaps, remove values at random, fill, flag, mask.

The strategies compared in the FAQ chapter on missing data, each a function on windows
``x: (n, time, features)`` in which ``NaN`` marks a missing value:

- :func:`zero_fill` (the article's 零填充) and :func:`fill_for_masking` (zeros plus the step mask
  that ``keras.layers.Masking`` would compute, checked for collisions with real values);
- :func:`forward_fill` (last observation carried forward) and :func:`linear_interpolate`;
- :func:`add_missing_indicators`: values plus a 0/1 "observed" channel and the time since the
  last observation, the inputs of the GRU-D paper's "GRU-Simple" baseline (Che et al., 2018).

Every filling function uses only values *inside* each window. Filling the whole series first and
cutting windows afterwards would leak the future: a gap at the end of an input window would be
interpolated towards the value the model is asked to predict.

Helpers: :func:`gap_lengths` (runs of missing values in a series), :func:`remove_at_random`
(hide a fraction of the observed values to get a known truth), :func:`center_windows`,
:func:`keras_mask` (NumPy twin of ``keras.layers.Masking``'s mask, NaN pitfall included).
"""

from __future__ import annotations

from typing import Any

import numpy as np

METHODS: tuple[str, ...] = ("zero", "forward", "linear")
"""Names accepted by :func:`impute`."""


def _windows(name: str, x: Any) -> np.ndarray:
    """``x`` as a float64 copy of shape ``(n, time, features)``; ValueError otherwise."""
    values = np.array(getattr(x, "to_numpy", lambda: x)(), dtype=np.float64)
    if values.ndim != 3:
        raise ValueError(f"{name} must have shape (n, time, features), got shape {values.shape}")
    if values.shape[1] < 1 or values.shape[2] < 1:
        raise ValueError(f"{name} must have at least one time step and feature: {values.shape}")
    return values


def _series(name: str, series: Any) -> np.ndarray:
    values = np.array(getattr(series, "to_numpy", lambda: series)(), dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional (time,), got shape {values.shape}")
    return values


def gap_lengths(series: Any) -> np.ndarray:
    """Lengths of the runs of consecutive missing (NaN) values of a 1-D series, in time order.

    ``gap_lengths(s).sum()`` is the number of missing values, ``len(gap_lengths(s))`` the number
    of gaps. Returns an int64 array (empty when nothing is missing).
    """
    missing = np.isnan(_series("series", series)).astype(np.int8)
    edges = np.diff(np.concatenate([[0], missing, [0]]))
    return (np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)).astype(np.int64)


def remove_at_random(
    series: Any, fraction: float, seed: int | np.random.Generator = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Hide ``round(fraction * n_observed)`` observed values of a 1-D series, chosen uniformly.

    Values that are already missing stay missing; the hidden ones are the known truth against
    which a filling method can be scored.

    Args:
        series: ``(time,)`` numbers with NaN for missing values (array or pandas Series).
        fraction: share of the *observed* values to hide, in ``[0, 1]``.
        seed: seed (or generator) for ``numpy.random.default_rng``.

    Returns:
        values: float64 copy of the series with the hidden values set to NaN.
        removed: bool ``(time,)``, True where a value was hidden by this call.
    """
    values = _series("series", series)
    if isinstance(fraction, bool) or not 0 <= float(fraction) <= 1:
        raise ValueError(f"fraction must be a number in [0, 1], got {fraction!r}")
    observed = np.flatnonzero(~np.isnan(values))
    rng = np.random.default_rng(seed)
    hidden = rng.choice(observed, size=int(round(float(fraction) * observed.size)), replace=False)
    removed = np.zeros(values.shape, dtype=bool)
    removed[hidden] = True
    values[removed] = np.nan
    return values, removed


def zero_fill(x: Any, value: float = 0.0) -> np.ndarray:
    """Replace every NaN by ``value`` (default 0). ``x: (n, time, features)`` -> float32."""
    return np.where(np.isnan(values := _windows("x", x)), value, values).astype(np.float32)


def forward_fill(x: Any, empty_value: float = 0.0) -> np.ndarray:
    """Carry the last observed value forward in time, inside each window and feature.

    Steps before the first observation of a window take that first observation (a backward fill
    that still uses only the window). A window and feature with no observation at all is filled
    with ``empty_value``.

    Args:
        x: ``(n, time, features)`` with NaN for missing values.
        empty_value: value for a (window, feature) without any observation.

    Returns:
        ``(n, time, features)`` float32 without NaN.
    """
    values = _windows("x", x)
    observed = ~np.isnan(values)
    steps = np.arange(values.shape[1])[None, :, None]
    last = np.maximum.accumulate(np.where(observed, steps, -1), axis=1)
    first = np.argmax(observed, axis=1)[:, None, :]  # first observed step (0 if none)
    source = np.where(last >= 0, last, first)
    filled = np.take_along_axis(values, source, axis=1)
    return np.where(np.isnan(filled), empty_value, filled).astype(np.float32)


def linear_interpolate(x: Any, empty_value: float = 0.0) -> np.ndarray:
    """Interpolate linearly between the observations of each window and feature.

    Before the first and after the last observation of a window the nearest observation is
    held constant (so a gap at the end of a window is forward-filled: nothing after the window
    is used). A window and feature with no observation is filled with ``empty_value``.

    Args:
        x: ``(n, time, features)`` with NaN for missing values.
        empty_value: value for a (window, feature) without any observation.

    Returns:
        ``(n, time, features)`` float32 without NaN.
    """
    values = _windows("x", x)
    steps = np.arange(values.shape[1])
    for k in range(values.shape[0]):
        for j in range(values.shape[2]):
            column = values[k, :, j]
            missing = np.isnan(column)
            if missing.all():
                column[:] = empty_value
            elif missing.any():
                column[missing] = np.interp(steps[missing], steps[~missing], column[~missing])
    return values.astype(np.float32)


def impute(x: Any, method: str) -> np.ndarray:
    """Fill NaN in ``x: (n, time, features)`` by ``method``: one of :data:`METHODS`."""
    fillers = {"zero": zero_fill, "forward": forward_fill, "linear": linear_interpolate}
    if method not in fillers:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return fillers[method](x)


def time_since_observed(x: Any) -> np.ndarray:
    """Steps since the last observation, per window, step and feature (0 where observed).

    Before the first observation of a window the count starts at the window's start, as if a
    value had been observed just before it: step ``t`` gets ``t + 1``. This is the ``δ`` of
    Che et al. (2018) for regularly spaced steps, measured inside the window.

    Args:
        x: ``(n, time, features)`` with NaN for missing values.

    Returns:
        ``(n, time, features)`` float32.
    """
    values = _windows("x", x)
    steps = np.arange(values.shape[1])[None, :, None]
    last = np.maximum.accumulate(np.where(~np.isnan(values), steps, -1), axis=1)
    return (steps - last).astype(np.float32)


def add_missing_indicators(x: Any, fill: str = "forward", time_since: bool = True) -> np.ndarray:
    """Filled values plus what the model needs to know which ones are real.

    For ``F`` input features returns ``2 F`` or ``3 F`` features: the values filled by
    :func:`impute` (``fill``), a 0/1 indicator that is 1 where the value was *observed*, and,
    with ``time_since``, :func:`time_since_observed` divided by the window length (so it lies in
    ``[0, 1]``). This is the input of the "GRU-Simple" baseline of Che et al. (2018), which
    concatenates the measurement, the masking vector and the time interval.

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

    Expressing each window relative to its own level lets a model forecast a trending series
    (such as CO2) without extrapolating beyond the values it was trained on. NaN stays NaN.

    Args:
        x: ``(n, time, features)`` with NaN for missing values.

    Returns:
        centered: ``(n, time, features)`` float32.
        level: ``(n, 1, features)`` float64, the subtracted means; NaN for a window and feature
        without any observation (its values stay NaN too).
    """
    values = _windows("x", x)
    observed = ~np.isnan(values)
    count = observed.sum(axis=1, keepdims=True)
    total = np.where(observed, values, 0.0).sum(axis=1, keepdims=True)
    level = np.divide(total, count, out=np.full(count.shape, np.nan), where=count > 0)
    return (values - level).astype(np.float32), level


def keras_mask(x: Any, mask_value: float = 0.0) -> np.ndarray:
    """The step mask that ``keras.layers.Masking(mask_value)`` computes, in NumPy.

    A step is kept (True) if *any* of its features differs from ``mask_value``:
    ``np.any(x != mask_value, axis=-1)``. With ``mask_value=np.nan`` every step is kept, because
    ``NaN != NaN`` is True: the NaN inputs then reach the LSTM and its outputs become NaN.

    Args:
        x: ``(n, time, features)``.

    Returns:
        bool ``(n, time)``.
    """
    values = np.asarray(x)
    if values.ndim != 3:
        raise ValueError(f"x must have shape (n, time, features), got shape {values.shape}")
    return np.any(values != mask_value, axis=-1)


def fill_for_masking(x: Any, mask_value: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Prepare windows for ``keras.layers.Masking(mask_value)``: fill missing steps, get the mask.

    Masking skips whole steps, so a step must be missing in all features or in none; a step with
    some features missing raises ValueError (fill those first). An *observed* step whose features
    all equal ``mask_value`` would be skipped as if missing: that raises ValueError too (pick
    another ``mask_value``). ``mask_value`` must not be NaN (see :func:`keras_mask`).

    Args:
        x: ``(n, time, features)`` with NaN for missing values.
        mask_value: the sentinel that marks a skipped step.

    Returns:
        filled: ``(n, time, features)`` float32, missing steps set to ``mask_value``.
        keep: bool ``(n, time)``, the mask Masking will compute (True = observed step).
    """
    if np.isnan(mask_value):
        raise ValueError("mask_value=NaN masks nothing (NaN != NaN); use a finite sentinel")
    values = _windows("x", x)
    missing = np.isnan(values)
    partial = missing.any(axis=-1) & ~missing.all(axis=-1)
    if partial.any():
        raise ValueError(
            f"{int(partial.sum())} steps have only some features missing; Masking skips whole "
            f"steps, so fill those values first"
        )
    collisions = (~missing.any(axis=-1)) & np.all(values == mask_value, axis=-1)
    if collisions.any():
        raise ValueError(
            f"{int(collisions.sum())} observed steps equal mask_value={mask_value} and would be "
            f"masked; choose a mask_value that no observed step takes"
        )
    filled = np.where(missing, mask_value, values).astype(np.float32)
    keep = keras_mask(filled, mask_value)
    return filled, keep
