"""Serves trends/01, 02, 03, 05, 07 and faq/02, 03: one seeded run, many seeds,
one table.

The chapters compare recurrent layers head to head. Each comparison is the same
three steps, so they live here once (the models come
from :mod:`lstmbook.keras_side.models`):

- :class:`SeededTrainer`: one architecture under many seeds (a Keras model is
  traced once); each :meth:`~SeededTrainer.run` seeds everything with
  ``keras.utils.set_random_seed``, builds, fits silently and evaluates on
  held-out data, and returns the final metrics, the history, the parameter
  count and the time per epoch;
- :func:`run_over_seeds`, :func:`summarize_runs`, :func:`compare_over_seeds`:
  the same for several models and seeds, summarised as a ``pandas.DataFrame``
  with the mean and the sample standard deviation of each metric per
  model; :func:`mean_std_table` prints it as ``"mean ± std"`` text.

Repeatability: a run is a function of its seed. Scratch models are repeatable
bit for bit anywhere NumPy gives the same results; Keras models provided
TensorFlow's op determinism is on (:func:`lstmbook.notebook.setup_notebook`
turns it on), on the same machine and library versions.

Which side to use: at the sizes of the book's chapters (``H`` of 8 to 32, a few
dozen steps) a training step from scratch, with one BLAS thread, is no slower
than in Keras, and a Keras model pays seconds of graph tracing before its first
step. Many short runs are cheaper from scratch; Keras layers are needed for
everything the scratch package lacks (convolutions, cuDNN, saving).

Example::

    data = (x_train, y_train, x_test, y_test)
    build = functools.partial(build_scratch_regressor, n_features=2)
    builders = {
        kind: functools.partial(build, kind, 16)
        for kind in ("lstm", "gru", "rnn")
    }
    table = compare_over_seeds(builders, data, seeds=(0, 1, 2), epochs=5)
    table[["params", "loss_mean", "loss_std"]]
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import keras
import numpy as np
import pandas as pd

from lstmbook import scratch
from lstmbook._checks import positive_int as _positive_int
from lstmbook.keras_side.callbacks import EpochTimer
from lstmbook.scratch.threads import one_blas_thread


@dataclass
class RunResult:
    """What :meth:`SeededTrainer.run` returns.

    Attributes:
        metrics: the final metrics on the test data (``model.evaluate(...,
            return_dict=True)``, e.g. ``{"loss": ..., "accuracy": ...}``), as
            Python floats.
        history: ``model.fit(...).history``: per-epoch lists (``"loss"``,
            metrics, and ``"val_*"`` when validated), as Python floats.
        n_params: trainable parameters of the model.
        epoch_seconds: wall-clock seconds of each epoch's training (the first
            epoch of a model's first run includes tracing).
        model: the trained model (:class:`SeededTrainer` reuses it for its next
            run).
    """

    metrics: dict[str, float]
    history: dict[str, list[float]]
    n_params: int
    epoch_seconds: list[float] = field(default_factory=list)
    model: keras.Model | scratch.Sequential | None = None

    @property
    def seconds_per_epoch(self) -> float:
        """Median seconds per epoch, leaving out the first epoch (tracing) when
        there are more."""
        times = (
            self.epoch_seconds[1:]
            if len(self.epoch_seconds) > 1
            else self.epoch_seconds
        )
        return float(np.median(times)) if times else float("nan")


def _check_data(data: Sequence) -> tuple:
    if not isinstance(data, Sequence) or len(data) != 4:
        raise ValueError(
            "data must be a 4-tuple (x_train, y_train, x_test, y_test), got "
            f"{type(data).__name__}"
            + (f" of length {len(data)}" if hasattr(data, "__len__") else "")
        )
    x_train, y_train, x_test, y_test = data
    for name, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        if len(x) != len(y):
            raise ValueError(
                f"x_{name} and y_{name} must have the same length, got "
                f"{len(x)} and {len(y)}"
            )
    return x_train, y_train, x_test, y_test


def _accepts_seed(build: Callable) -> bool:
    try:
        return "seed" in inspect.signature(build).parameters
    except (
        TypeError,
        ValueError,
    ):  # pragma: no cover - builtins without a signature
        return False


class SeededTrainer:
    """Train one model architecture under many seeds; a Keras model is traced
    only once.

    ``build`` returns either a *compiled* Keras model or
    a :mod:`lstmbook.scratch` ``Sequential``. Each :meth:`run` first calls
    ``keras.utils.set_random_seed(seed)`` (which also seeds NumPy's global and
    Python's generators), then ``build(seed=seed)`` if ``build`` takes a
    ``seed`` argument (as :func:`build_scratch_regressor` does) and ``build()``
    otherwise.

    Keras models: building and tracing costs seconds, far more than training a
    small model for a few epochs. The first run builds the model and ``fit``
    traces it; every later run builds a fresh model under its own seed only to
    take its initial weights, copies them into the already traced model and
    restores the optimizer's state (moments, step counter, learning rate) to
    what it was before any training. Each run therefore starts from exactly the
    weights and optimizer state of a fresh model built under its seed, and
    draws the same batch order.

    Scratch models are cheap to build, so every run builds a fresh one; ``fit``
    shuffles with ``numpy.random.default_rng(seed)`` and runs with one BLAS
    thread (:func:`one_blas_thread`).

    Args:
        build: a function returning the model (e.g. ``functools.partial(
            build_recurrent_classifier, "gru", 16, n_features=8,
            n_classes=4)``).
    """

    def __init__(
        self, build: Callable[..., keras.Model | scratch.Sequential]
    ) -> None:
        if not callable(build):
            raise ValueError(
                f"build must be a function returning a model, got {build!r}"
            )
        self.build = build
        self.model: keras.Model | scratch.Sequential | None = None
        self._optimizer_start: list[np.ndarray] = []
        self._pass_seed = _accepts_seed(build)

    def _built(self, seed: int) -> keras.Model | scratch.Sequential:
        model = self.build(seed=seed) if self._pass_seed else self.build()
        if isinstance(model, scratch.Sequential):
            return model
        if not isinstance(model, keras.Model):
            raise ValueError(
                "build() must return a keras.Model or a "
                "lstmbook.scratch.Sequential, got "
                f"{type(model).__name__}"
            )
        if not getattr(model, "compiled", False):
            raise ValueError(
                "build() must return a compiled model (call model.compile "
                "first)"
            )
        return model

    def _start(self, seed: int) -> keras.Model | scratch.Sequential:
        """Seed the global RNGs and return the model, holding the initial
        weights for ``seed``."""
        keras.utils.set_random_seed(seed)
        fresh = self._built(seed)
        if isinstance(fresh, scratch.Sequential) or self.model is None:
            if isinstance(fresh, keras.Model):
                fresh.optimizer.build(fresh.trainable_variables)
                self._optimizer_start = [
                    np.array(v.numpy()) for v in fresh.optimizer.variables
                ]
            self.model = fresh
        else:
            self.model.set_weights(fresh.get_weights())
            for variable, value in zip(
                self.model.optimizer.variables,
                self._optimizer_start,
                strict=True,
            ):
                variable.assign(value)
        return self.model

    def run(
        self,
        data: Sequence,
        *,
        seed: int = 0,
        epochs: int = 10,
        batch_size: int = 32,
        validate: bool = False,
        callbacks: Iterable[keras.callbacks.Callback] = (),
    ) -> RunResult:
        """Seed, (re)initialise, fit silently and evaluate one model (Keras or
        from scratch).

        ``keras.utils.set_random_seed(seed)`` runs first, so the initial
        weights and the shuffling of the batches are functions of ``seed``
        (bit-for-bit repeatable; for Keras with TensorFlow's op determinism on,
        as :func:`lstmbook.notebook.setup_notebook` sets it).

        Args:
            data: ``(x_train, y_train, x_test, y_test)``, inputs ``(N, time,
                features)``.
            seed: the seed of the run.
            epochs, batch_size: as in ``model.fit`` (a batch size that divides
                ``N`` avoids a second trace for the smaller last batch).
            validate: evaluate the test data after every epoch too (adds
                ``"val_*"`` curves to the history, at the cost of one pass over
                it per epoch).
            callbacks: extra Keras callbacks (e.g.
                ``keras.callbacks.EarlyStopping``); Keras only.

        Returns:
            A :class:`RunResult`, with the trained model. For a scratch model
            the metrics are ``"loss"`` (and ``"accuracy"`` for a classifier),
            the history is what :meth:`lstmbook.scratch.Sequential.fit` returns
            (``"loss"``, ``"grad_norm"`` per step, ``"val_loss"``), and each
            epoch's time is the mean over the epochs.
        """
        x_train, y_train, x_test, y_test = _check_data(data)
        epochs = _positive_int("epochs", epochs)
        batch_size = _positive_int("batch_size", batch_size)
        callbacks = list(callbacks)
        model = self._start(int(seed))
        if isinstance(model, scratch.Sequential):
            if callbacks:
                raise ValueError(
                    "callbacks apply to Keras models only, not to scratch "
                    "models"
                )
            return _run_scratch(
                model, data, int(seed), epochs, batch_size, validate
            )
        timer = EpochTimer()
        fit = model.fit(
            x_train,
            y_train,
            epochs=epochs,
            batch_size=batch_size,
            validation_data=(x_test, y_test) if validate else None,
            callbacks=[timer, *callbacks],
            shuffle=True,
            verbose=0,
        )
        metrics = model.evaluate(
            x_test,
            y_test,
            batch_size=max(batch_size, 256),
            verbose=0,
            return_dict=True,
        )
        return RunResult(
            metrics={k: float(v) for k, v in metrics.items()},
            history={
                k: [float(v) for v in vs] for k, vs in fit.history.items()
            },
            n_params=int(model.count_params()),
            epoch_seconds=timer.seconds,
            model=model,
        )


def _run_scratch(
    model: scratch.Sequential,
    data: Sequence,
    seed: int,
    epochs: int,
    batch_size: int,
    validate: bool,
) -> RunResult:
    x_train, y_train, x_test, y_test = data
    with one_blas_thread():
        start = time.perf_counter()
        history = model.fit(
            x_train,
            y_train,
            epochs=epochs,
            batch_size=batch_size,
            validation_data=(x_test, y_test) if validate else None,
            seed=seed,
            verbose=0,
        )
        seconds = time.perf_counter() - start
        metrics = {"loss": float(model.evaluate(x_test, y_test))}
        if model.loss_name == "sparse_categorical_crossentropy":
            predicted = model.predict(x_test).argmax(axis=-1)
            metrics["accuracy"] = float(
                np.mean(predicted == np.asarray(y_test))
            )
    return RunResult(
        metrics=metrics,
        history={k: [float(v) for v in vs] for k, vs in history.items()},
        n_params=int(model.n_params),
        epoch_seconds=[seconds / epochs] * epochs,
        model=model,
    )


def run_over_seeds(
    builders: Mapping[str, Callable[..., keras.Model | scratch.Sequential]],
    data: Sequence,
    seeds: Iterable[int] = (0, 1, 2),
    *,
    measure: Callable[[keras.Model | scratch.Sequential], Mapping[str, float]]
    | None = None,
    **train_kwargs,
) -> pd.DataFrame:
    """Train every model of ``builders`` once per seed; one row per run.

    Args:
        builders: model name -> a function returning a model
            (see :class:`SeededTrainer`).
        data: ``(x_train, y_train, x_test, y_test)``, the same for every run.
        seeds: the seeds; every model sees the same ones.
        measure: optional function called on each trained model right after its
            run (before the next seed re-initialises it); the items of the dict
            it returns become columns of the run's row (e.g. a score on a
            second held-out set, or a weight norm).
        **train_kwargs: passed to :meth:`SeededTrainer.run` (``epochs``,
            ``batch_size``...).

    Each model is traced once and re-initialised for every seed
    (:class:`SeededTrainer`).

    Returns:
        A DataFrame with columns ``model``, ``seed``, ``params``, one column
        per test metric, the columns of ``measure`` if given,
        ``seconds_per_epoch`` and ``history`` (the per-epoch dict of the run),
        in the order of ``builders`` then ``seeds``.
    """
    if not builders:
        raise ValueError("builders must name at least one model, got none")
    if measure is not None and not callable(measure):
        raise ValueError(
            f"measure must be a function of the trained model, got {measure!r}"
        )
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds must hold at least one seed, got none")
    rows = []
    for name, build in builders.items():
        trainer = SeededTrainer(build)
        for seed in seeds:
            result = trainer.run(data, seed=seed, **train_kwargs)
            measured = (
                {k: float(v) for k, v in measure(result.model).items()}
                if measure
                else {}
            )
            rows.append(
                {
                    "model": name,
                    "seed": seed,
                    "params": result.n_params,
                    **result.metrics,
                    **measured,
                    "seconds_per_epoch": result.seconds_per_epoch,
                    "history": result.history,
                }
            )
    return pd.DataFrame(rows)


def summarize_runs(
    runs: pd.DataFrame, metrics: Sequence[str] | None = None
) -> pd.DataFrame:
    """Mean and sample standard deviation (``ddof=1``) of each metric per
    model.

    Args:
        runs: the output of :func:`run_over_seeds`.
        metrics: the columns to summarise (default: every numeric column but
            ``seed`` and ``params``, ``seconds_per_epoch`` included).

    Returns:
        One row per model (index ``model``, in the order of first appearance)
        with ``params``, ``seeds`` (the number of runs) and ``<metric>_mean``,
        ``<metric>_std`` for each metric. With a single seed the standard
        deviation is NaN.
    """
    if metrics is None:
        skip = {"model", "seed", "params", "history"}
        metrics = [
            c
            for c in runs.columns
            if c not in skip and pd.api.types.is_numeric_dtype(runs[c])
        ]
    missing = [m for m in metrics if m not in runs.columns]
    if missing:
        raise ValueError(
            f"runs has no column(s) {missing}; it has {list(runs.columns)}"
        )
    grouped = runs.groupby("model", sort=False)
    table = pd.DataFrame(
        {"params": grouped["params"].first(), "seeds": grouped["seed"].count()}
    )
    for metric in metrics:
        table[f"{metric}_mean"] = grouped[metric].mean()
        table[f"{metric}_std"] = grouped[metric].std(ddof=1)
    return table


def compare_over_seeds(
    builders: Mapping[str, Callable[..., keras.Model | scratch.Sequential]],
    data: Sequence,
    seeds: Iterable[int] = (0, 1, 2),
    *,
    return_runs: bool = False,
    measure: Callable[[keras.Model | scratch.Sequential], Mapping[str, float]]
    | None = None,
    **train_kwargs,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Train each model over several seeds and summarise: mean and std of each
    metric per model.

    :func:`run_over_seeds` followed by :func:`summarize_runs`.

    Args:
        builders: model name -> a function returning a model
            (see :class:`SeededTrainer`).
        data: ``(x_train, y_train, x_test, y_test)``.
        seeds: the seeds (at least 3 for a meaningful standard deviation).
        return_runs: also return the per-run table (with each run's history).
        measure: see :func:`run_over_seeds`; its columns are summarised like
            the metrics.
        **train_kwargs: passed to :meth:`SeededTrainer.run`.

    Returns:
        The summary DataFrame (index ``model``; columns ``params``, ``seeds``,
        ``<metric>_mean``, ``<metric>_std``), or ``(summary, runs)`` with
        ``return_runs``.
    """
    runs = run_over_seeds(
        builders, data, seeds, measure=measure, **train_kwargs
    )
    summary = summarize_runs(runs)
    return (summary, runs) if return_runs else summary


