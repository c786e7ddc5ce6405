"""The readable truncated BPTT of lstmbook.scratch.reference against the fast
one of lstmbook.scratch.tbptt."""

import numpy as np
import pytest

from lstmbook.scratch import LSTM, Dense, Sequential, softmax_cross_entropy
from lstmbook.scratch.reference import (
    lstm_backward,
    lstm_forward,
    lstm_truncated_backward,
)
from lstmbook.scratch.tbptt import truncated_loss_and_grads


def _model(peepholes, output_peephole="current"):
    lstm = LSTM(
        3,
        5,
        peepholes=peepholes,
        output_peephole=output_peephole,
        seed=0,
        dtype=np.float64,
    )
    rng = np.random.default_rng(7)
    for name in ("p_i", "p_f", "p_o"):
        if name in lstm.params:
            lstm.params[name][...] = rng.normal(scale=0.5, size=5)
    return Sequential([lstm], head=Dense(5, 4, seed=1, dtype=np.float64))


@pytest.mark.parametrize("window", [1, 3, 4, 11, 50])
@pytest.mark.parametrize(
    "variant", [(False, "current"), (True, "current"), (True, "previous")]
)
def test_reference_equals_fast_tbptt(window, variant):
    model = _model(*variant)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 11, 3))
    y = rng.integers(0, 4, size=4)
    lstm, head = model.layers
    hs, _ = lstm.forward(x)
    logits, _ = head.forward(hs[:, -1])
    _, dlogits = softmax_cross_entropy(logits, y)
    dhs = np.zeros_like(hs)
    dhs[:, -1] = dlogits @ head.params["W"].T
    dx_ref, grads_ref = lstm_truncated_backward(
        x, dhs, lstm.params, window, lstm.output_peephole
    )
    fast = truncated_loss_and_grads(model, x, y, window, input_grad=True)
    assert set(grads_ref) == set(lstm.params)
    for name, grad in grads_ref.items():
        np.testing.assert_allclose(grad, fast.grads[0][name], atol=1e-12)
    np.testing.assert_allclose(dx_ref, fast.dx, atol=1e-12)


def test_long_window_is_full_bptt():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 6, 3))
    dhs = rng.normal(size=(2, 6, 5))
    params = LSTM(3, 5, seed=0, dtype=np.float64).params
    _, caches = lstm_forward(x, params)
    dx_full, grads_full = lstm_backward(dhs, caches)
    dx, grads = lstm_truncated_backward(x, dhs, params, window=6)
    np.testing.assert_array_equal(dx, dx_full)
    for name, grad in grads.items():
        np.testing.assert_array_equal(grad, grads_full[name])


def test_no_gradient_crosses_a_boundary():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 8, 3))
    dhs = np.zeros((2, 8, 5))
    dhs[:, -1] = rng.normal(size=(2, 5))  # a loss at the last step only
    params = LSTM(3, 5, seed=0, dtype=np.float64).params
    dx, _ = lstm_truncated_backward(x, dhs, params, window=3)
    reached = np.abs(dx).sum(axis=(0, 2)) > 0
    assert reached.tolist() == [False] * 6 + [True] * 2
