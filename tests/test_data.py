"""Tests of lstmbook.data: task structure, statistics, the Reber grammar, real data, helpers."""

from __future__ import annotations

import functools
import math
import re
import string as string_module
import textwrap

import numpy as np
import pandas as pd
import pytest

from lstmbook import data

# ---------------------------------------------------------------- adding problem


def test_adding_problem_structure_and_target():
    x, y = data.adding_problem(500, 30, seed=1)
    assert x.shape == (500, 30, 2) and x.dtype == np.float32
    assert y.shape == (500, 1) and y.dtype == np.float32
    values, markers = x[..., 0], x[..., 1]
    assert values.min() >= 0 and values.max() < 1
    assert set(np.unique(markers)) == {0.0, 1.0}
    assert np.all(markers[:, :15].sum(axis=1) == 1)  # one marker in the first half
    assert np.all(markers[:, 15:].sum(axis=1) == 1)  # one in the second half
    np.testing.assert_allclose(y[:, 0], (values * markers).sum(axis=1), rtol=1e-6)


def test_adding_problem_markers_cover_each_half_uniformly():
    x, _ = data.adding_problem(20_000, 10, seed=2)
    positions = np.nonzero(x[..., 1])[1].reshape(-1, 2)
    first_counts = np.bincount(positions[:, 0], minlength=5)
    second_counts = np.bincount(positions[:, 1] - 5, minlength=5)
    # each of the 5 slots per half gets 1/5 of the markers (4000 +- 4 standard deviations)
    std = math.sqrt(20_000 * 0.2 * 0.8)
    assert np.all(np.abs(first_counts - 4000) < 4 * std)
    assert np.all(np.abs(second_counts - 4000) < 4 * std)


def test_adding_problem_constant_one_baseline_is_one_sixth():
    _, y = data.adding_problem(200_000, 4, seed=3)
    squared = (y[:, 0].astype(np.float64) - 1.0) ** 2
    standard_error = squared.std() / math.sqrt(squared.size)
    assert abs(squared.mean() - data.ADDING_PROBLEM_BASELINE_MSE) < 4 * standard_error
    # and the constant 1 is the best constant: the mean of the target
    assert abs(y.mean() - 1.0) < 4 * y.std() / math.sqrt(y.size)


def test_adding_problem_is_deterministic_per_seed():
    a = data.adding_problem(8, 12, seed=5)
    b = data.adding_problem(8, 12, seed=5)
    c = data.adding_problem(8, 12, seed=6)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize(
    ("n", "T", "match"),
    [
        (10, 1, "T must be an integer >= 2"),
        (0, 10, "n must be"),
        (10, 2.5, "T must be"),
        (True, 5, "bool"),
    ],
)
def test_adding_problem_rejects_bad_arguments(n, T, match):
    with pytest.raises(ValueError, match=match):
        data.adding_problem(n, T, seed=0)


# ---------------------------------------------------------------- temporal order


def test_temporal_order_position_ranges_match_the_paper_at_length_100():
    # Hochreiter & Schmidhuber (1997), task 6a: t1 in [10, 20], t2 in [50, 60] for length ~100.
    assert data.temporal_order_positions(100) == ((10, 20), (50, 60))


def test_temporal_order_sequences_follow_the_rules():
    T = 40
    x, y = data.temporal_order(2000, T, seed=4)
    assert x.shape == (2000, T, 8) and x.dtype == np.float32 and y.dtype == np.int64
    assert np.all(x.sum(axis=-1) == 1)  # one-hot
    strings = data.decode_symbols(x)
    (t1_low, t1_high), (t2_low, t2_high) = data.temporal_order_positions(T)
    for s, label in zip(strings, y, strict=True):
        assert s[0] == "E" and s[-1] == "B"
        relevant = [(t, c) for t, c in enumerate(s) if c in "XY"]
        assert len(relevant) == 2
        (t1, first), (t2, second) = relevant
        assert t1_low <= t1 <= t1_high and t2_low <= t2 <= t2_high
        assert set(s[1:-1]) - {"X", "Y"} <= set("abcd")
        assert data.TEMPORAL_ORDER_CLASSES[label] == first + second


def test_temporal_order_classes_are_balanced_so_chance_is_a_quarter():
    _, y = data.temporal_order(8000, 20, seed=5)
    fractions = np.bincount(y, minlength=4) / y.size
    std = math.sqrt(0.25 * 0.75 / y.size)
    assert np.all(np.abs(fractions - 0.25) < 4 * std)


def test_temporal_order_rejects_short_sequences():
    with pytest.raises(ValueError, match="T must be an integer >= 10, got 9"):
        data.temporal_order(5, 9)