def mean_std_table(
    summary: pd.DataFrame,
    metrics: Mapping[str, str] | Sequence[str],
    digits: int = 3,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """A summary from :func:`compare_over_seeds` as text, ``"mean ± std"`` per
    metric.

    Args:
        summary: the output of :func:`summarize_runs`
            / :func:`compare_over_seeds`.
        metrics: the metrics to show, or a dict metric -> column title.
        digits: significant digits of the mean (the standard deviation gets
            two).
        labels: optional model name -> row label.

    Returns:
        A DataFrame of strings with the columns ``params`` and one per metric,
        indexed by model (or its label); rounded text prints the same on every
        run.
    """
    titles = (
        dict(metrics)
        if isinstance(metrics, Mapping)
        else {m: m for m in metrics}
    )
    missing = [m for m in titles if f"{m}_mean" not in summary.columns]
    if missing:
        raise ValueError(
            f"summary has no mean for {missing}; it has "
            f"{list(summary.columns)}"
        )
    digits = _positive_int("digits", digits)
    table = pd.DataFrame(index=summary.index)
    table["params"] = summary["params"].astype(int)
    for metric, title in titles.items():
        table[title] = [
            f"{m:.{digits}g} ± {s:.2g}"
            for m, s in zip(
                summary[f"{metric}_mean"],
                summary[f"{metric}_std"],
                strict=True,
            )
        ]
    if labels is not None:
        table.index = [labels.get(name, name) for name in table.index]
    table.index.name = "model"
    return table
