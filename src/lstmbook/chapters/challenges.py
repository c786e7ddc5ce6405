"""Serves trends/04, trends/06 and trends/07: long lags, hard training, small
and noisy data.

Training runs for the chapters on the challenges of LSTMs: long lags, hard
training.

The experiments of Part 5 ("Challenges") all train a small from-scratch
recurrent regressor (:mod:`lstmbook.scratch`) on freshly drawn batches of a
synthetic task and watch a held-out loss: how low it gets within a fixed budget
of updates (the sweep over the adding problem's length), after how many updates
it first falls below a target (steps-to-solve), and how the gradient norm
behaves on the way (exploding gradients). The loop lives here once:

- the models are :func:`lstmbook.keras_side.models.build_scratch_regressor`:
  one recurrent layer and a linear head, with an optional forget-gate bias for
  the LSTM;
- :func:`train_on_stream`: train on a stream of fresh batches, evaluate every
  few steps, stop (optionally) when a target is reached, record the gradient
  norm of every step;
- :func:`input_sensitivity`: how strongly the last hidden state depends on the
  input of each earlier step (the gradient that training would send back to
  it);
- :func:`marker_gradients`: what a trained adding-problem model actually reads:
  the derivative of its prediction with respect to each of the two marked
  values (1 and 1 for a perfect solution);
- :func:`adding_length_sweep`: the adding problem at several lengths, for
  several kinds of layer and seeds, one row per run;
- :class:`HoldoutMetrics`: a Keras callback that scores held-out sets after
  every epoch with one compiled prediction, far cheaper than
  ``fit(validation_data=...)`` for small data, and hands the result to the
  callbacks after it (``keras.callbacks.EarlyStopping``) as ``val_loss``;
- :func:`flip_labels`: label noise for the "small noisy data" experiments.

Every run is a function of its seeds (``numpy.random.default_rng``), so it is
repeatable bit for bit on the same machine. The NumPy layers spend most of
their time in Python overhead per time step at these sizes, where two BLAS
threads only get in each other's way, so the loop runs with one BLAS thread
(``lstmbook.scratch.threads.one_blas_thread``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import keras
import numpy as np
import pandas as pd

from lstmbook._checks import positive_int as _positive_int
from lstmbook.data import adding_problem
from lstmbook.keras_side.models import build_scratch_regressor
from lstmbook.keras_side.registry import cell_kind
from lstmbook.scratch import Sequential
from lstmbook.scratch.threads import one_blas_thread


def input_sensitivity(layer, x: np.ndarray) -> np.ndarray:
    """Size of the gradient that reaches each input step from the last
    hidden state.

    Runs ``layer`` (a from-scratch :class:`~lstmbook.scratch.LSTM`,
    ``GRU`` or ``SimpleRNN``) forward over ``x`` and back-propagates the
    gradient of ``s = mean(h_T)`` (the mean over the units, summed over
    the batch) to the inputs. Entry ``t`` is the mean over the batch of the
    norm ``||ds / dx_t||``: how much a change of the input at step ``t``
    can still move the final state, i.e. the signal that would teach the
    network to use step ``t`` when the loss is read at the end. The lag of
    step ``t`` is ``T - 1 - t``. (For the Jacobian of ``h_T`` with respect
    to the recurrent *state* at every lag, see
    :func:`lstmbook.scratch.probes.hidden_state_jacobian_norms`.)

    Args:
        layer: the recurrent layer, used as it is (its weights are not
            changed).
        x: ``(batch, time, input_size)``.

    Returns:
        ``(time,)`` float64.
    """
    hs, cache = layer.forward(x)
    dhs = np.zeros(hs.shape, dtype=hs.dtype)
    dhs[:, -1] = 1.0 / hs.shape[-1]
    dx, _ = layer.backward(dhs, cache, input_grad=True)
    return np.linalg.norm(dx.astype(np.float64), axis=-1).mean(axis=0)


def marker_gradients(
    model: Sequential, x: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Derivatives of a one-layer adding-problem model's prediction w.r.t. the
    two marked values.

    The adding problem's target is ``v_a + v_b``, the sum of the values at the
    two marked steps ``a < b``; a model that has solved it predicts ``y ~ v_a +
    v_b``, so ``dy/dv_a = dy/dv_b = 1``. A model that has not learned to carry
    the first value to the end has ``dy/dv_a`` near 0.

    Args:
        model: a :class:`~lstmbook.scratch.Sequential` with one recurrent layer
            and a Dense head with one output (e.g.
            from :func:`build_scratch_regressor`).
        x: ``(batch, time, 2)`` adding-problem inputs (channel 0 values,
            channel 1 markers with exactly two 1s per sequence).

    Returns:
        ``(d_first, d_second)``, each ``(batch,)`` float64.
    """
    if len(model.recurrent) != 1 or model.head.params["W"].shape[1] != 1:
        raise ValueError("model must have one recurrent layer and one output")
    x = np.asarray(x, dtype=model.recurrent[0].dtype)
    rows, steps = np.nonzero(x[..., 1])
    if x.ndim != 3 or x.shape[2] != 2 or len(rows) != 2 * len(x):
        raise ValueError(
            "x must be adding-problem inputs (batch, time, 2) with two "
            "markers each"
        )
    layer = model.recurrent[0]
    hs, cache = layer.forward(x)
    dhs = np.zeros(hs.shape, dtype=hs.dtype)
    dhs[:, -1] = model.head.params["W"][:, 0]  # dy/dh_T of the linear head
    dx, _ = layer.backward(dhs, cache, input_grad=True)
    marked = steps.reshape(
        len(x), 2
    )  # np.nonzero lists each row's two steps in order
    batch = np.arange(len(x))
    first = dx[batch, marked[:, 0], 0].astype(np.float64)
    second = dx[batch, marked[:, 1], 0].astype(np.float64)
    return first, second


