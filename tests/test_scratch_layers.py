"""Layer behaviour: initialisation, parameter counts, peephole semantics, traces, state, reuse."""

import numpy as np
import pytest

from lstmbook.scratch import GRU, LSTM, Dense, SimpleRNN
from lstmbook.scratch.params import (
    dense_param_count,
    gru_param_count,
    lstm_param_count,
    simple_rnn_param_count,
)


@pytest.mark.parametrize(("x", "h"), [(1, 1), (3, 5), (10, 128), (64, 7)])
def test_parameter_counts_follow_the_closed_forms(x, h):
    assert LSTM(x, h).n_params == lstm_param_count(x, h) == 4 * (h * (x + h) + h)
    assert LSTM(x, h, peepholes=True).n_params == lstm_param_count(x, h, peepholes=True)
    assert LSTM(x, h, peepholes=True).count_params() == 4 * (h * (x + h) + h) + 3 * h
    assert GRU(x, h).n_params == gru_param_count(x, h) == 3 * (h * (x + h) + 2 * h)
    assert SimpleRNN(x, h).n_params == simple_rnn_param_count(x, h) == h * (x + h) + h
    assert Dense(x, h).n_params == dense_param_count(x, h)


def test_lstm_initialisation_like_keras():
    x, h = 6, 5
    layer = LSTM(x, h, peepholes=True, seed=0)
    p = layer.params
    assert p["W"].shape == (x, 4 * h) and p["U"].shape == (h, 4 * h) and p["b"].shape == (4 * h,)
    assert all(p[k].dtype == np.float32 for k in p)
    limit = np.sqrt(6.0 / (x + 4 * h))
    assert np.abs(p["W"]).max() <= limit
    assert np.abs(p["W"]).max() > 0.5 * limit  # really spread over the Glorot range
    np.testing.assert_allclose(p["U"] @ p["U"].T, np.eye(h), atol=1e-6)  # orthonormal rows
    expected_bias = np.concatenate([np.zeros(h), np.ones(h), np.zeros(2 * h)])
    np.testing.assert_array_equal(p["b"], expected_bias)  # unit forget bias
    for name in ("p_i", "p_f", "p_o"):
        np.testing.assert_array_equal(p[name], np.zeros(h))


@pytest.mark.parametrize("kind", [LSTM, GRU, SimpleRNN, Dense])
def test_seeded_initialisation_is_deterministic(kind):
    a, b, c = kind(4, 3, seed=5), kind(4, 3, seed=5), kind(4, 3, seed=6)
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
    assert not np.array_equal(a.params["W"], c.params["W"])


def test_gru_and_rnn_layouts():
    gru, rnn = GRU(3, 4), SimpleRNN(3, 4)
    assert {k: v.shape for k, v in gru.params.items()} == {"W": (3, 12), "U": (4, 12), "b": (2, 12)}
    assert {k: v.shape for k, v in rnn.params.items()} == {"W": (3, 4), "U": (4, 4), "b": (4,)}
    np.testing.assert_allclose(gru.params["U"] @ gru.params["U"].T, np.eye(4), atol=1e-6)
    np.testing.assert_allclose(rnn.params["U"] @ rnn.params["U"].T, np.eye(4), atol=1e-6)


@pytest.mark.parametrize("output_peephole", ["current", "previous"])
def test_zero_peepholes_equal_the_plain_lstm(output_peephole):
    x = np.random.default_rng(0).normal(size=(3, 8, 4)).astype(np.float32)
    plain = LSTM(4, 6, seed=2)
    peep = LSTM(4, 6, peepholes=True, output_peephole=output_peephole, seed=2)
    np.testing.assert_allclose(peep.forward(x)[0], plain.forward(x)[0], atol=1e-6, rtol=0)


def test_the_two_output_peephole_variants_differ():
    rng = np.random.default_rng(2)
    layers = [
        LSTM(3, 4, peepholes=True, output_peephole=v, seed=0) for v in ("current", "previous")
    ]
    for layer in layers:
        layer.params["p_o"][...] = 2.0
    x = rng.normal(size=(2, 5, 3))
    assert np.abs(layers[0].forward(x)[0] - layers[1].forward(x)[0]).max() > 1e-3


def test_gate_trace_is_consistent_with_the_equations():
    rng = np.random.default_rng(3)
    layer = LSTM(3, 5, seed=1)
    x = rng.normal(size=(2, 6, 3)).astype(np.float32)
    trace = layer.gate_trace(x)
    assert set(trace) == {"i", "f", "g", "o", "c", "h"}
    assert all(a.shape == (2, 6, 5) for a in trace.values())
    for gate in ("i", "f", "o"):
        assert np.all((trace[gate] > 0) & (trace[gate] < 1))
    c_prev = np.concatenate([np.zeros((2, 1, 5)), trace["c"][:, :-1]], axis=1)
    np.testing.assert_allclose(trace["c"], trace["f"] * c_prev + trace["i"] * trace["g"], atol=1e-6)
    np.testing.assert_allclose(trace["h"], trace["o"] * np.tanh(trace["c"]), atol=1e-6)
    np.testing.assert_array_equal(trace["h"], layer.forward(x)[0])