def test_decode_symbols_checks_the_alphabet_size():
    with pytest.raises(ValueError, match=r"shape \(n, time, 8\)"):
        data.decode_symbols(np.zeros((2, 5, 3)))


# ---------------------------------------------------------------- copy task


def test_copy_task_layout():
    T, n_symbols, L = 12, 5, 4
    x, y = data.copy_task(300, T, n_symbols, seed=7, copy_length=L)
    assert x.shape == (300, T + 2 * L, n_symbols + 2) and y.shape == (300, T + 2 * L)
    tokens = x.argmax(axis=-1)
    assert np.all(x.sum(axis=-1) == 1)
    payload = tokens[:, :L]
    assert payload.min() >= 1 and payload.max() <= n_symbols
    assert np.all(tokens[:, L : T + L - 1] == 0)
    assert np.all(tokens[:, T + L - 1] == n_symbols + 1)  # the delimiter
    assert np.all(tokens[:, T + L :] == 0)
    assert np.all(y[:, : T + L] == 0)
    np.testing.assert_array_equal(y[:, T + L :], payload)
    assert len(np.unique(payload)) == n_symbols  # every data symbol is used


def test_copy_task_baseline_equals_memoryless_cross_entropy():
    T, n_symbols, L = 20, 6, 5
    _, y = data.copy_task(400, T, n_symbols, seed=8, copy_length=L)
    # a network without memory: blank for sure until recall starts, then uniform over data symbols
    probs = np.zeros(y.shape + (n_symbols + 2,))
    probs[:, : T + L, 0] = 1.0
    probs[:, T + L :, 1 : n_symbols + 1] = 1.0 / n_symbols
    picked = np.take_along_axis(probs, y[..., None], axis=-1)[..., 0]
    empirical = -np.log(picked).mean()
    assert empirical == pytest.approx(
        data.copy_task_baseline_cross_entropy(T, n_symbols, L), rel=1e-12
    )


def test_copy_task_rejects_a_one_symbol_alphabet():
    with pytest.raises(ValueError, match="n_symbols must be an integer >= 2"):
        data.copy_task(4, 10, n_symbols=1)


# ---------------------------------------------------------------- LSTM vs CNN tasks


def test_first_symbol_task_label_is_the_first_symbol():
    x, y = data.first_symbol_task(3000, 50, n_symbols=3, seed=9)
    assert x.shape == (3000, 50, 3)
    np.testing.assert_array_equal(y, x[:, 0].argmax(axis=-1))
    # all symbols equally likely everywhere, so the last steps say nothing about the label
    last = x[:, -1].argmax(axis=-1)
    assert abs(np.mean(last == y) - 1 / 3) < 4 * math.sqrt(2 / 9 / 3000)


def test_motif_task_label_says_whether_the_motif_occurs():
    motif = (2, 0, 1)
    x, y = data.motif_task(1000, 60, motif=motif, n_symbols=3, seed=10)
    assert x.shape == (1000, 60, 3) and y.dtype == np.int64
    assert y.sum() == 500  # exactly balanced
    needle = "".join(map(str, motif))
    contains = np.array(["".join(map(str, row)).find(needle) >= 0 for row in x.argmax(axis=-1)])
    np.testing.assert_array_equal(contains, y == 1)


def test_motif_task_is_solved_by_one_filter_and_global_max_pooling():
    # the docstring's claim: a width-k convolution whose kernel is the one-hot motif, then a
    # global max over time, reaches k exactly when the motif occurs
    motif = (1, 3, 0, 2)
    x, y = data.motif_task(600, 80, motif=motif, n_symbols=4, seed=18)
    kernel = np.eye(4)[list(motif)]  # (k, n_symbols)
    windows = np.lib.stride_tricks.sliding_window_view(x, len(motif), axis=1)  # (n, T-k+1, 4, k)
    responses = np.einsum("ntck,kc->nt", windows, kernel)
    predicted = (responses.max(axis=1) == len(motif)).astype(np.int64)
    np.testing.assert_array_equal(predicted, y)


def test_motif_task_rejects_bad_motifs():
    with pytest.raises(ValueError, match=r"motif symbols must lie in \[0, 4\)"):
        data.motif_task(10, 20, motif=(0, 4))
    with pytest.raises(ValueError, match="motif must be a sequence of >= 2 integers"):
        data.motif_task(10, 20, motif=(1,))
    with pytest.raises(ValueError, match="T must be an integer >= 4"):
        data.motif_task(10, 3, motif=(0, 1, 2, 3))
    with pytest.raises(ValueError, match="still occurs by accident after 1 repair rounds"):
        data.motif_task(50, 400, motif=(0, 1), n_symbols=2, max_rounds=1)


# ---------------------------------------------------------------- embedded Reber grammar
# An independent recogniser: the grammar written as a regular expression, and, for the
# legal-next sets, Brzozowski derivatives of the same expression.

