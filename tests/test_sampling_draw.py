"""lstmbook.chapters.sampling.draw_index: the inverse-CDF draw that generation
uses."""

import numpy as np

from lstmbook.chapters.sampling import (
    draw_index,
    sample_from_logits,
    softmax_with_temperature,
)


def test_draw_index_matches_sample_from_logits():
    logits = np.random.default_rng(0).normal(size=(5, 7))
    probs = softmax_with_temperature(logits, 0.7)
    a = draw_index(probs, np.random.default_rng(3))
    b = sample_from_logits(logits, 0.7, np.random.default_rng(3))
    assert a.shape == (5,) and a.dtype == np.int64
    np.testing.assert_array_equal(a, b)


def test_draw_index_frequencies_follow_the_probabilities():
    probs = np.array([0.1, 0.0, 0.6, 0.3])
    rng = np.random.default_rng(1)
    draws = draw_index(np.tile(probs, (20_000, 1)), rng)
    freq = np.bincount(draws, minlength=4) / draws.size
    assert freq[1] == 0
    np.testing.assert_allclose(freq, probs, atol=0.02)


def test_draw_index_one_row_gives_a_0d_index():
    index = draw_index(np.array([0.0, 1.0]), np.random.default_rng(0))
    assert index.shape == () and int(index) == 1
