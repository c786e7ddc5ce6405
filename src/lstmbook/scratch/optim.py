"""First-order optimizers that update parameter arrays in place: SGD
(momentum), RMSprop, Adam.

``opt.step(params, grads)`` updates every array of the dict ``params`` with the
array of the same name in ``grads`` (extra keys in ``grads``, such as ``"h0"``,
are ignored). The state (velocities, moments, step count) is kept per
parameter, keyed by the params dict and the parameter name, so one optimizer
can serve all the layers of a network::

    opt = Adam(lr=1e-3)
    for layer, grads in zip(layers, all_grads):
        opt.step(layer.params, grads)

Update rules (``g`` the gradient, ``t`` the per-parameter step count starting
at 1):

* :class:`SGD`: ``v = momentum * v - lr * g``; ``theta += v`` (``theta -= lr *
  g`` without momentum). This is Keras's form; PyTorch's ``v = momentum * v +
  g; theta -= lr * v`` gives the same iterates for a constant learning rate.
* :class:`RMSprop` (Tieleman & Hinton 2012): ``s = rho * s + (1 - rho) * g^2``;
  ``theta -= lr * g / (sqrt(s) + eps)``, the form of ``torch.optim.RMSprop``.
  Keras differs: ``epsilon`` goes *inside* the root, ``theta -= lr * g /
  sqrt(s + eps)``, with defaults ``lr=1e-3, rho=0.9, epsilon=1e-7``; PyTorch's
  defaults are ``lr=1e-2, alpha(=rho)=0.99, eps=1e-8``. Ours: ``lr=1e-3,
  rho=0.9, eps=1e-8``.
* :class:`Adam`: Algorithm 1 of Kingma & Ba (2015), as ``torch.optim.Adam``:
  ``m = b1 m + (1 - b1) g``; ``v = b2 v + (1 - b2) g^2``; ``m_hat = m / (1 -
  b1^t)``; ``v_hat = v / (1 - b2^t)``; ``theta -= lr * m_hat / (sqrt(v_hat) +
  eps)``. Keras uses the "epsilon hat" variant from Section 2 of the paper:
  ``theta -= lr_t * m / (sqrt(v) + eps)`` with ``lr_t = lr * sqrt(1 - b2^t) /
  (1 - b1^t)``, i.e. its epsilon is added to the *uncorrected* ``sqrt(v)``,
  which equals ours with ``eps_ours = eps_keras / sqrt(1 - b2^t)`` (larger
  early on); its default is ``1e-7``. The two agree to many digits whenever
  ``sqrt(v_hat) >> eps``. ``Adam(..., epsilon_hat=True)`` computes Keras's
  form. It follows ``keras.optimizers.Adam`` on float64 variables to rounding
  error when ``lr``, ``beta1`` and ``beta2`` are numbers that float32
  represents exactly (e.g. ``float(np.float32(0.999))``): Keras 3.15 keeps the
  learning rate in a float32 variable and casts the betas of the bias
  correction from Python floats through float32, so ``0.999`` becomes
  ``0.99900001287...`` there (a relative change of ``6e-6`` in the first step
  size).
"""

from __future__ import annotations

import math

import numpy as np

from . import _checks


def _rate(
    name: str, value: float, low: float, high: float, *, closed_low: bool
) -> float:
    """A finite float in ``[low, high)`` (or ``(low, high)``), else ValueError
    naming it."""
    number = float(value)
    ok = (
        math.isfinite(number)
        and (number >= low if closed_low else number > low)
        and number < high
    )
    if not ok:
        bracket = "[" if closed_low else "("
        raise ValueError(
            f"{name} must lie in {bracket}{low}, {high}), got {value!r}"
        )
    return number