REBER_INNER = r"B(?:TS*X(?:XT*VP)*(?:S|XT*VV)|PT*V(?:V|P(?:XT*VP)*(?:S|XT*VV)))E"
EMBEDDED = re.compile(rf"B(?:T{REBER_INNER}T|P{REBER_INNER}P)E")


EMPTY, EPSILON = ("empty",), ("eps",)


def lit(c):
    return ("lit", c)


def seq(*parts):
    """Concatenation, simplified: the empty language absorbs, the empty word drops out."""
    if EMPTY in parts:
        return EMPTY
    parts = tuple(p for p in parts if p != EPSILON)
    if not parts:
        return EPSILON
    return parts[0] if len(parts) == 1 else ("seq", parts)


def alt(*parts):
    """Union, simplified: drop the empty language and duplicates."""
    unique = tuple(dict.fromkeys(p for p in parts if p != EMPTY))
    if not unique:
        return EMPTY
    return unique[0] if len(unique) == 1 else ("alt", unique)


def star(part):
    return ("star", part)


LOOP = star(seq(lit("X"), star(lit("T")), lit("V"), lit("P")))
EXIT = alt(lit("S"), seq(lit("X"), star(lit("T")), lit("V"), lit("V")))
INNER = seq(
    lit("B"),
    alt(
        seq(lit("T"), star(lit("S")), lit("X"), LOOP, EXIT),
        seq(lit("P"), star(lit("T")), lit("V"), alt(lit("V"), seq(lit("P"), LOOP, EXIT))),
    ),
    lit("E"),
)
EMBEDDED_AST = seq(
    lit("B"), alt(seq(lit("T"), INNER, lit("T")), seq(lit("P"), INNER, lit("P"))), lit("E")
)


def nullable(r):
    kind = r[0]
    if kind in ("eps", "star"):
        return True
    if kind in ("empty", "lit"):
        return False
    if kind == "seq":
        return all(nullable(p) for p in r[1])
    return any(nullable(p) for p in r[1])


@functools.cache
def derive(r, c):
    """Brzozowski derivative: the words w such that c + w is in the language of r."""
    kind = r[0]
    if kind in ("empty", "eps"):
        return EMPTY
    if kind == "lit":
        return EPSILON if r[1] == c else EMPTY
    if kind == "alt":
        return alt(*(derive(p, c) for p in r[1]))
    if kind == "star":
        return seq(derive(r[1], c), r)
    head, tail = r[1][0], seq(*r[1][1:])
    first = seq(derive(head, c), tail)
    return alt(first, derive(tail, c)) if nullable(head) else first


def legal_next_by_derivatives(string):
    """For each proper prefix of ``string``, the symbols that keep it a prefix of the language."""
    sets, r = [], EMBEDDED_AST
    for c in string[:-1]:
        r = derive(r, c)
        sets.append(frozenset(s for s in data.REBER_SYMBOLS if derive(r, s) != EMPTY))
    return sets


def test_reber_recogniser_sanity():
    # the test's own recogniser accepts textbook strings and rejects broken ones
    for good in ("BTBTXSETE", "BPBPVVEPE", "BTBPTVPSETE", "BPBTSSXXTVVEPE"):
        assert EMBEDDED.fullmatch(good)
        r = EMBEDDED_AST
        for c in good:
            r = derive(r, c)
        assert nullable(r)
    for bad in ("BTBTXSEPE", "BTBTXXETE", "BTBTSETE", "BTTXSETE"):
        assert not EMBEDDED.fullmatch(bad)


def test_generated_strings_are_accepted_by_the_independent_recogniser():
    rng = np.random.default_rng(11)
    strings = [data.embedded_reber_string(rng) for _ in range(2000)]
    assert all(EMBEDDED.fullmatch(s) for s in strings)
    inner = [data.reber_string(rng) for _ in range(500)]
    assert all(re.fullmatch(REBER_INNER, s) for s in inner)
    # both branches are used, about equally often, and the loops make some strings long
    assert abs(np.mean([s[1] == "T" for s in strings]) - 0.5) < 4 * math.sqrt(0.25 / 2000)
    assert max(map(len, strings)) > 20


def test_legal_next_sets_match_the_derivatives_of_the_grammar():
    rng = np.random.default_rng(12)
    for _ in range(150):
        s = data.embedded_reber_string(rng)
        expected = legal_next_by_derivatives(s)
        assert data.embedded_reber_legal_next(s) == expected
        # the long-range dependency: after the inner E, only the second symbol is legal
        assert expected[len(s) - 3] == {s[1]}


