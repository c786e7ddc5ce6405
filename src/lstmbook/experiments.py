"""Small, repeatable experiments: model factories by name, one seeded run, many seeds.

The chapters of Part 5 compare recurrent layers head to head. Each comparison is the same three
steps, so they live here once:

- :func:`recurrent_layer`, :func:`build_recurrent_classifier`,
  :func:`build_recurrent_regressor`: a compiled one-layer Keras model from a name in
  :data:`KINDS` (``"lstm"``, ``"gru"``, ``"rnn"``, ``"peephole-current"``,
  ``"peephole-previous"``; the peephole variants use
  :class:`lstmbook.peephole.PeepholeLSTMCell`); :func:`scratch_recurrent_layer`,
  :func:`build_scratch_classifier`, :func:`build_scratch_regressor`: the same models from
  :mod:`lstmbook.scratch` (NumPy), with the same weight layouts;
- :func:`train_and_evaluate` (one run) and :class:`SeededTrainer` (many seeds; a Keras model
  is traced once): seed everything with ``keras.utils.set_random_seed``, build, fit silently,
  evaluate on held-out data; returns the final metrics, the history, the parameter count and
  the time per epoch;
- :func:`compare_over_seeds`: the same for several models and seeds, summarised as a
  ``pandas.DataFrame`` with the mean and the sample standard deviation of each metric per model;
  :func:`mean_std_table` prints it as ``"mean ± std"`` text.

Repeatability: a run is a function of its seed. Scratch models are repeatable bit for bit
anywhere NumPy gives the same results; Keras models provided TensorFlow's op determinism is on
(:func:`lstmbook.notebook.setup_notebook` turns it on), on the same machine and library
versions.

Which side to use: at the sizes of the book's chapters (``H`` of 8 to 32, a few dozen steps)
a training step from scratch, with one BLAS thread, is no slower than in Keras, and a Keras
model pays seconds of graph tracing before its first step. Many short runs are cheaper from scratch; Keras layers are needed for
everything the scratch package lacks (convolutions, cuDNN, saving).

Example::

    data = (x_train, y_train, x_test, y_test)
    builders = {kind: functools.partial(build_scratch_regressor, kind, 16, n_features=2)
                for kind in ("lstm", "gru", "rnn")}
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

from . import scratch
from ._checks import positive_int as _positive_int
from .peephole import PeepholeLSTMCell
from .scratch.threads import one_blas_thread

KINDS = ("lstm", "gru", "rnn", "peephole-current", "peephole-previous")
"""The recurrent layers the factories know, by name."""

OPTIMIZERS = {
    "adam": keras.optimizers.Adam,
    "rmsprop": keras.optimizers.RMSprop,
    "sgd": keras.optimizers.SGD,
}
"""Optimizer names accepted by the Keras model factories, and the Keras classes they build."""

SCRATCH_OPTIMIZERS = {"adam": scratch.Adam, "rmsprop": scratch.RMSprop, "sgd": scratch.SGD}
"""Optimizer names accepted by the from-scratch factories, and the classes they build."""


def recurrent_layer(
    kind: str, units: int, *, return_sequences: bool = False, name: str | None = None, **kwargs
) -> keras.layers.Layer:
    """One recurrent Keras layer by name.

    Args:
        kind: one of :data:`KINDS`: ``"lstm"`` (``keras.layers.LSTM``), ``"gru"``
            (``keras.layers.GRU``), ``"rnn"`` (``keras.layers.SimpleRNN``, tanh),
            ``"peephole-current"`` / ``"peephole-previous"`` (``keras.layers.RNN`` around a
            :class:`~lstmbook.peephole.PeepholeLSTMCell` whose output gate reads ``c_t`` /
            ``c_{t-1}``).
        units: ``H``, the size of the hidden state.
        return_sequences: return ``(batch, time, H)`` instead of the last step ``(batch, H)``.
        name: the layer's name.
        **kwargs: passed to the Keras layer; for the peephole kinds, to the cell
            (``kernel_initializer``, ``recurrent_initializer``, ``peephole_initializer``).

    Returns:
        An unbuilt layer mapping ``(batch, time, features)`` to ``(batch, H)`` (or
        ``(batch, time, H)``).
    """
    units = _positive_int("units", units)
    if kind == "lstm":
        return keras.layers.LSTM(units, return_sequences=return_sequences, name=name, **kwargs)
    if kind == "gru":
        return keras.layers.GRU(units, return_sequences=return_sequences, name=name, **kwargs)
    if kind == "rnn":
        return keras.layers.SimpleRNN(units, return_sequences=return_sequences, name=name, **kwargs)
    if kind in ("peephole-current", "peephole-previous"):
        cell = PeepholeLSTMCell(units, output_peephole=kind.split("-")[1], **kwargs)
        return keras.layers.RNN(cell, return_sequences=return_sequences, name=name)
    raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


def make_optimizer(
    optimizer: str | keras.optimizers.Optimizer = "adam",
    learning_rate: float = 1e-2,
    clipnorm: float | None = None,
) -> keras.optimizers.Optimizer:
    """A fresh Keras optimizer from a name in :data:`OPTIMIZERS` (or an instance, returned as is).

    ``clipnorm`` clips each gradient tensor to this norm (Keras's per-variable clipping); use
    ``keras.optimizers.Adam(global_clipnorm=...)`` directly for a global norm.
    """
    if isinstance(optimizer, keras.optimizers.Optimizer):
        return optimizer
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}, got {optimizer!r}")
    kwargs = {"learning_rate": float(learning_rate)}
    if clipnorm is not None:
        kwargs["clipnorm"] = float(clipnorm)
    return OPTIMIZERS[optimizer](**kwargs)


def _recurrent_model(
    kind: str,
    units: int,
    n_features: int,
    n_outputs: int,
    steps: int | None,
    return_sequences: bool,
    layer_kwargs: dict,
) -> keras.Model:
    n_features = _positive_int("n_features", n_features)
    if steps is not None:
        steps = _positive_int("steps", steps)
    inputs = keras.Input(shape=(steps, n_features), name="x")
    hidden = recurrent_layer(
        kind, units, return_sequences=return_sequences, name=kind.replace("-", "_"), **layer_kwargs
    )(inputs)
    outputs = keras.layers.Dense(n_outputs, name="head")(hidden)
    return keras.Model(inputs, outputs, name=f"{kind.replace('-', '_')}_{units}")


def build_recurrent_classifier(
    kind: str,
    units: int,
    n_features: int,
    n_classes: int,
    *,
    steps: int | None = None,
    return_sequences: bool = False,
    optimizer: str | keras.optimizers.Optimizer = "adam",
    learning_rate: float = 1e-2,
    clipnorm: float | None = None,
    **layer_kwargs,
) -> keras.Model:
    """A compiled classifier: one recurrent layer (:func:`recurrent_layer`), then Dense logits.

    Args:
        kind: one of :data:`KINDS`.
        units: ``H``.
        n_features: ``X``, the last dimension of the input ``(batch, time, X)``.
        n_classes: number of classes ``K`` (>= 2).
        steps: the sequence length, or None for any length.
        return_sequences: classify every step (labels ``(batch, time)``) instead of the last.
        optimizer, learning_rate, clipnorm: see :func:`make_optimizer`.
        **layer_kwargs: passed to :func:`recurrent_layer`.

    Returns:
        A model ``(batch, time, X) -> (batch, K)`` logits, compiled with
        ``SparseCategoricalCrossentropy(from_logits=True)`` (integer labels) and the metric
        ``"accuracy"``.
    """
    n_classes = _positive_int("n_classes", n_classes)
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2, got {n_classes}")
    model = _recurrent_model(
        kind, units, n_features, n_classes, steps, return_sequences, layer_kwargs
    )
    model.compile(
        optimizer=make_optimizer(optimizer, learning_rate, clipnorm),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def build_recurrent_regressor(
    kind: str,
    units: int,
    n_features: int,
    n_outputs: int = 1,
    *,
    steps: int | None = None,
    return_sequences: bool = False,
    optimizer: str | keras.optimizers.Optimizer = "adam",
    learning_rate: float = 1e-2,
    clipnorm: float | None = None,
    **layer_kwargs,
) -> keras.Model:
    """A compiled regressor: one recurrent layer (:func:`recurrent_layer`), then a linear Dense.

    Args:
        kind: one of :data:`KINDS`.
        units: ``H``.
        n_features: ``X``, the last dimension of the input ``(batch, time, X)``.
        n_outputs: size of the target ``(batch, n_outputs)``.
        steps: the sequence length, or None for any length.
        return_sequences: predict at every step (targets ``(batch, time, n_outputs)``).
        optimizer, learning_rate, clipnorm: see :func:`make_optimizer`.
        **layer_kwargs: passed to :func:`recurrent_layer`.

    Returns:
        A model ``(batch, time, X) -> (batch, n_outputs)`` compiled with the mean squared error
        as its loss (so ``evaluate`` reports it as ``"loss"``).
    """
    n_outputs = _positive_int("n_outputs", n_outputs)
    model = _recurrent_model(
        kind, units, n_features, n_outputs, steps, return_sequences, layer_kwargs
    )
    model.compile(optimizer=make_optimizer(optimizer, learning_rate, clipnorm), loss="mse")
    return model


def scratch_recurrent_layer(kind: str, n_features: int, units: int, *, seed: int = 0):
    """The from-scratch twin of :func:`recurrent_layer`: a :mod:`lstmbook.scratch` layer by name.

    Args:
        kind: one of :data:`KINDS` (``"rnn"`` is :class:`~lstmbook.scratch.SimpleRNN`, the
            peephole kinds are :class:`~lstmbook.scratch.LSTM` with ``peepholes=True``).
        n_features: ``X``.
        units: ``H``.
        seed: seed of the ``numpy.random.default_rng`` that draws the weights.
    """
    n_features, units = _positive_int("n_features", n_features), _positive_int("units", units)
    if kind == "lstm":
        return scratch.LSTM(n_features, units, seed=seed)
    if kind == "gru":
        return scratch.GRU(n_features, units, seed=seed)
    if kind == "rnn":
        return scratch.SimpleRNN(n_features, units, seed=seed)
    if kind in ("peephole-current", "peephole-previous"):
        variant = kind.split("-")[1]
        return scratch.LSTM(n_features, units, peepholes=True, output_peephole=variant, seed=seed)
    raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


def make_scratch_optimizer(
    optimizer: str | scratch.Optimizer | Callable[[], scratch.Optimizer] = "adam",
    learning_rate: float = 1e-2,
) -> scratch.Optimizer:
    """A fresh :mod:`lstmbook.scratch` optimizer: a name in :data:`SCRATCH_OPTIMIZERS` (with
    ``learning_rate``), a function returning one (e.g. ``functools.partial(SGD, 0.1,
    momentum=0.9)``), or an instance (returned as is)."""
    if isinstance(optimizer, scratch.Optimizer):
        return optimizer
    if isinstance(optimizer, str):
        if optimizer not in SCRATCH_OPTIMIZERS:
            raise ValueError(
                f"optimizer must be one of {sorted(SCRATCH_OPTIMIZERS)}, got {optimizer!r}"
            )
        return SCRATCH_OPTIMIZERS[optimizer](float(learning_rate))
    if callable(optimizer):
        made = optimizer()
        if isinstance(made, scratch.Optimizer):
            return made
    raise ValueError(
        "optimizer must be a name, a lstmbook.scratch Optimizer or a function returning one, "
        f"got {optimizer!r}"
    )


def _scratch_model(
    kind, units, n_features, n_outputs, loss, seed, optimizer, learning_rate, clip_norm
):
    layer = scratch_recurrent_layer(kind, n_features, units, seed=seed)
    head = scratch.Dense(units, n_outputs, seed=seed + 1000)
    return scratch.Sequential(
        [layer],
        head=head,
        loss=loss,
        optimizer=make_scratch_optimizer(optimizer, learning_rate),
        clip_norm=clip_norm,
    )


def build_scratch_classifier(
    kind: str,
    units: int,
    n_features: int,
    n_classes: int,
    *,
    seed: int = 0,
    optimizer: str | scratch.Optimizer | Callable[[], scratch.Optimizer] = "adam",
    learning_rate: float = 1e-2,
    clip_norm: float | None = None,
) -> scratch.Sequential:
    """The from-scratch twin of :func:`build_recurrent_classifier` (NumPy, hand-written BPTT).

    Args:
        kind: one of :data:`KINDS`.
        units: ``H``.
        n_features: ``X``.
        n_classes: ``K`` (>= 2).
        seed: the recurrent layer's weights come from ``seed``, the head's from ``seed + 1000``
            (:func:`train_and_evaluate` passes the run's seed here).
        optimizer, learning_rate: see :func:`make_scratch_optimizer`.
        clip_norm: clip the global gradient norm of every step (None: never).

    Returns:
        A :class:`~lstmbook.scratch.Sequential` ``(batch, time, X) -> (batch, K)`` logits with
        the softmax cross-entropy loss (integer labels).
    """
    n_classes = _positive_int("n_classes", n_classes)
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2, got {n_classes}")
    return _scratch_model(
        kind,
        units,
        n_features,
        n_classes,
        "sparse_categorical_crossentropy",
        seed,
        optimizer,
        learning_rate,
        clip_norm,
    )


def build_scratch_regressor(
    kind: str,
    units: int,
    n_features: int,
    n_outputs: int = 1,
    *,
    seed: int = 0,
    optimizer: str | scratch.Optimizer | Callable[[], scratch.Optimizer] = "adam",
    learning_rate: float = 1e-2,
    clip_norm: float | None = None,
) -> scratch.Sequential:
    """The from-scratch twin of :func:`build_recurrent_regressor`: MSE loss, linear head.

    Arguments as in :func:`build_scratch_classifier`, with ``n_outputs`` the size of the
    target ``(batch, n_outputs)``.
    """
    n_outputs = _positive_int("n_outputs", n_outputs)
    return _scratch_model(
        kind, units, n_features, n_outputs, "mse", seed, optimizer, learning_rate, clip_norm
    )


class _EpochTimer(keras.callbacks.Callback):
    """Wall-clock seconds of every epoch (training only, without validation)."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []
        self._start = 0.0

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None) -> None:
        self._last = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None) -> None:
        self.seconds.append(getattr(self, "_last", time.perf_counter()) - self._start)


