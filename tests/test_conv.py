"""lstmbook.chapters.conv: receptive fields (closed form vs layer configs vs perturbation), lengths, counts, models."""

import collections
import itertools
from fractions import Fraction

import keras
import numpy as np
import pytest

from lstmbook.chapters.conv import (
    build_cnn_classifier,
    build_conv_lstm_classifier,
    cnn_classifier_param_count,
    conv1d_param_count,
    conv_lstm_param_count,
    conv_output_length,
    influence_support,
    model_receptive_field,
    motif_window_bayes,
    receptive_field,
)
from lstmbook.data import motif_task


def _conv_part(model):
    """The sub-model from the input to the last conv/pool layer (before the readout)."""
    last = [layer for layer in model.layers if layer.name.startswith(("conv", "pool"))][-1]
    return keras.Model(model.input, last.output)


def test_receptive_field_closed_form_examples():
    assert receptive_field([3]) == 3
    assert receptive_field([2, 2, 2, 2], [1, 2, 4, 8]) == 16
    assert receptive_field([3, 3, 3]) == 7
    # a stride multiplies the reach of every layer above it
    assert receptive_field([4, 3], dilations=1, strides=[4, 1]) == 4 + 2 * 4
    assert receptive_field([1]) == 1


@pytest.mark.parametrize(
    "kernels, dilations, padding",
    [((4,), (1,), "valid"), ((2, 2, 2), (1, 2, 4), "causal"), ((3, 2, 3), (1, 3, 2), "causal")],
)
def test_receptive_field_matches_layer_config_and_perturbation(kernels, dilations, padding):
    keras.utils.set_random_seed(0)
    steps = 24
    model = build_cnn_classifier(
        3, 2, filters=8, kernel_sizes=kernels, dilations=dilations, padding=padding, steps=steps
    )
    closed = receptive_field(kernels, dilations)
    assert model_receptive_field(model) == closed
    support = influence_support(_conv_part(model), steps, 3, seed=1)
    assert support.shape == (steps,)
    # exactly the last R input steps move the last output step
    assert np.array_equal(np.flatnonzero(support), np.arange(steps - closed, steps))


def test_influence_support_of_the_whole_model_with_last_readout():
    keras.utils.set_random_seed(0)
    model = build_cnn_classifier(2, 3, kernel_sizes=(2, 2), dilations=(1, 2), steps=10)
    support = influence_support(model, 10, 2)
    assert np.flatnonzero(support).tolist() == [6, 7, 8, 9]


def test_strided_front_end_receptive_field_and_support():
    keras.utils.set_random_seed(0)
    model = build_conv_lstm_classifier(
        2, 2, filters=8, kernel_size=6, stride=4, pool_size=2, steps=32
    )
    # conv (k=6, s=4) then pool (k=2, s=2): R = 1 + 5 + 1 * 4 = 10
    assert model_receptive_field(model) == receptive_field([6, 2], 1, [4, 2]) == 10
    with pytest.raises(ValueError, match="no Conv1D"):
        model_receptive_field(keras.Sequential([keras.Input((5, 2)), keras.layers.LSTM(3)]))


def test_conv_output_length_matches_keras():
    x = np.zeros((1, 50, 2), dtype=np.float32)
    for k, s, d, padding in [
        (4, 4, 1, "same"),
        (3, 1, 2, "valid"),
        (5, 3, 1, "valid"),
        (2, 1, 8, "causal"),
    ]:
        layer = keras.layers.Conv1D(1, k, strides=s, dilation_rate=d, padding=padding)
        expected = layer(x).shape[1]
        assert conv_output_length(50, k, stride=s, dilation=d, padding=padding) == expected
    assert conv_output_length(64, 4, stride=4, padding="same") == 16
    with pytest.raises(ValueError, match="does not fit"):
        conv_output_length(5, 3, dilation=4)
    with pytest.raises(ValueError, match="padding must be one of"):
        conv_output_length(5, 3, padding="full")


def test_parameter_counts_match_keras():
    assert conv1d_param_count(3, 8, 5) == 5 * 3 * 8 + 8
    assert conv1d_param_count(3, 8, 5, use_bias=False) == 120
    cnn = build_cnn_classifier(
        4, 5, filters=6, kernel_sizes=(4, 2, 2), dilations=(1, 2, 4), steps=20
    )
    assert cnn.count_params() == cnn_classifier_param_count(4, 5, 6, (4, 2, 2))
    hybrid = build_conv_lstm_classifier(4, 5, filters=6, kernel_size=4, stride=4, units=7, steps=40)
    assert hybrid.count_params() == conv_lstm_param_count(4, 5, 6, 4, 7)
    pooled = build_conv_lstm_classifier(
        4, 5, filters=6, kernel_size=3, stride=1, pool_size=4, units=7
    )
    assert pooled.count_params() == conv_lstm_param_count(4, 5, 6, 3, 7)


