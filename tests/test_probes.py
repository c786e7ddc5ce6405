"""lstmbook.scratch.probes: gradient-flow probes and gate statistics: exact Jacobians, checked three independent ways."""

import numpy as np
import pytest

from lstmbook.scratch import GRU, LSTM, SimpleRNN
from lstmbook.scratch.probes import (
    SEGMENTS,
    _jacobians_by_backward,
    cell_state_input_gradients,
    hidden_state_jacobian_norms,
    hidden_state_jacobians,
    largest_singular_value,
    per_step_factor,
    segment_means,
    set_recurrent_scale,
    spectral_radius,
    step_jacobians,
)

F64 = np.float64
X, H, B, T = 2, 3, 2, 6


def _layers():
    """Every layer kind, with non-zero peepholes and biases so that no term hides."""
    rng = np.random.default_rng(7)
    layers = {
        "rnn": SimpleRNN(X, H, seed=1, dtype=F64),
        "gru": GRU(X, H, seed=1, dtype=F64),
        "lstm": LSTM(X, H, seed=1, dtype=F64),
        "peephole-current": LSTM(X, H, peepholes=True, seed=1, dtype=F64),
        "peephole-previous": LSTM(
            X, H, peepholes=True, output_peephole="previous", seed=1, dtype=F64
        ),
    }
    for layer in layers.values():
        for name, value in layer.params.items():
            if name.startswith("p_") or name == "b":
                value[...] = rng.normal(scale=0.5, size=value.shape)
    return layers


LAYERS = _layers()


def _x(seed=0, batch=B, steps=T):
    return np.random.default_rng(seed).normal(size=(batch, steps, X))


def _state(layer, seed=3):
    rng = np.random.default_rng(seed)
    h0 = rng.normal(scale=0.5, size=(B, H))
    return (h0, rng.normal(scale=0.5, size=(B, H))) if isinstance(layer, LSTM) else h0


def _run_from(layer, x, state):
    """``(h_T, c_T or None)`` after running ``x`` from ``state``."""
    hs, cache = layer.forward(x, state=state)
    return hs[:, -1], (cache.c[-1] if isinstance(layer, LSTM) else None)


@pytest.mark.parametrize("name", list(LAYERS))
def test_product_equals_the_layers_own_backward(name):
    layer, x = LAYERS[name], _x()
    state = _state(layer)
    product = hidden_state_jacobians(layer, x, state)
    backward = _jacobians_by_backward(layer, x, state, "state")
    state_size = 2 * H if isinstance(layer, LSTM) else H
    assert product.shape == backward.shape == (T + 1, B, H, state_size)
    np.testing.assert_allclose(product, backward, rtol=1e-12, atol=1e-14)
    norms = hidden_state_jacobian_norms(layer, x, state, method="backward")
    np.testing.assert_allclose(norms, hidden_state_jacobian_norms(layer, x, state), rtol=1e-12)


@pytest.mark.parametrize("name", list(LAYERS))
@pytest.mark.parametrize("t", [0, 2, 5])
def test_jacobian_matches_central_differences(name, t):
    """Perturb the state at step t, rerun the rest of the sequence, difference h_T (and c_T)."""
    layer, x = LAYERS[name], _x(seed=1)
    is_lstm = isinstance(layer, LSTM)
    _, cache = layer.forward(x)
    s_t = np.concatenate([cache.h[t], cache.c[t]], axis=1) if is_lstm else cache.h[t].copy()
    rest = x[:, t:]
    eps = 1e-6
    numeric_h = np.zeros((B, H, s_t.shape[1]))
    numeric_c = np.zeros((B, H, s_t.shape[1]))
    for k in range(s_t.shape[1]):
        outs = []
        for sign in (1.0, -1.0):
            s = s_t.copy()
            s[:, k] += sign * eps
            outs.append(_run_from(layer, rest, (s[:, :H], s[:, H:]) if is_lstm else s))
        numeric_h[:, :, k] = (outs[0][0] - outs[1][0]) / (2 * eps)
        if is_lstm:
            numeric_c[:, :, k] = (outs[0][1] - outs[1][1]) / (2 * eps)
    lag = T - t
    np.testing.assert_allclose(hidden_state_jacobians(layer, x)[lag], numeric_h, atol=1e-8)
    if is_lstm:
        np.testing.assert_allclose(
            hidden_state_jacobians(layer, x, of="c")[lag], numeric_c, atol=1e-8
        )