@dataclass
class RunResult:
    """What :func:`train_and_evaluate` returns.

    Attributes:
        metrics: the final metrics on the test data (``model.evaluate(..., return_dict=True)``,
            e.g. ``{"loss": ..., "accuracy": ...}``), as Python floats.
        history: ``model.fit(...).history``: per-epoch lists (``"loss"``, metrics, and
            ``"val_*"`` when validated), as Python floats.
        n_params: trainable parameters of the model.
        epoch_seconds: wall-clock seconds of each epoch's training (the first epoch of a
            model's first run includes tracing).
        model: the trained model (:class:`SeededTrainer` reuses it for its next run).
    """

    metrics: dict[str, float]
    history: dict[str, list[float]]
    n_params: int
    epoch_seconds: list[float] = field(default_factory=list)
    model: keras.Model | scratch.Sequential | None = None

    @property
    def seconds_per_epoch(self) -> float:
        """Median seconds per epoch, leaving out the first epoch (tracing) when there are more."""
        times = self.epoch_seconds[1:] if len(self.epoch_seconds) > 1 else self.epoch_seconds
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
                f"x_{name} and y_{name} must have the same length, got {len(x)} and {len(y)}"
            )
    return x_train, y_train, x_test, y_test


def _accepts_seed(build: Callable) -> bool:
    try:
        return "seed" in inspect.signature(build).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return False