def adding_validation(
    T: int, n: int = 256, *, seed_base: int = 10_000
) -> tuple[np.ndarray, np.ndarray]:
    """The held-out adding-problem set of length ``T``
    that :func:`adding_length_sweep` scores on (``n`` sequences drawn with seed
    ``seed_base + T``, by default ``10_000 + T``)."""
    return adding_problem(n, T, seed=int(seed_base) + _positive_int("T", T))


@dataclass
class StreamRun:
    """What :func:`train_on_stream` returns.

    Attributes:
        eval_steps: the update counts at which the held-out loss was measured
            (0 = before training).
        val_loss: the held-out loss at each of ``eval_steps``.
        loss: the training loss of every update (on its own fresh batch).
        grad_norm: the global gradient norm of every update, before clipping.
        steps_to_solve: the first entry of ``eval_steps`` whose ``val_loss`` is
            below ``target``, or None (not reached, or no target).
        diverged: the loss became NaN or infinite and training stopped there.
    """

    eval_steps: list[int] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    steps_to_solve: int | None = None
    diverged: bool = False

    @property
    def final_val_loss(self) -> float:
        """The last held-out loss measured (NaN if the run diverged before
        any)."""
        return self.val_loss[-1] if self.val_loss else math.nan


def train_on_stream(
    model: Sequential,
    sample: Callable[
        [int, np.random.Generator], tuple[np.ndarray, np.ndarray]
    ],
    validation: tuple[np.ndarray, np.ndarray],
    *,
    steps: int,
    batch_size: int = 32,
    eval_every: int = 25,
    seed: int = 0,
    target: float | None = None,
    stop_at_target: bool = False,
) -> StreamRun:
    """Train on fresh batches ``sample(batch_size, rng)``, evaluating every
    ``eval_every`` updates.

    Args:
        model: a from-scratch model (e.g.
            from :func:`build_scratch_regressor`); trained in place.
        sample: draws one batch ``(x, y)`` from a generator, e.g.
            ``lambda n, rng: adding_problem(n, 100, seed=rng)``.
        validation: ``(x_val, y_val)``, the held-out data.
        steps: the budget of updates.
        batch_size: sequences per update.
        eval_every: updates between two evaluations on ``validation``
            (and one before training, and one after the last update).
        seed: seed of the generator that draws the batches.
        target: a held-out loss; the first evaluation below it sets
            ``steps_to_solve``.
        stop_at_target: stop training at that evaluation (saves time when
            only the steps-to-solve or "solved or not" matter).

    Returns:
        A :class:`StreamRun`. A loss that turns NaN or infinite stops the
        run (``diverged``).
    """
    steps = _positive_int("steps", steps)
    batch_size = _positive_int("batch_size", batch_size)
    eval_every = _positive_int("eval_every", eval_every)
    if stop_at_target and target is None:
        raise ValueError("stop_at_target needs a target")
    x_val, y_val = validation
    rng = np.random.default_rng(seed)
    run = StreamRun()

    def evaluate(step: int) -> bool:
        value = float(model.evaluate(x_val, y_val))
        run.eval_steps.append(step)
        run.val_loss.append(value)
        if (
            target is not None
            and run.steps_to_solve is None
            and value < target
        ):
            run.steps_to_solve = step
            return stop_at_target
        return False

    with one_blas_thread(), np.errstate(over="ignore", invalid="ignore"):
        if evaluate(0):
            return run
        for step in range(1, steps + 1):
            x, y = sample(batch_size, rng)
            try:
                loss, norm = model.train_step(x, y)
            except ValueError:  # clipping refuses a non-finite gradient
                run.diverged = True
                break
            run.loss.append(float(loss))
            run.grad_norm.append(float(norm))
            if not (math.isfinite(loss) and math.isfinite(norm)):
                run.diverged = True
                break
            if (step % eval_every == 0 or step == steps) and evaluate(step):
                break
    return run


