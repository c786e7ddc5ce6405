"""Plumbing of practice/02 and practice/03: vocabularies, teacher forcing, decoding, scores,
attention in NumPy, filler text."""

import numpy as np
import pytest

from lstmbook.chapters.seq2seq import (
    END,
    FILLER_WORDS,
    PAD,
    START,
    UNK,
    CharVocab,
    beam_decode,
    char_accuracy,
    dot_attention,
    embed_in_filler,
    exact_match,
    field_accuracy,
    greedy_decode,
    teacher_forcing_pair,
)

DIGITS = CharVocab.from_texts("0123456789-")


def test_vocab_round_trip_padding_and_unknown():
    vocab = CharVocab.from_texts(["abc", "cab", "é"])
    assert vocab.chars == ("a", "b", "c", "é") and len(vocab) == 8
    ids = vocab.encode(["ab", "cé", ""], length=4)
    assert ids.shape == (3, 4) and ids.dtype == np.int32
    assert ids[0].tolist() == [4, 5, PAD, PAD] and ids[2].tolist() == [PAD] * 4
    assert [vocab.decode(row) for row in ids] == ["ab", "cé", ""]
    assert vocab.encode(["az"])[0].tolist() == [4, UNK]
    assert vocab.decode([START, 4, 5, END, 6]) == "ab"  # stops at <end>, skips <start>


def test_vocab_rejects_short_length_and_a_single_string():
    with pytest.raises(ValueError, match="at least the longest"):
        DIGITS.encode(["12345"], length=3)
    with pytest.raises(ValueError, match="one string"):
        DIGITS.encode("123")


def test_teacher_forcing_pair_is_the_target_shifted_right():
    dec_in, target = teacher_forcing_pair(DIGITS, ["1953-06-26", "12"])
    assert dec_in.shape == target.shape == (2, 11)
    assert dec_in[0, 0] == START and target[0, 10] == END
    assert (dec_in[0, 1:] == target[0, :-1]).all()
    assert DIGITS.decode(target[0]) == "1953-06-26"
    # the short row: <end> right after its text, padding after that, never <end> as an input
    assert target[1, :3].tolist() == [*DIGITS.encode(["12"])[0], END]
    assert (target[1, 3:] == PAD).all() and END not in dec_in


def _table_step(table):
    """A step function whose next-token probabilities depend only on the previous token."""

    def step(tokens, states):
        return table[tokens], [s + 1 for s in states]

    return step


def test_greedy_decode_feeds_back_its_choice():
    vocab_size = 6
    table = np.full((vocab_size, vocab_size), 0.01)
    table[START, 4] = table[4, 5] = table[5, END] = table[END, PAD] = table[PAD, PAD] = 1.0
    table /= table.sum(axis=1, keepdims=True)
    ids = greedy_decode(_table_step(table), [np.zeros((2, 3))], max_length=5)
    assert ids.shape == (2, 5) and ids[0].tolist() == [4, 5, END, PAD, PAD]


def test_greedy_decode_checks_the_step_output():
    def bad_step(tokens, states):
        return np.ones((len(tokens) + 1, 4)), states

    with pytest.raises(ValueError, match=r"probabilities \(2, V\)"):
        greedy_decode(bad_step, [np.zeros((2, 3))], max_length=2)
    with pytest.raises(ValueError, match="max_length"):
        greedy_decode(bad_step, [np.zeros((2, 3))], max_length=0)


def test_beam_search_finds_what_greedy_misses():
    # greedy takes token 4 (0.6) then is stuck with 0.5 x 0.5; token 5 (0.4) leads to a sure path
    vocab_size = 6
    table = np.zeros((vocab_size, vocab_size))
    table[START, 4], table[START, 5] = 0.6, 0.4
    table[4, END], table[4, 4] = 0.5, 0.5
    table[5, END] = 1.0
    table[END, PAD] = table[PAD, PAD] = 1.0
    step = _table_step(table)
    states = [np.zeros((3, 2))]
    greedy = greedy_decode(step, states, max_length=3)
    beam = beam_decode(step, states, max_length=3, width=2)
    assert greedy[0].tolist() == [4, END, PAD]  # probability 0.3
    assert beam.shape == (3, 3) and beam[0].tolist() == [5, END, PAD]  # probability 0.4
    assert (beam_decode(step, states, max_length=3, width=1) == greedy).all()
    with pytest.raises(ValueError, match="width"):
        beam_decode(step, states, max_length=3, width=0)


def test_beam_keeps_each_input_apart():
    # the best token depends on the state row, so a mixed-up beam would give the wrong answer
    def step(tokens, states):
        probs = np.full((len(tokens), 6), 0.01)
        probs[np.arange(len(tokens)), 4 + states[0][:, 0].astype(int)] = 1.0
        return probs / probs.sum(axis=1, keepdims=True), states

    states = [np.array([[0.0], [1.0], [0.0]])]
    beam = beam_decode(step, states, max_length=2, width=3)
    assert beam[:, 0].tolist() == [4, 5, 4]


def test_scores():
    truth = ["1953-06-26", "2001-12-31"]
    predicted = ["1953-06-26", "2001-11-31"]
    assert exact_match(predicted, truth).tolist() == [True, False]
    assert char_accuracy(predicted, truth) == 19 / 20
    assert char_accuracy(["1953"], ["1953-06-26"]) == 0.4  # missing characters are wrong
    assert field_accuracy(predicted, truth) == {"year": 1.0, "month": 0.5, "day": 1.0}
    with pytest.raises(ValueError, match="2 strings"):
        exact_match(["1953-06-26"], truth)


def test_dot_attention_weights_and_context():
    rng = np.random.default_rng(0)
    query, keys = rng.normal(size=(2, 3)), rng.normal(size=(2, 4, 3))
    mask = np.array([[True, True, True, False], [True, True, True, True]])
    context, weights = dot_attention(query, keys, mask)
    assert context.shape == (2, 3) and weights.shape == (2, 4)
    assert np.allclose(weights.sum(axis=1), 1.0) and weights[0, 3] == 0.0
    scores = keys[1] @ query[1]
    expected = np.exp(scores) / np.exp(scores).sum()
    assert np.allclose(weights[1], expected) and np.allclose(context[1], expected @ keys[1])
    with pytest.raises(ValueError, match="expected query"):
        dot_attention(query, keys[:1])
    with pytest.raises(ValueError, match="mask"):
        dot_attention(query, keys, mask[:, :3])


def test_dot_attention_matches_keras_attention():
    import keras

    rng = np.random.default_rng(1)
    query = rng.normal(size=(2, 1, 3)).astype("float32")
    keys = rng.normal(size=(2, 5, 3)).astype("float32")
    mask = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1]], dtype=bool)
    out, scores = keras.layers.Attention()(
        [query, keys], mask=[None, mask], return_attention_scores=True
    )
    context, weights = dot_attention(query[:, 0], keys, mask)
    assert np.allclose(np.asarray(out)[:, 0], context, atol=1e-5)
    assert np.allclose(np.asarray(scores)[:, 0], weights, atol=1e-5)


def test_embed_in_filler():
    rng = np.random.default_rng(0)
    out = embed_in_filler(["26 Juni 1953", "x"], [2, 0], [1, 3], rng)
    words = out[0].split(" ")
    assert len(words) == 6 and " ".join(words[2:5]) == "26 Juni 1953"
    assert set(words[:2] + words[5:]) <= set(FILLER_WORDS)
    assert out[1].startswith("x ") and len(out[1].split(" ")) == 4
    with pytest.raises(ValueError, match="2 entries"):
        embed_in_filler(["a", "b"], [1], [1, 1], rng)
