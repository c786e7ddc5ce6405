"""lstmbook.chapters.missing: gaps, random removal, filling inside windows, indicators, masking helpers."""

import keras
import numpy as np
import pandas as pd
import pytest

from lstmbook.chapters import missing

NAN = np.nan


def _windows(*rows):
    """Windows of one feature from rows of numbers: shape (n, time, 1)."""
    return np.array(rows, dtype=np.float64)[:, :, None]


# ---------------------------------------------------------------- gaps and random removal


def test_gap_lengths_counts_runs_in_order():
    series = np.array([1, NAN, NAN, 2, NAN, 3, 4, NAN, NAN, NAN])
    np.testing.assert_array_equal(missing.gap_lengths(series), [2, 1, 3])
    assert missing.gap_lengths(pd.Series([1.0, 2.0])).size == 0
    assert missing.gap_lengths(np.array([NAN])).tolist() == [1]


def test_gap_lengths_of_the_co2_record():
    from lstmbook.data import co2

    series = co2()
    gaps = missing.gap_lengths(series)
    assert gaps.sum() == series.isna().sum()
    assert gaps.size < gaps.sum()  # some gaps are longer than one week


def test_remove_at_random_hides_a_fraction_of_the_observed_values():
    series = np.arange(100, dtype=float)
    series[[3, 50]] = NAN
    values, removed = missing.remove_at_random(series, 0.25, seed=1)
    assert removed.sum() == round(0.25 * 98)
    assert not removed[[3, 50]].any()  # already missing: not counted, not "removed"
    assert np.isnan(values[removed]).all() and np.isnan(values[[3, 50]]).all()
    kept = ~np.isnan(values)
    np.testing.assert_array_equal(values[kept], series[kept])
    assert np.isnan(series).sum() == 2  # the input is not modified


def test_remove_at_random_is_deterministic_and_uniform():
    series = np.zeros(1000)
    a = missing.remove_at_random(series, 0.3, seed=7)[1]
    b = missing.remove_at_random(series, 0.3, seed=7)[1]
    c = missing.remove_at_random(series, 0.3, seed=8)[1]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    counts = np.stack([missing.remove_at_random(series, 0.3, seed=s)[1] for s in range(200)])
    per_half = counts.reshape(200, 2, 500).sum(axis=(0, 2))
    assert abs(per_half[0] - per_half[1]) < 0.05 * per_half.sum()


@pytest.mark.parametrize("fraction", [-0.1, 1.5, True])
def test_remove_at_random_rejects_bad_fractions(fraction):
    with pytest.raises(ValueError, match="fraction"):
        missing.remove_at_random(np.zeros(5), fraction)


def test_remove_at_random_edge_fractions():
    series = np.arange(10.0)
    assert not missing.remove_at_random(series, 0.0)[1].any()
    assert missing.remove_at_random(series, 1.0)[1].all()


# ---------------------------------------------------------------- filling inside windows


def test_zero_fill():
    x = _windows([1, NAN, 3])
    np.testing.assert_array_equal(missing.zero_fill(x)[0, :, 0], [1, 0, 3])
    np.testing.assert_array_equal(missing.zero_fill(x, value=-9)[0, :, 0], [1, -9, 3])
    assert missing.zero_fill(x).dtype == np.float32


def test_forward_fill_inside_each_window():
    x = _windows([NAN, 2, NAN, NAN, 5], [1, NAN, 3, NAN, NAN], [NAN, NAN, NAN, NAN, NAN])
    filled = missing.forward_fill(x, empty_value=-1)[:, :, 0]
    np.testing.assert_array_equal(filled[0], [2, 2, 2, 2, 5])  # leading gap: first observation
    np.testing.assert_array_equal(filled[1], [1, 1, 3, 3, 3])
    np.testing.assert_array_equal(filled[2], [-1] * 5)


def test_forward_fill_features_are_independent():
    x = np.array([[[1, NAN], [NAN, 2], [NAN, NAN]]])
    np.testing.assert_array_equal(missing.forward_fill(x)[0], [[1, 2], [1, 2], [1, 2]])


def test_linear_interpolate_matches_pandas_inside_the_window():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 15, 2))
    x[rng.random(x.shape) < 0.4] = NAN
    x[0, :, 0] = NAN  # one empty column
    got = missing.linear_interpolate(x, empty_value=0.0)
    for k in range(x.shape[0]):
        frame = pd.DataFrame(x[k]).interpolate(limit_direction="both").fillna(0.0)
        np.testing.assert_allclose(got[k], frame.to_numpy(), rtol=1e-6, atol=1e-6)


