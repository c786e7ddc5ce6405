"""Temperature sampling and seeded generation of lstmbook.chapters.sampling."""

import math

import numpy as np
import pytest

from lstmbook.chapters.sampling import (
    bits_per_char,
    entropy,
    generate,
    generate_with_entropy,
    one_hot,
    sample_from_logits,
    softmax_with_temperature,
    unigram_cross_entropy,
)
from lstmbook.data import CharVocab
from lstmbook.scratch import LSTM, Dense, Sequential


def test_temperature_one_is_softmax_and_rows_sum_to_one():
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    probs = softmax_with_temperature(logits, 1.0)
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(probs, expected)
    np.testing.assert_allclose(softmax_with_temperature(logits, 0.3).sum(axis=1), 1.0)


def test_low_temperature_sharpens_high_flattens():
    logits = np.array([1.0, 2.0, 3.0])

    def entropy(p):
        return float(-(p * np.log(p)).sum())

    cold, warm, hot = (softmax_with_temperature(logits, t) for t in (0.5, 1.0, 2.0))
    assert entropy(cold) < entropy(warm) < entropy(hot) < math.log(3)
    np.testing.assert_array_equal(softmax_with_temperature(logits, 0), [0, 0, 1])
    # huge logits do not overflow
    assert np.isfinite(softmax_with_temperature(np.array([1e4, 0.0]), 0.01)).all()


def test_temperature_validation():
    for bad in (-1.0, float("nan"), float("inf"), "hot", True):
        with pytest.raises(ValueError, match="temperature"):
            softmax_with_temperature(np.zeros(3), bad)
    with pytest.raises(ValueError, match="finite"):
        softmax_with_temperature(np.array([np.inf, 0.0]))


def test_sampling_frequencies_match_the_distribution():
    logits = np.log(np.array([0.1, 0.2, 0.7]))
    draws = sample_from_logits(np.tile(logits, (20000, 1)), 1.0, rng=0)
    freq = np.bincount(draws, minlength=3) / draws.size
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.7], atol=0.01)
    # temperature 0.5 squares the probabilities (renormalised)
    draws = sample_from_logits(np.tile(logits, (20000, 1)), 0.5, rng=1)
    p = np.array([0.01, 0.04, 0.49]) / 0.54
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / draws.size, p, atol=0.01)


def test_sampling_is_seeded_and_greedy_at_zero():
    logits = np.random.default_rng(0).normal(size=(50, 7))
    np.testing.assert_array_equal(
        sample_from_logits(logits, 1.0, 3), sample_from_logits(logits, 1.0, 3)
    )
    np.testing.assert_array_equal(sample_from_logits(logits, 0.0), logits.argmax(axis=1))
    assert sample_from_logits(logits[0]).shape == ()


