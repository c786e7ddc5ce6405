"""Model factories by name, in Keras and in NumPy: the same one-layer models on
both sides.

- :func:`recurrent_layer`, :func:`build_recurrent_classifier`,
  :func:`build_recurrent_regressor`: a compiled one-layer Keras model from a
  name in :data:`~lstmbook.keras_side.registry.KINDS` (``"lstm"``, ``"gru"``,
  ``"rnn"``, ``"peephole-current"``, ``"peephole-previous"``);
- :func:`scratch_recurrent_layer`, :func:`build_scratch_classifier`,
  :func:`build_scratch_regressor`: the same models from :mod:`lstmbook.scratch`
  (NumPy), with the same weight layouts.

Both read the one table of :mod:`lstmbook.keras_side.registry`.
"""

from __future__ import annotations

from collections.abc import Callable

import keras

from lstmbook import scratch
from lstmbook._checks import positive_int as _positive_int
from lstmbook.keras_side.registry import KINDS, cell_kind

__all__ = [
    "KINDS",
    "OPTIMIZERS",
    "SCRATCH_OPTIMIZERS",
    "build_recurrent_classifier",
    "build_recurrent_regressor",
    "build_scratch_classifier",
    "build_scratch_regressor",
    "make_optimizer",
    "make_scratch_optimizer",
    "recurrent_layer",
    "scratch_recurrent_layer",
]

OPTIMIZERS = {
    "adam": keras.optimizers.Adam,
    "rmsprop": keras.optimizers.RMSprop,
    "sgd": keras.optimizers.SGD,
}
"""Optimizer names accepted by the Keras model factories, and the Keras classes
they build."""

SCRATCH_OPTIMIZERS = {
    "adam": scratch.Adam,
    "rmsprop": scratch.RMSprop,
    "sgd": scratch.SGD,
}
"""Optimizer names accepted by the from-scratch factories, and the classes they
build."""


def recurrent_layer(
    kind: str,
    units: int,
    *,
    return_sequences: bool = False,
    name: str | None = None,
    **kwargs,
) -> keras.layers.Layer:
    """One recurrent Keras layer by name.

    Args:
        kind: one of :data:`KINDS`: ``"lstm"`` (``keras.layers.LSTM``),
            ``"gru"`` (``keras.layers.GRU``), ``"rnn"``
            (``keras.layers.SimpleRNN``, tanh), ``"peephole-current"`` /
            ``"peephole-previous"`` (``keras.layers.RNN`` around
            a :class:`~lstmbook.keras_side.peephole.PeepholeLSTMCell` whose
            output gate reads ``c_t`` / ``c_{t-1}``).
        units: ``H``, the size of the hidden state.
        return_sequences: return ``(batch, time, H)`` instead of the last step
            ``(batch, H)``.
        name: the layer's name.
        **kwargs: passed to the Keras layer; for the peephole kinds, to the
            cell (``kernel_initializer``, ``recurrent_initializer``,
            ``peephole_initializer``).

    Returns:
        An unbuilt layer mapping ``(batch, time, features)`` to ``(batch, H)``
        (or ``(batch, time, H)``).
    """
    units = _positive_int("units", units)
    return cell_kind(kind).keras_layer(
        units, return_sequences=return_sequences, name=name, **kwargs
    )