def test_embedded_reber_dataset_arrays_are_consistent():
    ds = data.embedded_reber_dataset(300, seed=13)
    n, t_max, k = ds.x.shape
    assert (n, k) == (300, 7) and t_max == max(map(len, ds.strings)) - 1
    for i, s in enumerate(ds.strings):
        steps = len(s) - 1
        assert ds.lengths[i] == steps and ds.mask[i].sum() == steps
        assert "".join(data.REBER_SYMBOLS[j] for j in ds.x[i, :steps].argmax(-1)) == s[:-1]
        assert np.all(ds.x[i, steps:] == 0) and np.all(ds.legal_next[i, steps:] == 0)
        assert "".join(data.REBER_SYMBOLS[j] for j in ds.next_symbol[i, :steps]) == s[1:]
        assert np.all(ds.next_symbol[i, steps:] == -1)
        for t, expected in enumerate(legal_next_by_derivatives(s)):
            legal = {data.REBER_SYMBOLS[j] for j in np.flatnonzero(ds.legal_next[i, t])}
            assert legal == expected
            assert s[t + 1] in legal
        critical = ds.critical_step[i]
        assert s[critical + 1] == s[1] and ds.legal_next[i, critical].sum() == 1


def test_embedded_reber_dataset_exclude_gives_held_out_strings():
    train = data.embedded_reber_dataset(200, seed=14)
    test = data.embedded_reber_dataset(200, seed=15, exclude=train.strings)
    assert not set(train.strings) & set(test.strings)
    unrestricted = data.embedded_reber_dataset(200, seed=15)
    assert set(train.strings) & set(unrestricted.strings)  # without exclude, short strings repeat


def test_embedded_reber_dataset_min_length():
    ds = data.embedded_reber_dataset(100, seed=19, min_length=20)
    assert min(map(len, ds.strings)) >= 20
    assert all(EMBEDDED.fullmatch(s) for s in ds.strings)
    with pytest.raises(ValueError, match="min_length must be <= 30"):
        data.embedded_reber_dataset(10, min_length=31)


def test_predicts_legal_next_scores_top_k():
    ds = data.embedded_reber_dataset(50, seed=16)
    perfect = ds.legal_next + 0.01 * np.random.default_rng(0).random(ds.legal_next.shape)
    ok = data.predicts_legal_next(perfect, ds.legal_next)
    assert ok[ds.mask].all() and not ok[~ds.mask].any()
    # swap the critical prediction to the wrong branch symbol: exactly those steps fail
    wrong = perfect.copy()
    rows = np.arange(50)
    wrong[rows, ds.critical_step] = wrong[rows, ds.critical_step][:, [0, 2, 1, 3, 4, 5, 6]]
    bad = data.predicts_legal_next(wrong, ds.legal_next)
    assert not bad[rows, ds.critical_step].any()
    assert bad[ds.mask].sum() == ds.mask.sum() - 50


def test_embedded_reber_legal_next_rejects_invalid_strings():
    for bad in ("BTBTXSEPE", "BTBTXXETE", "BTBTXSE", "BTBQXSETE", "xyz"):
        with pytest.raises(ValueError, match="not a"):
            data.embedded_reber_legal_next(bad)


def test_predicts_legal_next_checks_shapes():
    with pytest.raises(ValueError, match=r"same shape \(\.\.\., 7\)"):
        data.predicts_legal_next(np.zeros((2, 3, 7)), np.zeros((2, 4, 7)))


# ---------------------------------------------------------------- real data


def test_sunspots_is_the_yearly_series_1700_to_2008():
    s = data.sunspots()
    assert isinstance(s, pd.Series) and s.dtype == np.float64 and s.name == "sunspots"
    assert s.index[0] == 1700 and s.index[-1] == 2008
    np.testing.assert_array_equal(np.diff(s.index.to_numpy()), 1)
    assert not s.isna().any() and s.min() >= 0


def test_co2_is_weekly_with_its_real_gaps():
    s = data.co2()
    assert isinstance(s.index, pd.DatetimeIndex)
    assert np.all(np.diff(s.index.to_numpy()) == np.timedelta64(7, "D"))
    assert s.isna().sum() == 59  # the gaps the missing-data chapter (issue 8) works with
    observed = s.dropna()
    assert 300 < observed.min() < observed.max() < 400  # ppm over 1958-2001


def test_digits_sequences_are_the_image_rows():
    from sklearn.datasets import load_digits

    x, y = data.digits_sequences()
    digits = load_digits()
    assert x.shape == (len(digits.target), 8, 8) and x.dtype == np.float32
    np.testing.assert_allclose(x * 16, digits.images, atol=1e-5)
    np.testing.assert_array_equal(y, digits.target)
    assert x.min() == 0 and x.max() == 1


# ---------------------------------------------------------------- time-series helpers