def test_models_shapes_and_lengths():
    x = np.random.default_rng(0).standard_normal((3, 40, 4)).astype(np.float32)
    for readout in ("max", "last"):
        cnn = build_cnn_classifier(4, 5, kernel_sizes=(3, 3), padding="valid", readout=readout)
        assert tuple(cnn(x).shape) == (3, 5)
    hybrid = build_conv_lstm_classifier(4, 5, kernel_size=4, stride=4, pool_size=2, steps=40)
    assert tuple(hybrid(x).shape) == (3, 5)
    assert hybrid.get_layer("lstm").input.shape[1] == 5  # 40 -> 10 (stride) -> 5 (pool)


@pytest.mark.slow
def test_models_train_on_a_tiny_task():
    from lstmbook.data import first_symbol_task

    keras.utils.set_random_seed(0)
    x, y = first_symbol_task(128, 8, n_symbols=2, seed=0)
    model = build_cnn_classifier(2, 2, kernel_sizes=(2, 2, 2), dilations=(1, 2, 4), steps=8)
    model.fit(x, y, epochs=30, batch_size=32, verbose=0)
    assert model.evaluate(x, y, verbose=0, return_dict=True)["accuracy"] > 0.95


def _brute_force_motif_window_bayes(T, R, motif, n_symbols):
    """The Bayes ceiling by enumerating every sequence of the model motif_window_bayes states."""
    k = len(motif)
    free = [
        s
        for s in itertools.product(range(n_symbols), repeat=T)
        if not any(s[i : i + k] == tuple(motif) for i in range(T - k + 1))
    ]
    label0, label1 = collections.Counter(), collections.Counter()
    for s in free:
        label0[s[T - R :]] += Fraction(1, len(free))
        for start in range(T - k + 1):
            written = list(s)
            written[start : start + k] = motif
            label1[tuple(written[T - R :])] += Fraction(1, len(free) * (T - k + 1))
    return sum(max(label0[w], label1[w]) for w in set(label0) | set(label1)) / 2


@pytest.mark.parametrize(
    "T, R, motif, n_symbols",
    [
        (7, 3, (0, 1, 0), 2),  # a motif that overlaps itself
        (7, 4, (0, 1, 1), 2),
        (6, 2, (0, 0), 3),
        (8, 5, (0, 1, 2), 3),
        (6, 6, (1, 0), 2),  # the window is the whole sequence
    ],
)
def test_motif_window_bayes_matches_brute_force(T, R, motif, n_symbols):
    bayes = motif_window_bayes(T, R, motif, n_symbols)
    assert bayes.accuracy == _brute_force_motif_window_bayes(T, R, motif, n_symbols)
    assert bayes.says_motif.shape == (n_symbols,) * R
    if R == T:
        assert bayes.accuracy == 1


def test_motif_window_bayes_faq2_values_and_the_generator():
    bayes = motif_window_bayes(16, 8)
    # "yes iff the whole motif is in the window" catches 5 of the 13 starts
    assert bayes.window_rule_accuracy == Fraction(1, 2) + Fraction(5, 26)
    assert 0.747 < bayes.accuracy < 0.748
    assert 0.604 < motif_window_bayes(16, 4).accuracy < 0.605
    # motif_task repairs accidental motifs instead of rejecting them: its draws agree anyway
    x, y = motif_task(100_000, 16, seed=123)
    last = x[:, -8:].argmax(axis=-1)
    measured = np.mean(bayes.says_motif[tuple(last.T)] == (y == 1))
    assert abs(measured - bayes.accuracy) < 0.006  # standard error 0.0014


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: receptive_field([]), "at least one layer"),
        (lambda: receptive_field([2, 2], [1, 2, 4]), "must have 2 entries"),
        (lambda: receptive_field([0]), r"kernel_sizes\[0\] must be a positive integer"),
        (lambda: receptive_field(3), "sequence of integers"),
        (lambda: receptive_field([2], strides=[0]), r"strides\[0\]"),
        (lambda: build_cnn_classifier(2, 1), "n_classes must be an integer >= 2"),
        (lambda: build_cnn_classifier(2, 2, readout="mean"), "readout must be one of"),
        (lambda: build_cnn_classifier(2, 2, padding="full"), "padding must be one of"),
        (
            lambda: build_cnn_classifier(2, 2, kernel_sizes=(4, 4), padding="valid", steps=5),
            "does not fit",
        ),
        (lambda: build_conv_lstm_classifier(2, 2, stride=0), "stride must be a positive integer"),
        (lambda: conv1d_param_count(0, 2, 2), "in_channels"),
        (lambda: influence_support(lambda x: np.zeros((2, 3)), 4, 2), "batch = 5"),
        (lambda: motif_window_bayes(8, 9), "R must be at most T"),
        (lambda: motif_window_bayes(16, 8, motif=(0, 4)), "motif must be"),
        (lambda: motif_window_bayes(40, 12), "too many to enumerate"),
    ],
)
def test_bad_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