def test_forward_fill_matches_pandas_inside_the_window():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(20, 15, 2))
    x[rng.random(x.shape) < 0.5] = NAN
    x[3, :, 1] = NAN  # one empty column
    got = missing.forward_fill(x, empty_value=-7.0)
    assert got.dtype == np.float32 and got.shape == x.shape
    for k in range(x.shape[0]):
        frame = pd.DataFrame(x[k]).ffill().bfill().fillna(-7.0)
        np.testing.assert_array_equal(got[k], frame.to_numpy(dtype=np.float32))


@pytest.mark.parametrize("function", [missing.forward_fill, missing.linear_interpolate])
def test_filling_never_crosses_into_the_neighbouring_window(function):
    # window 1 starts and window 0 ends with a gap: neither may borrow from the other
    x = _windows([1, 2, NAN], [NAN, 5, 6], [NAN, NAN, NAN])
    filled = function(x, empty_value=-1)[:, :, 0]
    np.testing.assert_array_equal(filled, [[1, 2, 2], [5, 5, 6], [-1, -1, -1]])


def test_linear_interpolate_does_not_look_past_the_window_end():
    x = _windows([0, NAN, 2, NAN, NAN])
    np.testing.assert_allclose(missing.linear_interpolate(x)[0, :, 0], [0, 1, 2, 2, 2])


def test_impute_dispatches_and_validates():
    x = _windows([1, NAN, 3])
    np.testing.assert_array_equal(missing.impute(x, "linear"), missing.linear_interpolate(x))
    np.testing.assert_array_equal(missing.impute(x, "forward"), missing.forward_fill(x))
    np.testing.assert_array_equal(missing.impute(x, "zero"), missing.zero_fill(x))
    with pytest.raises(ValueError, match="method must be one of"):
        missing.impute(x, "mean")


@pytest.mark.parametrize(
    "function",
    [missing.zero_fill, missing.forward_fill, missing.linear_interpolate, missing.center_windows],
)
def test_window_functions_reject_wrong_shapes(function):
    with pytest.raises(ValueError, match=r"\(n, time, features\)"):
        function(np.zeros((4, 3)))


# ---------------------------------------------------------------- indicators


def test_time_since_observed():
    x = _windows([NAN, 1, NAN, NAN, 2, NAN])
    np.testing.assert_array_equal(missing.time_since_observed(x)[0, :, 0], [1, 0, 1, 2, 0, 1])


def test_add_missing_indicators_layout():
    x = np.array([[[1, NAN], [NAN, 2], [3, NAN], [NAN, NAN]]])
    out = missing.add_missing_indicators(x)
    assert out.shape == (1, 4, 6) and out.dtype == np.float32
    np.testing.assert_array_equal(out[0, :, :2], missing.forward_fill(x)[0])
    np.testing.assert_array_equal(out[0, :, 2:4], [[1, 0], [0, 1], [1, 0], [0, 0]])
    np.testing.assert_allclose(out[0, :, 4:] * 4, missing.time_since_observed(x)[0])
    assert missing.add_missing_indicators(x, fill="zero", time_since=False).shape == (1, 4, 4)


# ---------------------------------------------------------------- centering and masking


def test_center_windows_uses_observed_values_only():
    x = _windows([1, NAN, 3], [NAN, NAN, NAN])
    centered, level = missing.center_windows(x)
    np.testing.assert_array_equal(level[:, 0, 0], [2, NAN])
    np.testing.assert_array_equal(centered[0, :, 0], [-1, NAN, 1])
    assert np.isnan(centered[1]).all()


def test_keras_mask_matches_the_masking_layer_including_the_nan_pitfall():
    x = np.array([[[0, 0], [1, 0], [0, 0], [2, 3]]], dtype=np.float32)
    for value in (0.0, 1.0):
        expected = keras.layers.Masking(mask_value=value).compute_mask(x)
        np.testing.assert_array_equal(missing.keras_mask(x, value), np.asarray(expected))
    with_nan = np.where(x == 0, np.nan, x).astype(np.float32)
    nan_mask = np.asarray(keras.layers.Masking(mask_value=np.nan).compute_mask(with_nan))
    assert nan_mask.all()  # NaN != NaN: nothing is masked
    np.testing.assert_array_equal(missing.keras_mask(with_nan, np.nan), nan_mask)


def test_fill_for_masking_fills_and_returns_the_mask():
    x = _windows([1, NAN, 3])
    filled, keep = missing.fill_for_masking(x, mask_value=-5.0)
    np.testing.assert_array_equal(filled[0, :, 0], [1, -5, 3])
    np.testing.assert_array_equal(keep, [[True, False, True]])


def test_fill_for_masking_refuses_collisions_partial_steps_and_nan():
    with pytest.raises(ValueError, match="observed steps equal mask_value"):
        missing.fill_for_masking(_windows([0, NAN, 3]), mask_value=0.0)
    with pytest.raises(ValueError, match="only some features missing"):
        missing.fill_for_masking(np.array([[[1, NAN]]]))
    with pytest.raises(ValueError, match="NaN masks nothing"):
        missing.fill_for_masking(_windows([1, NAN]), mask_value=np.nan)