def test_make_windows_matches_an_explicit_loop():
    series = np.arange(20, dtype=np.float64) ** 1.5
    X, y = data.make_windows(series, window=5, horizon=3)
    n = 20 - 5 - 3 + 1
    assert X.shape == (n, 5, 1) and y.shape == (n, 3) and X.dtype == y.dtype == np.float32
    for i in range(n):
        np.testing.assert_allclose(X[i, :, 0], series[i : i + 5], rtol=1e-6)
        np.testing.assert_allclose(y[i], series[i + 5 : i + 8], rtol=1e-6)


def test_make_windows_multivariate_and_pandas():
    frame = pd.DataFrame({"value": np.arange(10.0), "missing": np.arange(10) % 2})
    X, y = data.make_windows(frame, window=4, target_column=0)
    assert X.shape == (6, 4, 2)
    np.testing.assert_array_equal(y[:, 0], np.arange(4.0, 10.0))
    np.testing.assert_array_equal(X[2, :, 1], [0, 1, 0, 1])
    X1, _ = data.make_windows(frame["value"], window=4)
    np.testing.assert_array_equal(X1[..., 0], X[..., 0])


def test_make_windows_errors():
    with pytest.raises(ValueError, match="contains 1 NaN"):
        data.make_windows([1.0, np.nan, 3.0, 4.0], window=2)
    X, _ = data.make_windows([1.0, np.nan, 3.0, 4.0], window=2, allow_nan=True)
    assert np.isnan(X).sum() == 2
    with pytest.raises(ValueError, match="need length >= 8"):
        data.make_windows(np.arange(7.0), window=6, horizon=2)
    with pytest.raises(ValueError, match=r"shape \(time,\) or \(time, features\)"):
        data.make_windows(np.zeros((4, 3, 2)), window=2)
    with pytest.raises(ValueError, match="must be numeric"):
        data.make_windows(["a", "b", "c"], window=1)
    with pytest.raises(ValueError, match="target_column must be < the number of features 2"):
        data.make_windows(np.zeros((6, 2)), window=2, target_column=2)


def test_chronological_split_keeps_order_and_sizes():
    values = np.arange(100)
    train, val, test = data.chronological_split(values, train=0.6, validation=0.25)
    assert (len(train), len(val), len(test)) == (60, 25, 15)
    np.testing.assert_array_equal(np.concatenate([train, val, test]), values)
    train, val, test = data.chronological_split(values, 0.6, 0.25, context=5)
    np.testing.assert_array_equal(val, values[55:85])
    np.testing.assert_array_equal(test, values[80:])
    s = pd.Series(np.arange(10.0), index=pd.RangeIndex(1900, 1910))
    train, val, test = data.chronological_split(s, 0.5, 0.2)
    assert list(test.index) == [1907, 1908, 1909]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"train": 0.8, "validation": 0.2}, "train \\+ validation must be < 1"),
        ({"train": 0.0}, r"train must be in \(0, 1\)"),
        ({"train": 0.5, "validation": -0.1}, r"validation must be in \[0, 1\)"),
        ({"train": 0.5, "context": 60}, "context must be <= the training length 50"),
    ],
)
def test_chronological_split_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.chronological_split(np.arange(100), **kwargs)


def test_scaler_uses_training_statistics_only():
    rng = np.random.default_rng(17)
    series = np.concatenate([rng.normal(5, 2, 300), rng.normal(50, 2, 100)])
    train, _, test = data.chronological_split(series, 0.75, 0.0)
    scaler = data.Scaler().fit(train)
    z_train, z_test = scaler.transform(train), scaler.transform(test)
    assert abs(z_train.mean()) < 1e-5 and abs(z_train.std() - 1) < 1e-5
    assert z_test.mean() > 10  # the later regime is far away in training units: nothing leaked
    np.testing.assert_allclose(scaler.inverse_transform(z_test), test, rtol=1e-5)
    np.testing.assert_allclose(scaler.mean_, train.mean())


def test_scaler_per_feature_and_nan():
    values = np.array([[1.0, 10.0], [3.0, np.nan], [5.0, 30.0]])
    scaler = data.Scaler().fit(values)
    np.testing.assert_allclose(scaler.mean_, [3.0, 20.0])
    np.testing.assert_allclose(scaler.std_, [np.std([1, 3, 5]), 10.0])
    z = scaler.transform(values)
    assert np.isnan(z[1, 1]) and np.isfinite(np.delete(z.ravel(), 3)).all()
    windows = np.stack([values, values])  # (batch, time, features) uses the same statistics
    np.testing.assert_allclose(scaler.transform(windows)[1], z)


