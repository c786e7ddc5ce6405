"""The readable one-sequence RNN loop agrees with the batched reference and
the fast layer."""

import numpy as np
import pytest

from lstmbook.scratch import SimpleRNN
from lstmbook.scratch.reference import elman_forward, rnn_forward


@pytest.mark.parametrize("with_h0", [False, True])
def test_elman_forward_matches_rnn_forward_and_simple_rnn(with_h0):
    rng = np.random.default_rng(0)
    steps, inputs, hidden = 7, 3, 5
    layer = SimpleRNN(inputs, hidden, seed=1, dtype=np.float64)
    params = layer.params
    xs = rng.normal(size=(steps, inputs))
    h0 = rng.normal(size=hidden) if with_h0 else None

    hs = elman_forward(xs, params["W"].T, params["U"].T, params["b"], h0)

    batch_h0 = None if h0 is None else h0[np.newaxis]
    reference, _ = rnn_forward(xs[np.newaxis], params, batch_h0)
    fast, _ = layer.forward(xs[np.newaxis], state=batch_h0)
    assert hs.shape == (steps, hidden)
    np.testing.assert_allclose(hs, reference[0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(hs, fast[0], rtol=1e-12, atol=1e-14)


def test_elman_forward_is_the_equation_step_by_step():
    W_x = np.array([[0.5], [-1.0]])
    W_h = np.array([[0.2, 0.0], [0.1, -0.3]])
    b = np.array([0.0, 0.1])
    xs = np.array([[1.0], [2.0]])
    h1 = np.tanh(W_x @ xs[0] + b)
    h2 = np.tanh(W_x @ xs[1] + W_h @ h1 + b)
    np.testing.assert_allclose(elman_forward(xs, W_x, W_h, b), [h1, h2])
