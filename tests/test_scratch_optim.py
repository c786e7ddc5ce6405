"""Optimizers follow their published update rules step for step; clipping keeps the direction."""

import math

import numpy as np
import pytest

from lstmbook.scratch import SGD, Adam, RMSprop, clip_by_global_norm

# A small ill-conditioned quadratic f(theta) = 1/2 theta^T A theta - c^T theta.
A = np.array([[3.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 0.1]])
C = np.array([1.0, -2.0, 0.5])
THETA0 = np.array([0.3, -0.7, 2.0])
STEPS = 25


def grad(theta):
    return A @ theta - C


def run_ours(opt):
    params = {"theta": THETA0.copy()}
    path = []
    for _ in range(STEPS):
        opt.step(params, {"theta": grad(params["theta"])})
        path.append(params["theta"].copy())
    return np.array(path)


def sgd_rule(lr, momentum):
    """Polyak heavy ball as in Keras: v <- mu v - lr g; theta <- theta + v."""
    theta, v, path = THETA0.copy(), np.zeros(3), []
    for _ in range(STEPS):
        v = momentum * v - lr * grad(theta)
        theta = theta + v
        path.append(theta)
    return np.array(path)


def rmsprop_rule(lr, rho, eps):
    """Tieleman & Hinton: s <- rho s + (1 - rho) g^2; theta <- theta - lr g / (sqrt(s) + eps)."""
    theta, s, path = THETA0.copy(), np.zeros(3), []
    for _ in range(STEPS):
        g = grad(theta)
        s = rho * s + (1 - rho) * g * g
        theta = theta - lr * g / (np.sqrt(s) + eps)
        path.append(theta)
    return np.array(path)


def adam_rule(lr, b1, b2, eps):
    """Kingma & Ba (2015), Algorithm 1, line by line."""
    theta, m, v, path = THETA0.copy(), np.zeros(3), np.zeros(3), []
    for t in range(1, STEPS + 1):
        g = grad(theta)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        path.append(theta)
    return np.array(path)


@pytest.mark.parametrize(("lr", "momentum"), [(0.1, 0.0), (0.05, 0.9)])
def test_sgd_matches_rule(lr, momentum):
    np.testing.assert_allclose(
        run_ours(SGD(lr, momentum)), sgd_rule(lr, momentum), rtol=1e-12, atol=1e-14
    )


@pytest.mark.parametrize(("lr", "rho", "eps"), [(0.01, 0.9, 1e-8), (0.05, 0.5, 1e-2)])
def test_rmsprop_matches_rule(lr, rho, eps):
    np.testing.assert_allclose(
        run_ours(RMSprop(lr, rho, eps)), rmsprop_rule(lr, rho, eps), rtol=1e-12, atol=1e-14
    )


@pytest.mark.parametrize(
    ("lr", "b1", "b2", "eps"), [(0.01, 0.9, 0.999, 1e-8), (0.1, 0.5, 0.9, 0.1)]
)
def test_adam_matches_algorithm_1(lr, b1, b2, eps):
    np.testing.assert_allclose(
        run_ours(Adam(lr, b1, b2, eps)), adam_rule(lr, b1, b2, eps), rtol=1e-12, atol=1e-14
    )


@pytest.mark.parametrize("make", [lambda: SGD(0.1, 0.9), lambda: RMSprop(0.05), lambda: Adam(0.1)])
def test_optimizers_descend_the_quadratic(make):
    def f(theta):
        return 0.5 * theta @ A @ theta - C @ theta

    path = run_ours(make())
    assert f(path[-1]) < f(THETA0)


def test_state_is_kept_per_params_dict():
    """One Adam serves two layers: the second dict's first step is a first step (t = 1)."""
    opt = Adam(0.1)
    first = {"W": np.ones(2)}
    second = {"W": np.ones(2)}
    for _ in range(3):
        opt.step(first, {"W": np.array([1.0, -2.0])})
    opt.step(second, {"W": np.array([1.0, -2.0])})
    fresh = {"W": np.ones(2)}
    Adam(0.1).step(fresh, {"W": np.array([1.0, -2.0])})
    np.testing.assert_array_equal(second["W"], fresh["W"])
    assert not np.allclose(first["W"], fresh["W"])


def test_extra_gradient_entries_are_ignored():
    params = {"W": np.zeros(2)}
    SGD(1.0).step(params, {"W": np.array([1.0, 2.0]), "h0": np.array([5.0])})
    np.testing.assert_array_equal(params["W"], [-1.0, -2.0])


def test_float32_parameters_stay_float32_and_in_place():
    w = np.ones(3, dtype=np.float32)
    params = {"W": w}
    Adam(0.1).step(params, {"W": np.array([1.0, 2.0, 3.0])})  # float64 gradient is cast
    assert params["W"] is w and w.dtype == np.float32
    assert np.all(w < 1.0)


def test_keras_adam_is_the_epsilon_hat_variant():
    """The module doc's claim: Keras adds epsilon to the uncorrected sqrt(v)."""
    keras = pytest.importorskip("keras")
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 0.1  # a large eps makes the difference visible
    var = keras.Variable(THETA0.copy(), dtype="float64")
    opt = keras.optimizers.Adam(lr, beta_1=b1, beta_2=b2, epsilon=eps)
    theta, m, v, keras_path = THETA0.copy(), np.zeros(3), np.zeros(3), []
    for t in range(1, 6):
        opt.apply_gradients([(keras.ops.convert_to_tensor(grad(np.asarray(var))), var)])
        keras_path.append(np.asarray(var).copy())
        g = grad(theta)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        theta = theta - lr * math.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps)
        np.testing.assert_allclose(keras_path[-1], theta, rtol=1e-5)  # Keras keeps lr in float32
    ours = run_ours(Adam(lr, b1, b2, eps))[:5]
    assert np.abs(ours - np.array(keras_path)).max() > 1e-3