def test_one_hot():
    out = one_hot(np.array([[0, 2], [1, 1]]), 3)
    assert out.shape == (2, 2, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(out.argmax(-1), [[0, 2], [1, 1]])
    assert out.sum() == 4
    with pytest.raises(ValueError, match="lie in"):
        one_hot(np.array([3]), 3)


def _model(vocab, hidden=8, layers=2):
    sizes = [vocab.size] + [hidden] * layers
    recurrent = [LSTM(sizes[k], sizes[k + 1], seed=k) for k in range(layers)]
    return Sequential(recurrent, head=Dense(hidden, vocab.size, seed=9), return_sequences=True)


def test_generate_is_seeded_and_stays_in_the_vocabulary():
    vocab = CharVocab("abcdefg hij")
    model = _model(vocab)
    a = generate(model, vocab, "abc", 40, temperature=1.0, seed=5)
    b = generate(model, vocab, "abc", 40, temperature=1.0, seed=5)
    c = generate(model, vocab, "abc", 40, temperature=1.0, seed=6)
    assert a == b != c
    assert a.startswith("abc") and len(a) == 43 and set(a) <= set(vocab.chars)
    assert generate(model, vocab, "a", 0) == "a"


def test_generate_carries_state_like_a_full_forward_pass():
    # greedy generation step by step must equal re-running the whole text through predict
    vocab = CharVocab("abcdefgh")
    model = _model(vocab, hidden=6)
    text = generate(model, vocab, "ab", 12, temperature=0)
    for k in range(2, len(text)):
        x = one_hot(vocab.encode(text[:k])[None, :], vocab.size)
        logits = model.predict(x)[0, -1]
        assert vocab.chars[int(np.argmax(logits))] == text[k]


def test_generate_validates():
    vocab = CharVocab("abc")
    with pytest.raises(ValueError, match="vocabulary size"):
        generate(_model(CharVocab("abcd")), vocab, "a", 3)
    with pytest.raises(ValueError, match="prompt"):
        generate(_model(vocab), vocab, "", 3)


def test_unigram_baseline_and_bits():
    ids = np.array([0, 0, 1, 1])
    assert unigram_cross_entropy(ids, ids, 2) == pytest.approx(math.log(2))
    assert bits_per_char(math.log(2)) == pytest.approx(1.0)


def test_entropy_of_known_distributions():
    assert entropy(np.full(4, 0.25)) == pytest.approx(math.log(4))
    assert entropy(np.array([1.0, 0.0, 0.0])) == 0.0  # 0 ln 0 counts as 0, no NaN
    rows = entropy(np.array([[0.5, 0.5], [0.9, 0.1]]))
    assert rows.shape == (2,)
    assert rows[0] == pytest.approx(math.log(2))
    assert rows[1] == pytest.approx(-(0.9 * math.log(0.9) + 0.1 * math.log(0.1)))
    for bad in (
        np.array([0.5, -0.1, 0.6]),
        np.array([np.nan, 1.0]),
        np.zeros((2, 0)),
        np.array([[0.5, 0.5], [0.0, 0.0]]),  # a row without any probability
    ):
        with pytest.raises(ValueError, match="probs"):
            entropy(bad)
    assert isinstance(entropy(np.full(4, 0.25)), np.ndarray)  # 0-d for one row
    # along the last axis, for any leading shape
    probs = softmax_with_temperature(np.random.default_rng(0).normal(size=(3, 4, 5)))
    by_hand = -(probs * np.log(probs)).sum(-1)
    np.testing.assert_allclose(entropy(probs), by_hand, rtol=1e-12)


def test_tempered_entropy_grows_with_temperature():
    # dH/dT = Var_p(z) / T^3 >= 0: for any fixed logits the entropy never falls as T rises,
    # from 0 (greedy, unique maximum) towards ln(vocab)
    logits = np.random.default_rng(1).normal(size=(20, 11)) * 3
    temps = [0.0, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 50.0]
    h = np.array([entropy(softmax_with_temperature(logits, t)) for t in temps])
    assert np.all(np.diff(h, axis=0) > 0)
    np.testing.assert_allclose(h[0], 0.0)
    assert np.all(h[-1] < math.log(11)) and np.all(h[-1] > math.log(11) - 0.01)
    # the derivative formula, by central differences at T = 0.7
    t, eps = 0.7, 1e-5
    numeric = (
        entropy(softmax_with_temperature(logits, t + eps))
        - entropy(softmax_with_temperature(logits, t - eps))
    ) / (2 * eps)
    p = softmax_with_temperature(logits, t)
    variance = (p * logits**2).sum(-1) - (p * logits).sum(-1) ** 2
    np.testing.assert_allclose(numeric, variance / t**3, rtol=1e-5)


def test_generate_with_entropy_matches_generate():
    vocab = CharVocab("abcdefg hij")
    model = _model(vocab)
    for temperature in (0.0, 0.5, 1.0):
        text, entropies = generate_with_entropy(model, vocab, "ab", 30, temperature, seed=2)
        assert text == generate(model, vocab, "ab", 30, temperature, seed=2)
        assert entropies.shape == (30,) and entropies.dtype == np.float64
        assert np.all(entropies >= 0) and np.all(entropies <= math.log(vocab.size) + 1e-12)
        if temperature == 0:
            np.testing.assert_array_equal(entropies, 0.0)
    # the first entropy is that of the distribution after the prompt, by a full forward pass
    _, entropies = generate_with_entropy(model, vocab, "ab", 3, 0.5, seed=0)
    logits = model.predict(one_hot(vocab.encode("ab")[None, :], vocab.size))[0, -1]
    assert entropies[0] == pytest.approx(float(entropy(softmax_with_temperature(logits, 0.5))))
    assert generate_with_entropy(model, vocab, "a", 0)[1].shape == (0,)