def test_scaler_errors():
    with pytest.raises(ValueError, match="not fitted yet"):
        data.Scaler().transform([1.0, 2.0])
    with pytest.raises(ValueError, match="constant feature"):
        data.Scaler().fit([2.0, 2.0, 2.0])
    with pytest.raises(ValueError, match="only NaN"):
        data.Scaler().fit(np.array([[1.0, np.nan], [2.0, np.nan]]))
    scaler = data.Scaler().fit(np.zeros((4, 2)) + [[0, 1], [1, 0], [2, 1], [3, 0]])
    with pytest.raises(
        ValueError, match=r"2 features on its last axis \(as fitted\), got shape \(4, 3\)"
    ):
        scaler.transform(np.zeros((4, 3)))


# ---------------------------------------------------------------- text


def test_stdlib_corpus_is_the_module_sources():
    corpus = data.stdlib_text_corpus(("textwrap", "string"))
    with open(textwrap.__file__, encoding="utf-8") as f:
        textwrap_source = f.read()
    with open(string_module.__file__, encoding="utf-8") as f:
        string_source = f.read()
    assert corpus.startswith(textwrap_source)
    assert string_source in corpus
    assert len(corpus) == len(textwrap_source) + 2 + len(string_source) + 1
    default = data.stdlib_text_corpus()
    assert len(default) > 50_000


def test_stdlib_corpus_errors():
    with pytest.raises(ValueError, match="cannot read the source of module 'no_such_module_xyz'"):
        data.stdlib_text_corpus(("no_such_module_xyz",))
    with pytest.raises(ValueError, match="non-empty sequence of module names"):
        data.stdlib_text_corpus("textwrap")


def test_char_vocab_round_trip_and_errors():
    text = data.stdlib_text_corpus(("colorsys",))
    vocab = data.CharVocab(text)
    assert vocab.size == len(set(text)) == len(vocab)
    ids = vocab.encode(text)
    assert ids.dtype == np.int64 and ids.min() == 0 and ids.max() == vocab.size - 1
    assert vocab.decode(ids) == text
    assert list(vocab.chars) == sorted(vocab.chars)
    with pytest.raises(ValueError, match="character '€' is not in the vocabulary"):
        vocab.encode("a€")
    with pytest.raises(ValueError, match=r"ids must lie in \[0, "):
        vocab.decode([0, vocab.size])
    with pytest.raises(ValueError, match="non-empty str"):
        data.CharVocab("")


def test_next_token_windows_shift_by_one():
    ids = np.arange(23)
    x, y = data.next_token_windows(ids, seq_len=5)
    assert x.shape == (4, 5)
    np.testing.assert_array_equal(y, x + 1)
    np.testing.assert_array_equal(x[:, 0], [0, 5, 10, 15])
    x2, _ = data.next_token_windows(ids, seq_len=5, stride=2)
    assert x2.shape[0] == len(range(0, 23 - 5, 2))
    with pytest.raises(ValueError, match="need at least seq_len \\+ 1 = 24 ids"):
        data.next_token_windows(ids, seq_len=23)


def test_unigram_cross_entropy():
    vocab_size = 5
    uniform = np.tile(np.arange(vocab_size), 40)
    # equal counts: every probability is 1/5 whatever the evaluation text
    assert data.unigram_cross_entropy(uniform, np.array([0, 0, 3]), vocab_size) == pytest.approx(
        math.log(vocab_size)
    )
    train = np.array([0] * 70 + [1] * 20 + [2] * 10)
    probs = (np.bincount(train, minlength=vocab_size) + 1) / (train.size + vocab_size)
    expected = -np.mean(np.log(probs[train]))
    assert data.unigram_cross_entropy(train, train, vocab_size) == pytest.approx(expected)
    # frequent characters are cheap, so the skewed text scores below uniform
    assert data.unigram_cross_entropy(train, train, vocab_size) < math.log(vocab_size)
    with pytest.raises(ValueError, match=r"eval_ids must lie in \[0, 5\)"):
        data.unigram_cross_entropy(train, np.array([5]), vocab_size)


@pytest.mark.parametrize(
    "make",
    [
        lambda s: data.temporal_order(4, 20, s),
        lambda s: data.copy_task(4, 5, 4, s),
        lambda s: data.first_symbol_task(4, 10, 3, s),
        lambda s: data.motif_task(4, 30, seed=s),
        lambda s: (data.embedded_reber_dataset(5, s).x,),
    ],
)
def test_every_generator_is_deterministic_per_seed(make):
    first, again, other = make(0), make(0), make(1)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0]) or first[0].shape != other[0].shape


def test_default_corpus_is_ascii_with_a_small_vocabulary():
    text = data.stdlib_text_corpus()
    assert text.isascii()
    assert len(text) > 300_000
    assert data.CharVocab(text).size < 100