def test_rnn_step_jacobian_is_diag_tanh_slope_times_u_transpose():
    layer, x = LAYERS["rnn"], _x()
    _, cache = layer.forward(x)
    jac = step_jacobians(layer, cache)
    t, b = 3, 1
    expected = np.diag(1.0 - cache.h[t + 1, b] ** 2) @ layer.params["U"].T
    np.testing.assert_allclose(jac[t, b], expected, rtol=1e-14)


def test_lstm_cell_path_is_the_forget_gate_without_peepholes():
    """Without peepholes, dc_t/dc_{t-1} = diag(f_t): no weight matrix on the cell path."""
    layer, x = LAYERS["lstm"], _x()
    _, cache = layer.forward(x)
    jac = step_jacobians(layer, cache)
    f = cache.gates[:, :, 1]
    for t in range(T):
        for b in range(B):
            np.testing.assert_allclose(jac[t, b, H:, H:], np.diag(f[t, b]), rtol=1e-14)


def test_wrt_h_and_c_are_the_two_halves_of_the_state():
    layer, x = LAYERS["peephole-current"], _x()
    whole = hidden_state_jacobians(layer, x)
    np.testing.assert_array_equal(hidden_state_jacobians(layer, x, wrt="h"), whole[..., :H])
    np.testing.assert_array_equal(hidden_state_jacobians(layer, x, wrt="c"), whole[..., H:])
    assert np.all(hidden_state_jacobian_norms(layer, x)[0] == 1.0)
    fro = hidden_state_jacobian_norms(layer, x, ord="fro")
    np.testing.assert_allclose(fro, np.sqrt((whole**2).sum(axis=(-2, -1))))


@pytest.mark.parametrize("scale", [0.5, 1.0, 2.0])
def test_scaled_orthogonal_u_bounds_the_gradient(scale):
    layer = SimpleRNN(X, 5, seed=0, dtype=F64)
    u = set_recurrent_scale(layer, scale, seed=4)
    assert u is layer.params["U"]
    assert spectral_radius(u) == pytest.approx(scale, rel=1e-12)
    assert largest_singular_value(u) == pytest.approx(scale, rel=1e-12)
    np.testing.assert_allclose(np.linalg.svd(u, compute_uv=False), scale, rtol=1e-12)
    norms = hidden_state_jacobian_norms(layer, _x(steps=20))
    lags = np.arange(21)[:, None]
    assert np.all(norms <= scale**lags * (1 + 1e-12))  # |tanh'| <= 1, ||U|| = scale


def test_spectral_radius_and_singular_value_differ_for_non_normal_matrices():
    shear = np.array([[0.5, 3.0], [0.0, 0.5]])
    assert spectral_radius(shear) == pytest.approx(0.5)
    assert largest_singular_value(shear) > 3.0
    with pytest.raises(ValueError, match="square"):
        spectral_radius(np.ones((2, 3)))
    with pytest.raises(ValueError, match="2-D"):
        largest_singular_value(np.ones(3))


def test_per_step_factor_recovers_a_geometric_rate():
    lags = np.arange(30)
    assert per_step_factor(3.0 * 0.8**lags) == pytest.approx(0.8, rel=1e-12)
    batch = np.stack([2.0 * 1.1**lags, 5.0 * 1.1**lags], axis=1)
    assert per_step_factor(batch) == pytest.approx(1.1, rel=1e-12)
    assert per_step_factor(0.5**lags, lags=[10, 20]) == pytest.approx(0.5, rel=1e-12)
    with pytest.raises(ValueError, match="two lags"):
        per_step_factor(0.5**lags, lags=[3])