def adding_length_sweep(
    kinds: Iterable[str],
    lengths: Iterable[int],
    seeds: Iterable[int] = (0, 1, 2),
    *,
    units: int = 16,
    steps: int = 500,
    batch_size: int = 32,
    learning_rate: float = 1e-2,
    n_val: int = 256,
    eval_every: int = 50,
    solved_below: float | None = None,
    return_models: bool = False,
    validation_seed_base: int = 10_000,
) -> (
    pd.DataFrame | tuple[pd.DataFrame, dict[tuple[str, int, int], Sequential]]
):
    """Train each kind of layer on the adding problem at each length, once per
    seed.

    Every run gets the same budget (``steps`` updates of ``batch_size`` fresh
    sequences, Adam) and is scored on a held-out set of ``n_val`` sequences
    drawn with seed ``10_000 + T``.

    Args:
        kinds: names from :data:`lstmbook.keras_side.registry.KINDS`.
        lengths: the sequence lengths ``T`` (each >= 2).
        seeds: one run per seed (weights from ``seed``, batches from ``seed``).
        units, steps, batch_size, learning_rate: of every run.
        n_val: held-out sequences per length.
        eval_every: updates between evaluations.
        solved_below: if given, a run stops as soon as its held-out MSE falls
            below this value (it has solved the task; training on would only
            cost time). Its ``val_mse`` is then that first value below the
            threshold, not the MSE at the end of the budget.
        return_models: also return the trained models.
        validation_seed_base: the held-out set of length ``T`` is drawn with
            seed ``validation_seed_base + T`` (:func:`adding_validation`).

    Returns:
        A DataFrame with one row per run and the columns ``kind``, ``T``,
        ``seed``, ``val_mse`` (the last held-out MSE), ``steps_to_solve`` (NaN
        when ``solved_below`` is None or was not reached) and ``steps`` (the
        updates actually made); with ``return_models``, also a dict ``(kind, T,
        seed) -> model``.
    """
    kinds, lengths, seeds = (
        list(kinds),
        [int(t) for t in lengths],
        [int(s) for s in seeds],
    )
    for kind in kinds:
        cell_kind(
            kind
        )  # a clear error for an unknown kind, before any training
    if not (kinds and lengths and seeds):
        raise ValueError(
            "kinds, lengths and seeds must each hold at least one value"
        )
    rows, models = [], {}
    for T in lengths:
        validation = adding_validation(
            T, n_val, seed_base=validation_seed_base
        )

        def sample(n: int, rng: np.random.Generator, T: int = T):
            return adding_problem(n, T, seed=rng)

        for kind in kinds:
            for seed in seeds:
                model = build_scratch_regressor(
                    kind,
                    units,
                    n_features=2,
                    seed=seed,
                    learning_rate=learning_rate,
                )
                run = train_on_stream(
                    model,
                    sample,
                    validation,
                    steps=steps,
                    batch_size=batch_size,
                    eval_every=eval_every,
                    seed=seed,
                    target=solved_below,
                    stop_at_target=solved_below is not None,
                )
                rows.append(
                    {
                        "kind": kind,
                        "T": T,
                        "seed": seed,
                        "val_mse": run.final_val_loss,
                        "steps_to_solve": (
                            math.nan
                            if run.steps_to_solve is None
                            else run.steps_to_solve
                        ),
                        "steps": run.eval_steps[-1],
                    }
                )
                if return_models:
                    models[(kind, T, seed)] = model
    table = pd.DataFrame(rows)
    return (table, models) if return_models else table