def make_optimizer(
    optimizer: str | keras.optimizers.Optimizer = "adam",
    learning_rate: float = 1e-2,
    clipnorm: float | None = None,
) -> keras.optimizers.Optimizer:
    """A fresh Keras optimizer from a name in :data:`OPTIMIZERS` (or an
    instance, returned as is).

    ``clipnorm`` clips each gradient tensor to this norm (Keras's per-variable
    clipping); use ``keras.optimizers.Adam(global_clipnorm=...)`` directly for
    a global norm.
    """
    if isinstance(optimizer, keras.optimizers.Optimizer):
        return optimizer
    if optimizer not in OPTIMIZERS:
        raise ValueError(
            f"optimizer must be one of {sorted(OPTIMIZERS)}, got {optimizer!r}"
        )
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
        kind,
        units,
        return_sequences=return_sequences,
        name=kind.replace("-", "_"),
        **layer_kwargs,
    )(inputs)
    outputs = keras.layers.Dense(n_outputs, name="head")(hidden)
    return keras.Model(
        inputs, outputs, name=f"{kind.replace('-', '_')}_{units}"
    )


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
    """A compiled classifier: one recurrent layer (:func:`recurrent_layer`),
    then Dense logits.

    Args:
        kind: one of :data:`KINDS`.
        units: ``H``.
        n_features: ``X``, the last dimension of the input ``(batch, time,
            X)``.
        n_classes: number of classes ``K`` (>= 2).
        steps: the sequence length, or None for any length.
        return_sequences: classify every step (labels ``(batch, time)``)
            instead of the last.
        optimizer, learning_rate, clipnorm: see :func:`make_optimizer`.
        **layer_kwargs: passed to :func:`recurrent_layer`.

    Returns:
        A model ``(batch, time, X) -> (batch, K)`` logits, compiled with
        ``SparseCategoricalCrossentropy(from_logits=True)`` (integer labels)
        and the metric ``"accuracy"``.
    """
    n_classes = _positive_int("n_classes", n_classes)
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2, got {n_classes}")
    model = _recurrent_model(
        kind,
        units,
        n_features,
        n_classes,
        steps,
        return_sequences,
        layer_kwargs,
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
    """A compiled regressor: one recurrent layer (:func:`recurrent_layer`),
    then a linear Dense.

    Args:
        kind: one of :data:`KINDS`.
        units: ``H``.
        n_features: ``X``, the last dimension of the input ``(batch, time,
            X)``.
        n_outputs: size of the target ``(batch, n_outputs)``.
        steps: the sequence length, or None for any length.
        return_sequences: predict at every step (targets ``(batch, time,
            n_outputs)``).
        optimizer, learning_rate, clipnorm: see :func:`make_optimizer`.
        **layer_kwargs: passed to :func:`recurrent_layer`.

    Returns:
        A model ``(batch, time, X) -> (batch, n_outputs)`` compiled with the
        mean squared error as its loss (so ``evaluate`` reports it as
        ``"loss"``).
    """
    n_outputs = _positive_int("n_outputs", n_outputs)
    model = _recurrent_model(
        kind,
        units,
        n_features,
        n_outputs,
        steps,
        return_sequences,
        layer_kwargs,
    )
    model.compile(
        optimizer=make_optimizer(optimizer, learning_rate, clipnorm),
        loss="mse",
    )
    return model


def scratch_recurrent_layer(
    kind: str, n_features: int, units: int, *, seed: int = 0
):
    """The from-scratch twin of :func:`recurrent_layer`:
    a :mod:`lstmbook.scratch` layer by name.

    Args:
        kind: one of :data:`KINDS` (``"rnn"``
            is :class:`~lstmbook.scratch.SimpleRNN`, the peephole kinds
            are :class:`~lstmbook.scratch.LSTM` with ``peepholes=True``).
        n_features: ``X``.
        units: ``H``.
        seed: seed of the ``numpy.random.default_rng`` that draws the weights.
    """
    n_features, units = (
        _positive_int("n_features", n_features),
        _positive_int("units", units),
    )
    return cell_kind(kind).numpy_layer(n_features, units, seed=seed)


def make_scratch_optimizer(
    optimizer: str
    | scratch.Optimizer
    | Callable[[], scratch.Optimizer] = "adam",
    learning_rate: float = 1e-2,
) -> scratch.Optimizer:
    """A fresh :mod:`lstmbook.scratch` optimizer: a name
    in :data:`SCRATCH_OPTIMIZERS` (with ``learning_rate``), a function
    returning one (e.g. ``functools.partial(SGD, 0.1, momentum=0.9)``), or an
    instance (returned as is)."""
    if isinstance(optimizer, scratch.Optimizer):
        return optimizer
    if isinstance(optimizer, str):
        if optimizer not in SCRATCH_OPTIMIZERS:
            raise ValueError(
                f"optimizer must be one of {sorted(SCRATCH_OPTIMIZERS)}, got "
                f"{optimizer!r}"
            )
        return SCRATCH_OPTIMIZERS[optimizer](float(learning_rate))
    if callable(optimizer):
        made = optimizer()
        if isinstance(made, scratch.Optimizer):
            return made
    raise ValueError(
        "optimizer must be a name, a lstmbook.scratch Optimizer or a "
        "function returning one, "
        f"got {optimizer!r}"
    )


def _scratch_model(
    kind,
    units,
    n_features,
    n_outputs,
    loss,
    seed,
    optimizer,
    learning_rate,
    clip_norm,
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
    optimizer: str
    | scratch.Optimizer
    | Callable[[], scratch.Optimizer] = "adam",
    learning_rate: float = 1e-2,
    clip_norm: float | None = None,
) -> scratch.Sequential:
    """The from-scratch twin of :func:`build_recurrent_classifier` (NumPy,
    hand-written BPTT).

    Args:
        kind: one of :data:`KINDS`.
        units: ``H``.
        n_features: ``X``.
        n_classes: ``K`` (>= 2).
        seed: the recurrent layer's weights come from ``seed``, the head's from
            ``seed + 1000`` (:func:`train_and_evaluate` passes the run's seed
            here).
        optimizer, learning_rate: see :func:`make_scratch_optimizer`.
        clip_norm: clip the global gradient norm of every step (None: never).

    Returns:
        A :class:`~lstmbook.scratch.Sequential` ``(batch, time, X) -> (batch,
        K)`` logits with the softmax cross-entropy loss (integer labels).
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
    optimizer: str
    | scratch.Optimizer
    | Callable[[], scratch.Optimizer] = "adam",
    learning_rate: float = 1e-2,
    clip_norm: float | None = None,
    forget_bias: float | None = None,
) -> scratch.Sequential:
    """The from-scratch twin of :func:`build_recurrent_regressor`: MSE loss,
    linear head.

    Arguments as in :func:`build_scratch_classifier`, with ``n_outputs`` the
    size of the target ``(batch, n_outputs)`` and

    Args:
        forget_bias: LSTM kinds only: the forget-gate block of the bias (the
            layer's default is 1, as Keras's ``unit_forget_bias=True``); None
            keeps the default.
    """
    n_outputs = _positive_int("n_outputs", n_outputs)
    if forget_bias is not None and not kind.startswith(("lstm", "peephole")):
        raise ValueError(
            f"forget_bias applies to the LSTM kinds only, got kind={kind!r}"
        )
    model = _scratch_model(
        kind,
        units,
        n_features,
        n_outputs,
        "mse",
        seed,
        optimizer,
        learning_rate,
        clip_norm,
    )
    if forget_bias is not None:
        model.recurrent[0].params["b"][units : 2 * units] = float(forget_bias)
    return model