class Optimizer:
    """Base class: validation, per-parameter state, and the loop over
    parameters.

    Subclasses implement ``_update`` for one array.
    """

    def __init__(self, lr: float) -> None:
        self.lr = _rate("lr", lr, 0.0, math.inf, closed_low=False)
        self._state: dict[tuple[int, str], dict] = {}
        self._owners: dict[
            int, dict
        ] = {}  # keeps each params dict alive, so its id stays unique

    def step(
        self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]
    ) -> None:
        """Update every array in ``params`` in place with the gradient of the
        same name.

        Raises ``ValueError`` naming the parameter if its gradient is missing,
        has another shape, is not numeric, or holds NaN or inf (then no
        parameter is changed).
        """
        if not isinstance(params, dict) or not isinstance(grads, dict):
            raise ValueError(
                "params and grads must be dicts name -> array, got "
                f"{type(params).__name__} and {type(grads).__name__}"
            )
        checked = {}
        for name, param in params.items():
            if name not in grads:
                raise ValueError(
                    f"grads has no entry for parameter {name!r}; expected "
                    f"keys {sorted(params)}, "
                    f"got {sorted(grads)}"
                )
            grad = _checks.real_array(
                grads[name], f"gradient of parameter {name!r}", param.dtype
            )
            if grad.shape != param.shape:
                raise ValueError(
                    f"gradient of parameter {name!r} must have shape "
                    f"{param.shape}, got {grad.shape}"
                )
            _checks.require_finite(grad, f"gradient of parameter {name!r}")
            checked[name] = grad
        self._owners[id(params)] = params
        for name, param in params.items():
            key = (id(params), name)
            if key not in self._state:
                self._state[key] = self._new_state(param)
            self._update(param, checked[name], self._state[key])

    def _new_state(self, param: np.ndarray) -> dict:
        return {"t": 0}

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict
    ) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with optional (heavy-ball) momentum.

    ``v = momentum * v - lr * g``; ``theta += v``. ``momentum=0`` is plain
    ``theta -= lr * g``.
    """

    def __init__(self, lr: float = 0.01, momentum: float = 0.0) -> None:
        super().__init__(lr)
        self.momentum = _rate("momentum", momentum, 0.0, 1.0, closed_low=True)

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr}, momentum={self.momentum})"

    def _new_state(self, param: np.ndarray) -> dict:
        return {"t": 0, "v": np.zeros_like(param)}

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict
    ) -> None:
        state["t"] += 1
        if self.momentum == 0.0:
            param -= self.lr * grad
            return
        velocity = state["v"]
        velocity *= self.momentum
        velocity -= self.lr * grad
        param += velocity


class RMSprop(Optimizer):
    """RMSprop: ``s = rho s + (1 - rho) g^2``; ``theta -= lr g / (sqrt(s) +
    eps)`` (see module doc)."""

    def __init__(
        self, lr: float = 1e-3, rho: float = 0.9, eps: float = 1e-8
    ) -> None:
        super().__init__(lr)
        self.rho = _rate("rho", rho, 0.0, 1.0, closed_low=True)
        self.eps = _rate("eps", eps, 0.0, math.inf, closed_low=False)

    def __repr__(self) -> str:
        return f"RMSprop(lr={self.lr}, rho={self.rho}, eps={self.eps})"

    def _new_state(self, param: np.ndarray) -> dict:
        return {"t": 0, "s": np.zeros_like(param)}

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict
    ) -> None:
        state["t"] += 1
        mean_square = state["s"]
        mean_square *= self.rho
        mean_square += (1.0 - self.rho) * np.square(grad)
        param -= self.lr * grad / (np.sqrt(mean_square) + self.eps)


class Adam(Optimizer):
    """Adam, Algorithm 1 of Kingma & Ba (2015) with bias-corrected moments (see
    module doc).

    Args:
        lr, beta1, beta2: the step size and the decay rates of the two moments.
        eps: the constant added to the root of the second moment.
        epsilon_hat: where ``eps`` goes. False (default, Algorithm 1, PyTorch):
            ``theta -= lr * m_hat / (sqrt(v_hat) + eps)``. True (the "epsilon
            hat" form of the paper's Section 2, used by Keras and TensorFlow):
            ``theta -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) +
            eps)``, the same as Algorithm 1 with ``eps / sqrt(1 - beta2^t)`` in
            place of ``eps`` (31.6 times ``eps`` at ``t = 1`` for ``beta2 =
            0.999``, tending to ``eps``).
    """

    def __init__(
        self,
        lr: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        epsilon_hat: bool = False,
    ) -> None:
        super().__init__(lr)
        self.beta1 = _rate("beta1", beta1, 0.0, 1.0, closed_low=True)
        self.beta2 = _rate("beta2", beta2, 0.0, 1.0, closed_low=True)
        self.eps = _rate("eps", eps, 0.0, math.inf, closed_low=False)
        if not isinstance(epsilon_hat, (bool, np.bool_)):
            raise ValueError(
                f"epsilon_hat must be True or False, got {epsilon_hat!r} "
                f"({type(epsilon_hat).__name__})"
            )
        self.epsilon_hat = bool(epsilon_hat)

    def __repr__(self) -> str:
        hat = ", epsilon_hat=True" if self.epsilon_hat else ""
        return (
            f"Adam(lr={self.lr}, beta1={self.beta1}, beta2={self.beta2}, "
            f"eps={self.eps}{hat})"
        )

    def _new_state(self, param: np.ndarray) -> dict:
        return {"t": 0, "m": np.zeros_like(param), "v": np.zeros_like(param)}

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict
    ) -> None:
        state["t"] += 1
        t, m, v = state["t"], state["m"], state["v"]
        m *= self.beta1
        m += (1.0 - self.beta1) * grad
        v *= self.beta2
        v += (1.0 - self.beta2) * np.square(grad)
        if self.epsilon_hat:
            step_size = (
                self.lr
                * math.sqrt(1.0 - self.beta2**t)
                / (1.0 - self.beta1**t)
            )
            param -= step_size * m / (np.sqrt(v) + self.eps)
            return
        m_hat = m / (1.0 - self.beta1**t)
        v_hat = v / (1.0 - self.beta2**t)
        param -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