class HoldoutMetrics(keras.callbacks.Callback):
    """Score held-out sets after every epoch and publish the scores in the
    epoch's logs.

    ``model.fit(..., validation_data=...)`` builds a new data pipeline for
    every evaluation, which for a few hundred samples costs far more than the
    evaluation itself. This callback runs the model's compiled prediction
    (``predict_on_batch``: no dropout) once on all its sets together and writes
    ``logs[f"{name}_loss"]`` (and ``logs[f"{name}_accuracy"]`` for a
    classifier) for each named set, so the callbacks after it in the list, and
    the ``History`` that ``fit`` returns, see them exactly as if Keras had
    computed them. Name a set ``"val"`` and put this callback *before*
    ``keras.callbacks.EarlyStopping`` to stop on it.

    Args:
        sets: name -> ``(x, y)`` with ``x: (N, time, features)`` and ``y``
            either ``(N,)`` integer labels (classifier with logits: the mean
            sparse categorical cross-entropy and the accuracy) or ``(N,
            outputs)`` targets (regressor: the mean squared error). All sets
            must have the same ``time`` and ``features``.
    """

    def __init__(self, sets: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
        super().__init__()
        if not sets:
            raise ValueError("sets must name at least one (x, y) pair")
        self.names = list(sets)
        xs, self.targets = [], []
        for name, (x, y) in sets.items():
            x, y = np.asarray(x, dtype=np.float32), np.asarray(y)
            if len(x) != len(y):
                raise ValueError(
                    f"x and y of set {name!r} must have the same length, got "
                    f"{len(x)} and {len(y)}"
                )
            xs.append(x)
            self.targets.append(y)
        self.x = np.concatenate(xs)
        self.bounds = np.cumsum([0] + [len(y) for y in self.targets])

    @staticmethod
    def _score(out: np.ndarray, y: np.ndarray) -> dict[str, float]:
        if not (y.ndim == 1 and np.issubdtype(y.dtype, np.integer)):
            return {"loss": float(np.mean((out - y) ** 2))}
        top = out.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(out - top).sum(axis=1)) + top[:, 0]
        loss = float(np.mean(log_norm - out[np.arange(len(y)), y]))
        return {
            "loss": loss,
            "accuracy": float(np.mean(out.argmax(axis=1) == y)),
        }

    def scores(self) -> dict[str, float]:
        """The loss (and accuracy) of the model as it is now on every set,
        keyed ``name_loss``."""
        out = np.asarray(self.model.predict_on_batch(self.x), dtype=np.float64)
        logs = {}
        for k, (name, y) in enumerate(
            zip(self.names, self.targets, strict=True)
        ):
            part = out[self.bounds[k] : self.bounds[k + 1]]
            logs.update(
                {f"{name}_{key}": v for key, v in self._score(part, y).items()}
            )
        return logs

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            logs.update(self.scores())


def flip_labels(
    y: np.ndarray, fraction: float, n_classes: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Replace a fraction of the labels by a *different* class drawn uniformly.

    Args:
        y: ``(N,)`` integer labels in ``[0, n_classes)``.
        fraction: share of labels to corrupt, in [0, 1]; exactly
            ``round(fraction * N)`` are.
        n_classes: number of classes (>= 2).
        seed: for ``numpy.random.default_rng``.

    Returns:
        The pair ``(noisy, flipped)`` of the new labels (a copy) and the
        boolean mask of the corrupted ones.
    """
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(
            f"y must be 1-D integer labels, got shape {y.shape} dtype "
            f"{y.dtype}"
        )
    n_classes = _positive_int("n_classes", n_classes)
    if n_classes < 2 or y.min(initial=0) < 0 or y.max(initial=0) >= n_classes:
        raise ValueError(
            f"labels must lie in [0, {n_classes}) with n_classes >= 2"
        )
    if not 0.0 <= float(fraction) <= 1.0:
        raise ValueError(f"fraction must lie in [0, 1], got {fraction!r}")
    rng = np.random.default_rng(seed)
    count = int(round(float(fraction) * len(y)))
    flipped = np.zeros(len(y), dtype=bool)
    flipped[rng.choice(len(y), size=count, replace=False)] = True
    noisy = y.copy()
    # a shift by 1 .. n_classes - 1 always lands on another class
    noisy[flipped] = (
        y[flipped] + rng.integers(1, n_classes, size=count)
    ) % n_classes
    return noisy, flipped
