"""Serves core_concepts/01 and algorithm/04: the model whose gates they
read.

- :func:`fit_adding_problem`: train a one-layer from-scratch model on the
  adding problem;
- :func:`with_switch_gates`: a copy of a trained LSTM whose chosen gates are
  switches, 0 or 1 (the source article's "binary gates"): each such gate's
  weights, bias and peephole are multiplied by a large factor, so its sigmoid
  becomes a step, :math:`\\sigma(K a) \\to [a > 0]` as :math:`K \\to \\infty`.
  The layer itself is unchanged code: the gates are altered through the weights
  alone.
"""

from __future__ import annotations

import numpy as np

from lstmbook.data import adding_problem
from lstmbook.keras_side.registry import cell_kind
from lstmbook.scratch import LSTM, Adam, Dense, Sequential
from lstmbook.scratch.threads import one_blas_thread

GATE_BLOCKS = {"i": 0, "f": 1, "g": 2, "o": 3}
"""Where each gate's columns sit in ``W``, ``U`` and ``b`` (Keras's order i, f,
c, o)."""


def with_switch_gates(layer: LSTM, gates: str, steepness: float = 1e6) -> LSTM:
    """A float64 copy of ``layer`` whose ``gates`` (any of ``"i"``, ``"f"``,
    ``"o"``) are 0/1 switches.

    The gate's pre-activation ``a`` is multiplied by ``steepness`` (its columns
    of ``W``, ``U`` and ``b``, and its peephole), so ``sigmoid(steepness * a)``
    is 0 or 1 except within ``1/steepness`` of ``a = 0``: rounding the gate,
    done through the weights. Run the copy under
    ``numpy.errstate(over="ignore")``: ``exp`` of a large argument overflows to
    ``inf`` on the way to an exact 0.

    Args:
        layer: a trained :class:`~lstmbook.scratch.LSTM` (with or without
            peepholes).
        gates: the gates to turn into switches, e.g. ``"f"`` or ``"ifo"``.
        steepness: the factor ``K``.

    Returns:
        A new LSTM (float64) with the altered weights; ``layer`` is not
        changed.
    """
    if not isinstance(layer, LSTM):
        raise ValueError(
            "layer must be a lstmbook.scratch LSTM, got "
            f"{type(layer).__name__}"
        )
    unknown = sorted(set(gates) - {"i", "f", "o"})
    if unknown or not gates:
        raise ValueError(
            f"gates must be letters among 'i', 'f', 'o', got {gates!r}"
        )
    switched = LSTM(
        layer.input_size,
        layer.hidden_size,
        peepholes="p_i" in layer.params,
        output_peephole=layer.output_peephole,
        dtype=np.float64,
    )
    H = layer.hidden_size
    for name, value in layer.params.items():
        switched.params[name][...] = value
    for gate in gates:
        block = slice(GATE_BLOCKS[gate] * H, (GATE_BLOCKS[gate] + 1) * H)
        for name in ("W", "U", "b"):
            switched.params[name][..., block] *= steepness
        if f"p_{gate}" in switched.params:
            switched.params[f"p_{gate}"] *= steepness
    return switched


def fit_adding_problem(
    kind: str = "lstm",
    hidden: int = 8,
    T: int = 40,
    *,
    n_train: int = 4000,
    n_val: int = 1000,
    epochs: int = 6,
    learning_rate: float = 0.01,
    batch_size: int = 32,
    clip_norm: float | None = 1.0,
    seed: int = 0,
) -> tuple[Sequential, dict[str, list[float]], tuple[np.ndarray, np.ndarray]]:
    """Train a one-layer scratch model on :func:`lstmbook.data.adding_problem`.

    A recurrent layer of ``hidden`` units reads the two channels (value,
    marker); a :class:`~lstmbook.scratch.Dense` head reads its last hidden
    state and predicts the sum of the two marked values, trained with the mean
    squared error, Adam and gradient clipping. Predicting the constant 1 scores
    ``1/6`` (``lstmbook.data.ADDING_PROBLEM_BASELINE_MSE``).

    Args:
        kind: a name in :data:`lstmbook.keras_side.registry.KINDS` (``"lstm"``,
            ``"gru"``, ``"rnn"``, ...).
        hidden: units of the recurrent layer.
        T: sequence length.
        n_train, n_val: training and validation sequences (drawn with seeds
            ``seed`` and ``seed + 1000``).
        epochs, learning_rate, batch_size, clip_norm: the training schedule
            (Adam).
        seed: seeds the data, the weights (``seed``, head ``seed + 1``) and the
            shuffling.

    Returns:
        ``(model, history, (x_val, y_val))``: the trained
        :class:`~lstmbook.scratch.Sequential`, its history (``"loss"``,
        ``"val_loss"`` per epoch, ``"grad_norm"`` per step) and the validation
        data, ``x_val: (n_val, T, 2)``, ``y_val: (n_val, 1)``.
    """
    layer = cell_kind(kind).numpy_layer(2, hidden, seed=seed)
    x, y = adding_problem(n_train, T, seed=seed)
    validation = adding_problem(n_val, T, seed=seed + 1000)
    model = Sequential(
        [layer],
        head=Dense(hidden, 1, seed=seed + 1),
        loss="mse",
        optimizer=Adam(learning_rate),
        clip_norm=clip_norm,
    )
    with one_blas_thread():
        history = model.fit(
            x,
            y,
            epochs=epochs,
            batch_size=batch_size,
            validation_data=validation,
            seed=seed,
            verbose=0,
        )
    return model, history, validation