def test_ngram_cross_entropy_by_hand():
    train = np.array([0, 1, 0, 1, 0, 2])  # bigrams 01, 10, 01, 10, 02
    evaluation = np.array([0, 1, 2, 0])  # scored: 1 after 0, 2 after 1, 0 after 2
    v, a = 3, 0.5
    p_1_after_0 = (2 + a) / (3 + a * v)
    p_2_after_1 = (0 + a) / (2 + a * v)
    p_0_after_2 = 1 / v  # context 2 never seen in training: uniform
    expected = -np.mean(np.log([p_1_after_0, p_2_after_1, p_0_after_2]))
    got = data.ngram_cross_entropy(train, evaluation, v, order=2, alpha=a)
    assert got == pytest.approx(expected)


def test_ngram_order_one_is_the_unigram_and_context_helps_on_text():
    text = data.stdlib_text_corpus(("textwrap", "string", "queue"))
    vocab = data.CharVocab(text)
    ids = vocab.encode(text)
    train, held_out = ids[:-5000], ids[-5000:]
    unigram = data.unigram_cross_entropy(train, held_out, vocab.size)
    assert data.ngram_cross_entropy(train, held_out, vocab.size, order=1) == pytest.approx(unigram)
    bigram = data.ngram_cross_entropy(train, held_out, vocab.size, order=2)
    trigram = data.ngram_cross_entropy(train, held_out, vocab.size, order=3, alpha=0.1)
    assert trigram < bigram < unigram - 0.5
    # the probabilities after a context sum to one (one bigram scored: exp(-loss) is p)
    small = np.array([0, 1, 1, 0, 2, 1])
    for context in range(3):
        total = sum(
            np.exp(-data.ngram_cross_entropy(small, np.array([context, c]), 3, alpha=0.1))
            for c in range(3)
        )
        assert total == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"order": 0}, "order"),
        ({"alpha": 0.0}, "alpha must be a finite number > 0"),
        ({"alpha": float("inf")}, "alpha must be a finite number > 0"),
        ({"alpha": True}, "alpha must be a finite number > 0"),
        ({"order": 12}, r"vocab_size \*\* order must be below 2\*\*63"),
        ({"order": 5}, "eval_ids must hold at least order = 5 ids, got 4"),
    ],
)
def test_ngram_cross_entropy_errors(kwargs, message):
    train, evaluation = np.arange(40) % 50, np.array([1, 2, 3, 4])
    with pytest.raises(ValueError, match=message):
        data.ngram_cross_entropy(train, evaluation, 50, **kwargs)


def test_ngram_cross_entropy_rejects_ids_outside_the_vocabulary():
    with pytest.raises(ValueError, match=r"eval_ids must lie in \[0, 3\), got range \[0, 3\]"):
        data.ngram_cross_entropy(np.array([0, 1, 2]), np.array([0, 3]), 3)
    with pytest.raises(ValueError, match="train_ids must be a 1-D integer array"):
        data.ngram_cross_entropy(np.array([0.0, 1.0]), np.array([0, 1]), 3)


# ---------------------------------------------------------------- Kneser-Ney


def test_kneser_ney_bigram_by_hand():
    # training text 0 1 0 2 0 1, V = 3, D = 1/2. Bigrams: 01 (twice), 10, 02, 20.
    train, v, d = np.array([0, 1, 0, 2, 0, 1]), 3, 0.5
    # unigram level, continuation counts N1+(. c) = distinct ids before c: 0 <- {1, 2}, 1 <- {0},
    # 2 <- {0}; total 4, 3 types: p1(c) = (N1+(. c) - 1/2 + 1/2 * 3 * 1/3) / 4 = N1+(. c) / 4
    p1 = np.array([2, 1, 1]) / 4
    # after 0: counts 01: 2, 02: 1; total 3, 2 types
    after_0 = (np.maximum(np.array([0, 2, 1]) - d, 0) + d * 2 * p1) / 3
    # after 1 and after 2: one bigram each (10, 20); total 1, 1 type
    after_1 = (np.maximum(np.array([1, 0, 0]) - d, 0) + d * 1 * p1) / 1
    np.testing.assert_allclose(after_0, [1 / 6, 7 / 12, 1 / 4])
    np.testing.assert_allclose(after_1, [3 / 4, 1 / 8, 1 / 8])
    got = data.kneser_ney_probs(train, np.array([[0], [1], [2]]), v, order=2, discount=d)
    np.testing.assert_allclose(got, [after_0, after_1, after_1])
    evaluation = np.array([0, 1, 2, 0])  # scored: 1 after 0, 2 after 1, 0 after 2
    expected = -np.mean(np.log([7 / 12, 1 / 8, 3 / 4]))
    got = data.kneser_ney_cross_entropy(train, evaluation, v, order=2, discount=d)
    assert got == pytest.approx(expected)