def test_gru_trace_keys():
    trace = GRU(2, 3).gate_trace(np.ones((1, 4, 2)))
    assert set(trace) == {"z", "r", "n", "h"} and all(a.shape == (1, 4, 3) for a in trace.values())


@pytest.mark.parametrize("kind", [LSTM, GRU, SimpleRNN])
@pytest.mark.parametrize("reuse", [False, True])
def test_final_state_continues_a_sequence(kind, reuse):
    """Two halves chained through cache.final_state equal the whole sequence at once."""
    rng = np.random.default_rng(4)
    layer = kind(3, 4, seed=0, dtype=np.float64)
    x = rng.normal(size=(2, 10, 3))
    whole, whole_cache = layer.forward(x)
    whole, whole_state = whole.copy(), whole_cache.final_state
    first, cache = layer.forward(x[:, :5])  # same shapes as the second half: reusable
    first = first.copy()
    second, cache2 = layer.forward(
        x[:, 5:], state=cache.final_state, reuse=cache if reuse else None
    )
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), whole, rtol=1e-12)
    for got, want in zip(
        np.atleast_2d(cache2.final_state), np.atleast_2d(whole_state), strict=True
    ):
        np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("kind", [LSTM, GRU, SimpleRNN])
def test_reuse_recycles_buffers_and_gives_the_same_result(kind):
    rng = np.random.default_rng(5)
    layer = kind(3, 4, seed=0)
    x1, x2 = rng.normal(size=(2, 2, 6, 3))
    _, old = layer.forward(x1)
    fresh, _ = layer.forward(x2)
    fresh = fresh.copy()
    again, new = layer.forward(x2, reuse=old)
    np.testing.assert_array_equal(again, fresh)
    assert np.shares_memory(new.h, old.h)
    _, other = layer.forward(rng.normal(size=(2, 7, 3)), reuse=new)  # other shape: new memory
    assert not np.shares_memory(other.h, new.h)


@pytest.mark.parametrize("kind", [LSTM, GRU, SimpleRNN])
def test_backward_leaves_the_cache_intact_and_grads_unaliased(kind):
    rng = np.random.default_rng(6)
    layer = kind(3, 4, seed=0)
    hs, cache = layer.forward(rng.normal(size=(2, 5, 3)))
    d1, d2 = rng.normal(size=(2, *hs.shape))
    dx1, g1 = layer.backward(d1, cache)
    kept = {k: v.copy() for k, v in g1.items()}
    layer.backward(d2, cache)
    dx1_again, g1_again = layer.backward(d1, cache)
    np.testing.assert_array_equal(dx1_again, dx1)
    for name in kept:
        np.testing.assert_array_equal(g1[name], kept[name])  # not overwritten by later calls
        np.testing.assert_array_equal(g1_again[name], kept[name])


@pytest.mark.parametrize("kind", [LSTM, GRU, SimpleRNN])
def test_input_grad_false_skips_dx_only(kind):
    rng = np.random.default_rng(7)
    layer = kind(3, 4, seed=0)
    hs, cache = layer.forward(rng.normal(size=(2, 5, 3)))
    dhs = rng.normal(size=hs.shape)
    dx, grads = layer.backward(dhs, cache)
    none, same = layer.backward(dhs, cache, input_grad=False)
    assert dx.shape == (2, 5, 3) and none is None
    for name in grads:
        np.testing.assert_array_equal(same[name], grads[name])


def test_hs_is_a_read_only_view_and_state_grads_only_with_state():
    layer = LSTM(2, 3)
    hs, cache = layer.forward(np.ones((1, 4, 2)))
    with pytest.raises(ValueError, match="read-only"):
        hs[0, 0, 0] = 1.0
    assert set(layer.backward(np.ones(hs.shape), cache)[1]) == {"W", "U", "b"}
    _, cache = layer.forward(np.ones((1, 4, 2)), state=(np.zeros((1, 3)), np.zeros((1, 3))))
    grads = layer.backward(np.ones(hs.shape), cache)[1]
    assert set(grads) == {"W", "U", "b", "h0", "c0"} and grads["c0"].shape == (1, 3)


def test_cache_memory_per_step():
    """The LSTM cache holds x, four gates, c, tanh(c), h: (X + 7 H) numbers per sample and step
    (plus the initial h and c)."""
    b, t, x, h = 4, 10, 3, 8
    _, cache = LSTM(x, h).forward(np.ones((b, t, x)))
    assert cache.nbytes == 4 * (b * t * (x + 7 * h) + 2 * b * h)