class SeededTrainer:
    """Train one model architecture under many seeds; a Keras model is traced only once.

    ``build`` returns either a *compiled* Keras model or a :mod:`lstmbook.scratch`
    ``Sequential``. Each :meth:`run` first calls ``keras.utils.set_random_seed(seed)`` (which
    also seeds NumPy's global and Python's generators), then ``build(seed=seed)`` if ``build``
    takes a ``seed`` argument (as :func:`build_scratch_regressor` does) and ``build()``
    otherwise.

    Keras models: building and tracing costs seconds, far more than training a small model
    for a few epochs. The first run builds the model and ``fit`` traces it; every later run
    builds a fresh model under its own seed only to take its initial weights, copies them into
    the already traced model and restores the optimizer's state (moments, step counter,
    learning rate) to what it was before any training. Each run therefore starts from exactly
    the weights and optimizer state of a fresh model built under its seed, and draws the same
    batch order.

    Scratch models are cheap to build, so every run builds a fresh one; ``fit`` shuffles with
    ``numpy.random.default_rng(seed)`` and runs with one BLAS thread (:func:`one_blas_thread`).

    Args:
        build: a function returning the model (e.g. ``functools.partial(
            build_recurrent_classifier, "gru", 16, n_features=8, n_classes=4)``).
    """

    def __init__(self, build: Callable[..., keras.Model | scratch.Sequential]) -> None:
        if not callable(build):
            raise ValueError(f"build must be a function returning a model, got {build!r}")
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
                "build() must return a keras.Model or a lstmbook.scratch.Sequential, got "
                f"{type(model).__name__}"
            )
        if not getattr(model, "compiled", False):
            raise ValueError("build() must return a compiled model (call model.compile first)")
        return model

    def _start(self, seed: int) -> keras.Model | scratch.Sequential:
        """Seed the global RNGs and return the model, holding the initial weights for ``seed``."""
        keras.utils.set_random_seed(seed)
        fresh = self._built(seed)
        if isinstance(fresh, scratch.Sequential) or self.model is None:
            if isinstance(fresh, keras.Model):
                fresh.optimizer.build(fresh.trainable_variables)
                self._optimizer_start = [np.array(v.numpy()) for v in fresh.optimizer.variables]
            self.model = fresh
        else:
            self.model.set_weights(fresh.get_weights())
            for variable, value in zip(
                self.model.optimizer.variables, self._optimizer_start, strict=True
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
        """Seed, (re)initialise, fit silently and evaluate; see :func:`train_and_evaluate`."""
        x_train, y_train, x_test, y_test = _check_data(data)
        epochs = _positive_int("epochs", epochs)
        batch_size = _positive_int("batch_size", batch_size)
        callbacks = list(callbacks)
        model = self._start(int(seed))
        if isinstance(model, scratch.Sequential):
            if callbacks:
                raise ValueError("callbacks apply to Keras models only, not to scratch models")
            return _run_scratch(model, data, int(seed), epochs, batch_size, validate)
        timer = _EpochTimer()
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
            x_test, y_test, batch_size=max(batch_size, 256), verbose=0, return_dict=True
        )
        return RunResult(
            metrics={k: float(v) for k, v in metrics.items()},
            history={k: [float(v) for v in vs] for k, vs in fit.history.items()},
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
            metrics["accuracy"] = float(np.mean(predicted == np.asarray(y_test)))
    return RunResult(
        metrics=metrics,
        history={k: [float(v) for v in vs] for k, vs in history.items()},
        n_params=int(model.n_params),
        epoch_seconds=[seconds / epochs] * epochs,
        model=model,
    )


def train_and_evaluate(
    build: Callable[..., keras.Model | scratch.Sequential],
    data: Sequence,
    *,
    seed: int = 0,
    epochs: int = 10,
    batch_size: int = 32,
    validate: bool = False,
    callbacks: Iterable[keras.callbacks.Callback] = (),
) -> RunResult:
    """Seed, build, fit silently and evaluate one model (Keras or from scratch).

    ``keras.utils.set_random_seed(seed)`` runs first, so the initial weights and the shuffling
    of the batches are functions of ``seed`` (bit-for-bit repeatable; for Keras with
    TensorFlow's op determinism on, as :func:`lstmbook.notebook.setup_notebook` sets it). To run
    the same Keras architecture under many seeds, :class:`SeededTrainer` (or
    :func:`compare_over_seeds`) is faster and gives the same numbers.

    Args:
        build: a function returning a *compiled* Keras model (e.g.
            ``functools.partial(build_recurrent_classifier, "gru", 16, n_features=8,
            n_classes=4)``) or a :mod:`lstmbook.scratch` ``Sequential`` (e.g.
            ``functools.partial(build_scratch_regressor, "lstm", 16, n_features=2)``); it is
            called as ``build(seed=seed)`` if it takes a ``seed`` argument, else ``build()``.
        data: ``(x_train, y_train, x_test, y_test)``, inputs ``(N, time, features)``.
        seed: the seed of the run.
        epochs, batch_size: as in ``model.fit`` (a batch size that divides ``N`` avoids a
            second trace for the smaller last batch).
        validate: evaluate the test data after every epoch too (adds ``"val_*"`` curves to the
            history, at the cost of one pass over it per epoch).
        callbacks: extra Keras callbacks (e.g. ``keras.callbacks.EarlyStopping``); Keras only.

    Returns:
        A :class:`RunResult`, with the trained model. For a scratch model the metrics are
        ``"loss"`` (and ``"accuracy"`` for a classifier), the history is what
        :meth:`lstmbook.scratch.Sequential.fit` returns (``"loss"``, ``"grad_norm"`` per step,
        ``"val_loss"``), and each epoch's time is the mean over the epochs.
    """
    return SeededTrainer(build).run(
        data,
        seed=seed,
        epochs=epochs,
        batch_size=batch_size,
        validate=validate,
        callbacks=callbacks,
    )


def run_over_seeds(
    builders: Mapping[str, Callable[..., keras.Model | scratch.Sequential]],
    data: Sequence,
    seeds: Iterable[int] = (0, 1, 2),
    **train_kwargs,
) -> pd.DataFrame:
    """Train every model of ``builders`` once per seed; one row per run.

    Args:
        builders: model name -> a function returning a model (see :func:`train_and_evaluate`).
        data: ``(x_train, y_train, x_test, y_test)``, the same for every run.
        seeds: the seeds; every model sees the same ones.
        **train_kwargs: passed to :meth:`SeededTrainer.run` (``epochs``, ``batch_size``...).

    Each model is traced once and re-initialised for every seed (:class:`SeededTrainer`).

    Returns:
        A DataFrame with columns ``model``, ``seed``, ``params``, one column per test metric,
        ``seconds_per_epoch`` and ``history`` (the per-epoch dict of the run), in the order of
        ``builders`` then ``seeds``.
    """
    if not builders:
        raise ValueError("builders must name at least one model, got none")
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds must hold at least one seed, got none")
    rows = []
    for name, build in builders.items():
        trainer = SeededTrainer(build)
        for seed in seeds:
            result = trainer.run(data, seed=seed, **train_kwargs)
            rows.append(
                {
                    "model": name,
                    "seed": seed,
                    "params": result.n_params,
                    **result.metrics,
                    "seconds_per_epoch": result.seconds_per_epoch,
                    "history": result.history,
                }
            )
    return pd.DataFrame(rows)


def summarize_runs(runs: pd.DataFrame, metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """Mean and sample standard deviation (``ddof=1``) of each metric per model.

    Args:
        runs: the output of :func:`run_over_seeds`.
        metrics: the columns to summarise (default: every numeric column but ``seed`` and
            ``params``, ``seconds_per_epoch`` included).

    Returns:
        One row per model (index ``model``, in the order of first appearance) with ``params``,
        ``seeds`` (the number of runs) and ``<metric>_mean``, ``<metric>_std`` for each metric.
        With a single seed the standard deviation is NaN.
    """
    if metrics is None:
        skip = {"model", "seed", "params", "history"}
        metrics = [
            c for c in runs.columns if c not in skip and pd.api.types.is_numeric_dtype(runs[c])
        ]
    missing = [m for m in metrics if m not in runs.columns]
    if missing:
        raise ValueError(f"runs has no column(s) {missing}; it has {list(runs.columns)}")
    grouped = runs.groupby("model", sort=False)
    table = pd.DataFrame({"params": grouped["params"].first(), "seeds": grouped["seed"].count()})
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
    **train_kwargs,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Train each model over several seeds and summarise: mean and std of each metric per model.

    :func:`run_over_seeds` followed by :func:`summarize_runs`.

    Args:
        builders: model name -> a function returning a model (see :func:`train_and_evaluate`).
        data: ``(x_train, y_train, x_test, y_test)``.
        seeds: the seeds (at least 3 for a meaningful standard deviation).
        return_runs: also return the per-run table (with each run's history).
        **train_kwargs: passed to :meth:`SeededTrainer.run`.

    Returns:
        The summary DataFrame (index ``model``; columns ``params``, ``seeds``,
        ``<metric>_mean``, ``<metric>_std``), or ``(summary, runs)`` with ``return_runs``.
    """
    runs = run_over_seeds(builders, data, seeds, **train_kwargs)
    summary = summarize_runs(runs)
    return (summary, runs) if return_runs else summary


def mean_std_table(
    summary: pd.DataFrame,
    metrics: Mapping[str, str] | Sequence[str],
    digits: int = 3,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """A summary from :func:`compare_over_seeds` as text, ``"mean ± std"`` per metric.

    Args:
        summary: the output of :func:`summarize_runs` / :func:`compare_over_seeds`.
        metrics: the metrics to show, or a dict metric -> column title.
        digits: significant digits of the mean (the standard deviation gets two).
        labels: optional model name -> row label.

    Returns:
        A DataFrame of strings with the columns ``params`` and one per metric, indexed by
        model (or its label); rounded text prints the same on every run.
    """
    titles = dict(metrics) if isinstance(metrics, Mapping) else {m: m for m in metrics}
    missing = [m for m in titles if f"{m}_mean" not in summary.columns]
    if missing:
        raise ValueError(f"summary has no mean for {missing}; it has {list(summary.columns)}")
    digits = _positive_int("digits", digits)
    table = pd.DataFrame(index=summary.index)
    table["params"] = summary["params"].astype(int)
    for metric, title in titles.items():
        table[title] = [
            f"{m:.{digits}g} ± {s:.2g}"
            for m, s in zip(summary[f"{metric}_mean"], summary[f"{metric}_std"], strict=True)
        ]
    if labels is not None:
        table.index = [labels.get(name, name) for name in table.index]
    table.index.name = "model"
    return table
