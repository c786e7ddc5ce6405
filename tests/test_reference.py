"""The readable reference cells are the oracle: gradient-checked themselves, and every fast layer
computes what they compute, forward and backward, for every variant.

The last test shows why the oracle is needed: a fast LSTM whose input and forget gates are swapped
consistently in the forward and the backward pass is still a correct function with correct
gradients, so a gradient check passes; only the comparison with the written-out equations fails.
"""

import numpy as np
import pytest
from conftest import randomise_params

from lstmbook.scratch import (
    GRU,
    LSTM,
    SimpleRNN,
    gradcheck,
    numeric_gradient,
    relative_error,
)
from lstmbook.scratch import reference as ref

B, T, X, H = 3, 5, 4, 6
VARIANTS = ["lstm", "peephole-current", "peephole-previous", "gru", "rnn"]


def _layer(kind: str, seed: int = 0):
    """A float64 fast layer with every parameter random (peepholes and biases included)."""
    if kind == "lstm":
        layer = LSTM(X, H, dtype=np.float64, seed=seed)
    elif kind.startswith("peephole"):
        variant = kind.split("-")[1]
        layer = LSTM(X, H, peepholes=True, output_peephole=variant, dtype=np.float64, seed=seed)
    elif kind == "gru":
        layer = GRU(X, H, dtype=np.float64, seed=seed)
    else:
        layer = SimpleRNN(X, H, dtype=np.float64, seed=seed)
    return randomise_params(layer, np.random.default_rng(seed + 100))


def _reference(kind: str):
    """(forward, backward, output_peephole kwargs) of the reference for a variant."""
    if kind == "gru":
        return ref.gru_forward, ref.gru_backward, {}
    if kind == "rnn":
        return ref.rnn_forward, ref.rnn_backward, {}
    variant = kind.split("-")[1] if kind.startswith("peephole") else "current"
    return ref.lstm_forward, ref.lstm_backward, {"output_peephole": variant}


def _inputs(kind: str, seed: int = 1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(B, T, X))
    state = [rng.normal(size=(B, H))]
    if kind.startswith(("lstm", "peephole")):
        state.append(rng.normal(size=(B, H)))
    dhs = rng.normal(size=(B, T, H))
    return x, state, dhs


@pytest.mark.parametrize("kind", VARIANTS)
def test_reference_gradients_match_central_differences(kind):
    layer = _layer(kind)
    forward, backward, options = _reference(kind)
    x, state, dhs = _inputs(kind)
    params = {name: value.copy() for name, value in layer.params.items()}

    def loss() -> float:
        hs, _ = forward(x, params, *state, **options)
        return float(np.sum(hs * dhs))  # dL/dhs = dhs

    hs, caches = forward(x, params, *state, **options)
    dx, grads = backward(dhs, caches)
    assert relative_error(dx, numeric_gradient(loss, x)) < 1e-7
    for name in params:
        assert relative_error(grads[name], numeric_gradient(loss, params[name])) < 1e-7, name
    for name, value in zip(("h0", "c0"), state, strict=False):
        assert relative_error(grads[name], numeric_gradient(loss, value)) < 1e-7, name


@pytest.mark.parametrize("kind", VARIANTS)
def test_fast_layer_equals_reference(kind):
    layer = _layer(kind)
    forward, backward, options = _reference(kind)
    x, state, dhs = _inputs(kind)
    fast_state = tuple(state) if len(state) == 2 else state[0]

    fast_hs, cache = layer.forward(x, state=fast_state)
    fast_dx, fast_grads = layer.backward(dhs, cache)
    hs, caches = forward(x, layer.params, *state, **options)
    dx, grads = backward(dhs, caches)

    np.testing.assert_allclose(fast_hs, hs, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fast_dx, dx, rtol=1e-10, atol=1e-12)
    assert set(fast_grads) == set(grads)
    for name in grads:
        np.testing.assert_allclose(fast_grads[name], grads[name], rtol=1e-10, atol=1e-12, err_msg=name)


def test_reference_step_is_the_equations_at_one_step():
    """One step by hand with H = 1 and simple numbers: the gates are sigmoids of known sums."""
    params = {
        "W": np.array([[0.5, -0.5, 1.0, 0.0]]),
        "U": np.array([[0.0, 0.0, 0.0, 1.0]]),
        "b": np.array([0.0, 1.0, 0.0, 0.0]),
    }
    x_t, h_prev, c_prev = np.array([[2.0]]), np.array([[1.0]]), np.array([[0.5]])
    h_t, c_t, cache = ref.lstm_step_forward(x_t, h_prev, c_prev, params)
    s = ref.sigmoid
    i, f, g, o = s(1.0), s(0.0), np.tanh(2.0), s(1.0)
    assert np.isclose(cache["i_t"][0, 0], i) and np.isclose(cache["f_t"][0, 0], f)
    assert np.isclose(c_t[0, 0], f * 0.5 + i * g)
    assert np.isclose(h_t[0, 0], o * np.tanh(f * 0.5 + i * g))


def test_bad_output_peephole_is_a_clear_error():
    params = _layer("lstm").params
    with pytest.raises(ValueError, match="output_peephole"):
        ref.lstm_step_forward(np.zeros((1, X)), np.zeros((1, H)), np.zeros((1, H)), params, "next")


class _GatesSwapped(LSTM):
    """A fast LSTM with a consistent bug: it reads Keras's input block as the forget block and the
    forget block as the input block, in the forward *and* the backward pass."""

    def _swap(self, array, axis):
        blocks = np.split(array, 4, axis=axis)
        return np.concatenate([blocks[1], blocks[0], blocks[2], blocks[3]], axis=axis)

    def forward(self, x, state=None, reuse=None):
        saved = {k: self.params[k].copy() for k in ("W", "U", "b")}
        for name in saved:
            self.params[name][...] = self._swap(saved[name], axis=-1)
        try:
            return super().forward(x, state)
        finally:
            for name, value in saved.items():
                self.params[name][...] = value

    def backward(self, dhs, cache, input_grad=True):
        saved = {k: self.params[k].copy() for k in ("W", "U", "b")}
        for name in saved:
            self.params[name][...] = self._swap(saved[name], axis=-1)
        try:
            dx, grads = super().backward(dhs, cache, input_grad)
        finally:
            for name, value in saved.items():
                self.params[name][...] = value
        for name in ("W", "U", "b"):
            grads[name] = self._swap(grads[name], axis=-1)
        return dx, grads


def test_a_gate_order_swap_passes_gradcheck_but_not_the_reference():
    layer = _GatesSwapped(X, H, dtype=np.float64, seed=0)
    randomise_params(layer, np.random.default_rng(5))
    x, _, dhs = _inputs("lstm")
    errors = gradcheck(layer, x)
    assert max(errors.values()) < 1e-6  # self-consistent: the gradients are right for the bug

    hs, caches = ref.lstm_forward(x, layer.params)
    swapped_hs, _ = layer.forward(x)
    assert np.abs(swapped_hs - hs).max() > 1e-2  # the oracle catches it