def test_segment_means_keeps_the_five_parts_apart():
    trace = np.arange(12, dtype=F64).reshape(1, 6, 2)  # steps 0..5, unit values 2t and 2t + 1
    means = segment_means(trace, np.array([[1, 4]]))
    assert list(means) == list(SEGMENTS)
    np.testing.assert_allclose(means["before the first mark"], [0, 1])
    np.testing.assert_allclose(means["at the first mark"], [2, 3])
    np.testing.assert_allclose(means["between"], [(4 + 6) / 2, (5 + 7) / 2])
    np.testing.assert_allclose(means["at the second mark"], [8, 9])
    np.testing.assert_allclose(means["after the second mark"], [10, 11])
    assert np.isnan(segment_means(trace, np.array([[0, 5]]))["before the first mark"]).all()
    with pytest.raises(ValueError, match="first < second"):
        segment_means(trace, np.array([[3, 3]]))
    with pytest.raises(ValueError, match="integer positions"):
        segment_means(trace, np.array([1, 4]))


@pytest.mark.parametrize("name", ["lstm", "peephole-current", "peephole-previous"])
def test_cell_state_input_gradients_match_finite_differences(name):
    layer, x = LAYERS[name], _x(seed=3)
    grads = cell_state_input_gradients(layer, x)
    assert grads.shape == (*x.shape, layer.hidden_size)
    eps = 1e-6
    for b, t, k in [(0, 0, 0), (1, 2, 1), (0, T - 1, 1)]:
        up, down = x.copy(), x.copy()
        up[b, t, k] += eps
        down[b, t, k] -= eps
        c_up = layer.forward(up)[1].trace()["c"][b, -1]
        c_down = layer.forward(down)[1].trace()["c"][b, -1]
        np.testing.assert_allclose(
            grads[b, t, k], (c_up - c_down) / (2 * eps), rtol=1e-6, atol=1e-9
        )


def test_cell_path_only_is_everything_when_nothing_else_connects_the_steps():
    layer = LSTM(X, H, seed=2, dtype=F64)  # no peepholes
    x = _x(seed=4)
    full = cell_state_input_gradients(layer, x)
    cell_only = cell_state_input_gradients(layer, x, cell_path_only=True)
    np.testing.assert_array_equal(full[:, -1], cell_only[:, -1])  # the last step: same routes
    assert np.abs(full - cell_only).max() > 1e-3  # U connects the steps: other routes exist
    layer.params["U"][...] = 0.0
    np.testing.assert_allclose(
        cell_state_input_gradients(layer, x, cell_path_only=True),
        cell_state_input_gradients(layer, x),
        rtol=1e-12,
        atol=1e-15,
    )
    with pytest.raises(ValueError, match="must be a lstmbook.scratch LSTM"):
        cell_state_input_gradients(LAYERS["gru"], x)


def test_bad_arguments_raise():
    rnn, x = LAYERS["rnn"], _x()
    with pytest.raises(ValueError, match="only an LSTM has a cell state"):
        hidden_state_jacobians(rnn, x, wrt="c")
    with pytest.raises(ValueError, match="method must be"):
        hidden_state_jacobian_norms(rnn, x, method="autodiff")
    with pytest.raises(ValueError, match="ord must be"):
        hidden_state_jacobian_norms(rnn, x, ord=1)
    with pytest.raises(ValueError, match="of='h'"):
        hidden_state_jacobian_norms(LAYERS["lstm"], x, of="c", method="backward")
    with pytest.raises(ValueError, match="SimpleRNN, GRU or LSTM"):
        hidden_state_jacobians(object(), x)
    with pytest.raises(ValueError, match="must be a SimpleRNN"):
        set_recurrent_scale(LAYERS["lstm"], 1.0)
    with pytest.raises(ValueError, match="cache must be"):
        step_jacobians(LAYERS["lstm"], rnn.forward(x)[1])