def test_masked_step_carries_the_lstm_state():
    """What the chapter shows: with Masking, a skipped step leaves h and c unchanged."""
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(1, 5, 1)).astype(np.float32)
    filled, _ = missing.fill_for_masking(np.where(np.arange(5)[None, :, None] == 2, NAN, x), -9.0)
    inputs = keras.Input((None, 1))
    lstm = keras.layers.LSTM(3, return_state=True)
    model = keras.Model(inputs, lstm(keras.layers.Masking(-9.0)(inputs)))
    _, h_all, c_all = model(filled)
    _, h_two, c_two = model(filled[:, :2])
    _, h_skip, c_skip = model(np.concatenate([filled[:, :2], filled[:, 3:]], axis=1))
    np.testing.assert_allclose(np.asarray(h_all), np.asarray(h_skip), atol=1e-6)
    np.testing.assert_allclose(np.asarray(c_all), np.asarray(c_skip), atol=1e-6)
    _, h_three, c_three = model(filled[:, :3])  # ends on the masked step
    np.testing.assert_allclose(np.asarray(h_three), np.asarray(h_two), atol=1e-7)
    np.testing.assert_allclose(np.asarray(c_three), np.asarray(c_two), atol=1e-7)


# ---------------------------------------------------------------- the experiment


def test_strategy_inputs_shapes_and_masking_flag():
    x = np.array([[[1.0], [NAN], [3.0]]])
    assert missing.strategy_inputs(x, "zero").shape == (1, 3, 1)
    assert missing.strategy_inputs(x, "indicators").shape == (1, 3, 3)
    masking = missing.strategy_inputs(x, "masking", mask_value=-7.0)
    np.testing.assert_array_equal(masking[0], [[1, 1], [-7, 0], [3, 1]])
    np.testing.assert_array_equal(missing.strategy_inputs(x, "linear")[0, :, 0], [1, 2, 3])
    with pytest.raises(ValueError, match="strategy must be one of"):
        missing.strategy_inputs(x, "mean")


@pytest.mark.slow
def test_forecast_with_gaps_table_and_a_learnable_series():
    t = np.arange(400)
    series = np.sin(2 * np.pi * t / 20) + 0.01 * t
    series[[30, 31, 90]] = NAN
    kwargs = dict(rates=(0.0, 0.3), seeds=(0, 1), window=10, units=4, epochs=8, train_stride=1)
    keras.utils.set_random_seed(0)
    runs = missing.forecast_with_gaps(series, **kwargs)
    assert len(runs) == 2 * 2 * (len(missing.STRATEGIES) + 1)
    assert set(runs["strategy"]) == {*missing.STRATEGIES, "persistence"}
    assert np.isfinite(runs["rmse"]).all()
    table = runs.groupby(["strategy", "rate"])["rmse"].mean().unstack()
    # a smooth periodic series: interpolation at 30% hidden beats zero-fill
    assert table.loc["linear", 0.3] < table.loc["zero", 0.3]
    # persistence does not depend on training
    persistence = runs[runs["strategy"] == "persistence"]
    assert persistence.groupby("rate")["rmse"].nunique().loc[0.0] == 1
    again = missing.forecast_with_gaps(series, **kwargs)
    np.testing.assert_allclose(again["rmse"], runs["rmse"], rtol=1e-5)


@pytest.mark.slow
def test_forecast_with_gaps_fit_seed_moves_the_batch_order():
    t = np.arange(200)
    series = np.sin(2 * np.pi * t / 20) + 0.01 * t
    series[[30, 31, 90]] = NAN
    kwargs = dict(rates=(0.1,), seeds=(0,), strategies=("linear",), window=10, units=3, epochs=2,
                  batch_size=16, train_stride=1)  # fmt: skip
    default = missing.forecast_with_gaps(series, **kwargs)
    same = missing.forecast_with_gaps(series, fit_seed=0, **kwargs)
    moved = missing.forecast_with_gaps(series, fit_seed=1, **kwargs)
    np.testing.assert_allclose(same["rmse"], default["rmse"], rtol=1e-5)
    model_row = default["strategy"] == "linear"
    assert not np.isclose(moved.loc[model_row, "rmse"], default.loc[model_row, "rmse"]).all()
    # persistence needs no training: the batch order does not touch it
    np.testing.assert_array_equal(moved.loc[~model_row, "rmse"], default.loc[~model_row, "rmse"])


def test_forecast_with_gaps_validates():
    with pytest.raises(ValueError, match="strategies"):
        missing.forecast_with_gaps(np.arange(100.0), strategies=("mean",))
    with pytest.raises(ValueError, match="no training or no test"):
        missing.forecast_with_gaps(np.arange(30.0), window=10, train=0.2)