def test_kneser_ney_unseen_context_backs_off_and_order_one_is_discounted_unigram():
    train, v, d = np.array([0, 1, 0, 1, 1, 0, 2]), 4, 0.75  # id 3 never occurs
    # order 1: training frequency, discounted by D and interpolated with the uniform 1/V
    counts = np.bincount(train, minlength=v)
    expected = (np.maximum(counts - d, 0) + d * 3 / v) / train.size
    got = data.kneser_ney_probs(train, np.zeros((1, 0), dtype=int), v, order=1, discount=d)
    np.testing.assert_allclose(got[0], expected)
    assert got[0, 3] == pytest.approx(d * 3 / v / train.size) and got.sum() == pytest.approx(1)
    # a context never seen in training (3) gets the lower-order distribution unchanged
    bigram = data.kneser_ney_probs(train, np.array([[3]]), v, order=2, discount=d)
    # continuation counts: the number of distinct ids seen just before each id
    before = {c: {train[i - 1] for i in range(1, train.size) if train[i] == c} for c in range(v)}
    continuation = np.array([len(before[c]) for c in range(v)])
    p1 = (np.maximum(continuation - d, 0) + d * (continuation > 0).sum() / v) / continuation.sum()
    np.testing.assert_allclose(bigram[0], p1)


def test_kneser_ney_distributions_sum_to_one_and_beat_add_alpha_on_text():
    text = data.stdlib_text_corpus(("textwrap", "string", "queue"))
    vocab = data.CharVocab(text)
    ids = vocab.encode(text)
    train, held_out = ids[:-5000], ids[-5000:]
    rng = np.random.default_rng(0)
    for order in (1, 2, 4):
        starts = rng.integers(0, train.size - order, size=5)
        contexts = np.stack([train[s : s + order - 1] for s in starts]).reshape(5, order - 1)
        contexts = np.concatenate([contexts, np.full((1, order - 1), vocab.size - 1)])  # rare
        probs = data.kneser_ney_probs(train, contexts, vocab.size, order)
        assert probs.shape == (6, vocab.size) and np.all(probs > 0)
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)
    # the cross-entropy is the mean of -log of the same probabilities
    grams = np.lib.stride_tricks.sliding_window_view(held_out[:200], 3)
    probs = data.kneser_ney_probs(train, grams[:, :2], vocab.size, 3)
    direct = -np.mean(np.log(probs[np.arange(len(grams)), grams[:, 2]]))
    assert data.kneser_ney_cross_entropy(train, held_out[:200], vocab.size, 3) == pytest.approx(
        direct
    )
    # on real text Kneser-Ney beats the best add-alpha model at each order from 3 on
    for order in (3, 4, 5):
        kn = data.kneser_ney_cross_entropy(train, held_out, vocab.size, order)
        add_alpha = min(
            data.ngram_cross_entropy(train, held_out, vocab.size, order, a)
            for a in (1.0, 0.1, 0.01)
        )
        assert kn < add_alpha


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"order": 0}, "order"),
        ({"discount": 0.0}, r"discount must be a number in \(0, 1\]"),
        ({"discount": 1.5}, r"discount must be a number in \(0, 1\]"),
        ({"discount": True}, r"discount must be a number in \(0, 1\]"),
        ({"order": 12}, r"vocab_size \*\* order must be below 2\*\*62"),
        ({"order": 5}, "eval_ids must hold at least 5 ids, got 4"),
    ],
)
def test_kneser_ney_errors(kwargs, message):
    train, evaluation = np.arange(40) % 50, np.array([1, 2, 3, 4])
    kwargs = {"order": 2, **kwargs}
    with pytest.raises(ValueError, match=message):
        data.kneser_ney_cross_entropy(train, evaluation, 50, **kwargs)


def test_kneser_ney_rejects_bad_ids_and_contexts():
    with pytest.raises(ValueError, match=r"eval_ids must lie in \[0, 3\)"):
        data.kneser_ney_cross_entropy(np.array([0, 1, 2]), np.array([0, 3]), 3, 2)
    with pytest.raises(ValueError, match="train_ids must be a 1-D integer array"):
        data.kneser_ney_cross_entropy(np.array([0.0, 1.0]), np.array([0, 1]), 3, 2)
    with pytest.raises(ValueError, match=r"contexts must be an \(m, order - 1\) = \(m, 2\)"):
        data.kneser_ney_probs(np.array([0, 1, 2]), np.array([[0], [1]]), 3, 3)
    with pytest.raises(ValueError, match=r"contexts must lie in \[0, 3\)"):
        data.kneser_ney_probs(np.array([0, 1, 2]), np.array([[0, 4]]), 3, 3)