def adam_hat_rule(lr, b1, b2, eps):
    """Kingma & Ba (2015), Section 2: lr_t = lr sqrt(1 - b2^t) / (1 - b1^t), eps on sqrt(v)."""
    theta, m, v, path = THETA0.copy(), np.zeros(3), np.zeros(3), []
    for t in range(1, STEPS + 1):
        g = grad(theta)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        theta = theta - lr * math.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps)
        path.append(theta)
    return np.array(path)


@pytest.mark.parametrize(
    ("lr", "b1", "b2", "eps"), [(0.01, 0.9, 0.999, 1e-7), (0.1, 0.5, 0.9, 0.1)]
)
def test_adam_epsilon_hat_matches_section_2(lr, b1, b2, eps):
    ours = run_ours(Adam(lr, b1, b2, eps, epsilon_hat=True))
    np.testing.assert_allclose(ours, adam_hat_rule(lr, b1, b2, eps), rtol=1e-12, atol=1e-14)
    assert np.abs(ours - run_ours(Adam(lr, b1, b2, eps))).max() > 0  # a different rule


def test_adam_epsilon_hat_is_algorithm_1_with_a_growing_epsilon():
    """One step from fresh state: eps_hat acts as eps / sqrt(1 - b2^t) of Algorithm 1."""
    b2, eps = 0.999, 1e-3
    g = np.array([1e-5, 1e-3, 1e-1])
    hat = {"W": np.zeros(3)}
    Adam(0.1, 0.9, b2, eps, epsilon_hat=True).step(hat, {"W": g})
    plain = {"W": np.zeros(3)}
    Adam(0.1, 0.9, b2, eps / math.sqrt(1 - b2)).step(plain, {"W": g})
    np.testing.assert_allclose(hat["W"], plain["W"], rtol=1e-12)
    np.testing.assert_allclose(hat["W"], -0.1 * g / (np.abs(g) + eps / math.sqrt(1 - b2)))


def test_adam_epsilon_hat_follows_keras_in_float64():
    """With Keras's convention (and an lr exact in float32) the paths agree to rounding."""
    keras = pytest.importorskip("keras")
    # Keras rounds lr and the bias-correction betas to float32: give it float32 numbers
    lr, b1, b2, eps = 0.0625, float(np.float32(0.9)), float(np.float32(0.999)), 0.1
    var = keras.Variable(THETA0.copy(), dtype="float64")
    opt = keras.optimizers.Adam(lr, beta_1=b1, beta_2=b2, epsilon=eps)
    keras_path = []
    for _ in range(STEPS):
        opt.apply_gradients([(keras.ops.convert_to_tensor(grad(np.asarray(var))), var)])
        keras_path.append(np.asarray(var).copy())
    ours = run_ours(Adam(lr, b1, b2, eps, epsilon_hat=True))
    np.testing.assert_allclose(ours, np.array(keras_path), rtol=1e-12, atol=1e-14)
    plain = run_ours(Adam(lr, 0.9, 0.999, eps, epsilon_hat=True))  # Python betas: not exact
    assert 1e-9 < np.abs(plain - np.array(keras_path)).max() < 1e-4


def test_adam_epsilon_hat_must_be_a_bool():
    with pytest.raises(ValueError, match=r"epsilon_hat must be True or False, got 'yes' \(str\)"):
        Adam(epsilon_hat="yes")
    assert "epsilon_hat=True" in repr(Adam(epsilon_hat=True))
    assert "epsilon_hat" not in repr(Adam())


def test_keras_rmsprop_puts_epsilon_inside_the_root():
    keras = pytest.importorskip("keras")
    lr, rho, eps = 0.05, 0.9, 0.1
    var = keras.Variable(THETA0.copy(), dtype="float64")
    opt = keras.optimizers.RMSprop(lr, rho=rho, epsilon=eps)
    theta, s = THETA0.copy(), np.zeros(3)
    for _ in range(5):
        opt.apply_gradients([(keras.ops.convert_to_tensor(grad(np.asarray(var))), var)])
        g = grad(theta)
        s = rho * s + (1 - rho) * g * g
        theta = theta - lr * g / np.sqrt(s + eps)
        np.testing.assert_allclose(np.asarray(var), theta, rtol=1e-6)


def test_clip_by_global_norm_scales_all_arrays_together():
    rng = np.random.default_rng(0)
    grads = [{"W": rng.normal(size=(3, 4)), "b": rng.normal(size=4)}, {"W": rng.normal(size=5)}]
    before = [{k: v.copy() for k, v in g.items()} for g in grads]
    expected_norm = math.sqrt(sum(float(np.sum(v**2)) for g in before for v in g.values()))
    norm = clip_by_global_norm(grads, 0.5)
    assert norm == pytest.approx(expected_norm)
    after_norm = math.sqrt(sum(float(np.sum(v**2)) for g in grads for v in g.values()))
    assert after_norm == pytest.approx(0.5)
    for g, b in zip(grads, before, strict=True):
        for k in g:
            np.testing.assert_allclose(g[k], b[k] * 0.5 / expected_norm)


def test_clip_leaves_small_gradients_alone():
    grads = {"W": np.array([0.3, 0.4])}
    assert clip_by_global_norm(grads, 1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(grads["W"], [0.3, 0.4])


def test_clip_norm_of_float32_gradients_does_not_overflow():
    grads = {"W": np.full(4, 1e30, dtype=np.float32)}
    norm = clip_by_global_norm(grads, 1.0)
    assert norm == pytest.approx(2e30, rel=1e-6)
    assert np.linalg.norm(grads["W"].astype(np.float64)) == pytest.approx(1.0, rel=1e-5)
