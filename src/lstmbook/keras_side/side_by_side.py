"""Train many small, independent Keras LSTMs at once: one einsum per step
instead of one model each.

A comparison "mean ± std over seeds, for every setting" trains dozens of tiny
models (the missing-data
FAQ, :func:`lstmbook.chapters.missing.forecast_with_gaps`, trains 60). On a CPU
the cost of a tiny LSTM is almost all per-step overhead, not arithmetic, so
training them one after another wastes the machine. :class:`SideBySideLSTMCell`
holds the weights of ``M`` LSTMs as arrays with a leading model axis and
advances all of them by one time step with one
``einsum``; :class:`SideBySideDense` does the same for the read-out layer.

*Side by side*, not *stacked*: the ``M`` models sit next to each other and
never feed one another. (A stacked network, such
as :class:`lstmbook.scratch.Sequential`, puts layers on top of each other, each
reading the outputs of the one below.)

Nothing is shared between the models: model ``m`` reads only its own slice of
the input and its own state, the loss of the side-by-side model is the *sum* of
the per-model losses (:func:`summed_squared_error`), so the gradient of every
weight is exactly the gradient of its own model's loss, and Adam scales each
weight's step by that weight's own gradient history. Training them side by side
is therefore training ``M`` models, except that they see the same mini-batches
in the same order (the seeds change the initial weights only).

Each model follows the equations and the weight layout of ``keras.layers.LSTM``
(gate order input, forget, candidate, output; sigmoid gates; forget-gate bias
initialised to 1 by :class:`~lstmbook.keras_side.peephole.UnitForgetBias`):
block ``m`` of the weights, ``kernel[m]`` ``(F, 4H)``, ``recurrent_kernel[m]``
``(H, 4H)`` and ``bias[m]`` ``(4H,)``, are the ``[kernel, recurrent_kernel,
bias]`` of an ordinary ``keras.layers.LSTM(H)``, and the tests check that both
compute the same outputs.

Shapes: the side-by-side input is ``x: (batch, time, M * F)``, model ``m``
reading columns ``m * F : (m + 1) * F``; :func:`stack_inputs` builds it from
``M`` arrays. The model's output and its targets are ``(batch, M, outputs)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

from lstmbook._checks import positive_int
from lstmbook.keras_side.peephole import UnitForgetBias


def _columns_per_model(total: int | None, n_models: int) -> int:
    """Columns per model of an input whose last axis holds ``n_models`` blocks
    side by side."""
    if total is None or total % n_models:
        raise ValueError(
            f"the input's last axis ({total}) must be n_models ({n_models}) "
            "times the "
            f"number of columns per model"
        )
    return total // n_models


def _seeds(n_models: int, seeds: Sequence[int] | None) -> list[int]:
    n_models = positive_int("n_models", n_models)
    if seeds is None:
        return list(range(int(n_models)))
    seeds = [int(s) for s in seeds]
    if len(seeds) != n_models:
        raise ValueError(
            f"need one seed per model: {n_models} models, got {len(seeds)} "
            "seeds"
        )
    return seeds


def _per_model_initializer(make, seeds: list[int]):
    """An initializer of shape ``(M, *block)`` whose block ``m`` is
    ``make(seed_m)(block)``."""

    def initializer(shape, dtype=None):
        block = tuple(shape[1:])
        return ops.stack(
            [make(seed)(block, dtype=dtype) for seed in seeds], axis=0
        )

    return initializer


@keras.saving.register_keras_serializable(package="lstmbook")
class SideBySideLSTMCell(keras.layers.Layer):
    """``n_models`` independent LSTM cells advanced together (for
    ``keras.layers.RNN``).

    Model ``m`` computes, from its slice ``x_t^{(m)}`` of the input,

    ``z = x_t W^{(m)} + h_{t-1} U^{(m)} + b^{(m)}``, split into ``i, f, g, o``
    (Keras order); ``c_t = σ(f) ⊙ c_{t-1} + σ(i) ⊙ tanh(g)``, ``h_t = σ(o) ⊙
    tanh(c_t)``.

    Args:
        n_models: number of independent models ``M`` (>= 1).
        units: hidden units ``H`` of each model.
        seeds: one integer per model for its initial weights (default ``0 ..
            M-1``): kernel Glorot-uniform, recurrent kernel orthogonal (both
            seeded), bias :class:`~lstmbook.keras_side.peephole.UnitForgetBias`
            (zero, forget block 1): the defaults of ``keras.layers.LSTM``.
        masked: one flag per model (default all False). For a masked model the
            *last* column of its input slice is not a feature but a step flag:
            where it is 0 the model skips the step, carrying ``h`` and ``c``
            unchanged. That is what ``keras.layers.RNN`` does at a step masked
            by ``keras.layers.Masking``, but per model, so models that skip
            different steps can share one layer (Keras's mask is one per time
            step for the whole layer).

    Input ``(batch, M * F)`` per step; state and output ``(batch, M * H)``.
    Weights: ``kernel`` ``(M, F, 4H)``, ``recurrent_kernel`` ``(M, H, 4H)``,
    ``bias`` ``(M, 4H)``; block ``m`` of each is the weight of the same name of
    an ordinary ``keras.layers.LSTM(H)``.
    """

    def __init__(
        self,
        n_models: int,
        units: int,
        seeds: Sequence[int] | None = None,
        masked: Sequence[bool] | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.seeds = _seeds(n_models, seeds)
        self.n_models = int(n_models)
        self.units = positive_int("units", units)
        masked = (
            [False] * self.n_models
            if masked is None
            else [bool(b) for b in masked]
        )
        if len(masked) != self.n_models:
            raise ValueError(
                f"masked needs one flag per model ({self.n_models}), got "
                f"{len(masked)}"
            )
        self.masked = masked
        self.state_size = [
            self.n_models * self.units,
            self.n_models * self.units,
        ]
        self.output_size = self.n_models * self.units

    def build(self, input_shape):
        self.features = _columns_per_model(input_shape[-1], self.n_models)
        m, x, h = self.n_models, self.features, self.units
        if any(self.masked) and x < 2:
            raise ValueError(
                "a masked model needs >= 2 columns: its features and the "
                "step flag"
            )
        # which input columns feed the gates: all, except the step flag of a
        # masked model
        gate_columns = np.ones((m, x), dtype="float32")
        gate_columns[np.asarray(self.masked), -1] = 0.0
        self._gate_columns = gate_columns
        self._masked = np.asarray(self.masked)

        self.kernel = self.add_weight(
            shape=(m, x, 4 * h),
            name="kernel",
            initializer=_per_model_initializer(
                lambda s: keras.initializers.GlorotUniform(seed=s), self.seeds
            ),
        )
        self.recurrent_kernel = self.add_weight(
            shape=(m, h, 4 * h),
            name="recurrent_kernel",
            initializer=_per_model_initializer(
                lambda s: keras.initializers.Orthogonal(seed=s), self.seeds
            ),
        )
        self.bias = self.add_weight(
            shape=(m, 4 * h), name="bias", initializer=UnitForgetBias()
        )

    def call(self, inputs, states, training=False):
        m, x, h = self.n_models, self.features, self.units
        h_prev = ops.reshape(states[0], (-1, m, h))
        c_prev = ops.reshape(states[1], (-1, m, h))
        columns = ops.reshape(inputs, (-1, m, x))
        xh = ops.concatenate([columns * self._gate_columns, h_prev], axis=-1)
        weights = ops.concatenate([self.kernel, self.recurrent_kernel], axis=1)
        z = ops.einsum("bmk,mkg->bmg", xh, weights) + self.bias
        z_i, z_f, z_g, z_o = ops.split(z, 4, axis=-1)
        c = ops.sigmoid(z_f) * c_prev + ops.sigmoid(z_i) * ops.tanh(z_g)
        h_new = ops.sigmoid(z_o) * ops.tanh(c)
        if any(self.masked):
            # a masked model skips the step where its flag is 0: h and c
            # carried unchanged, exactly what keras.layers.RNN does at a step
            # that Masking has masked
            keep = ops.logical_or(
                ops.logical_not(self._masked), columns[:, :, -1] > 0.5
            )
            keep = ops.expand_dims(keep, -1)
            h_new = ops.where(keep, h_new, h_prev)
            c = ops.where(keep, c, c_prev)
        h_flat = ops.reshape(h_new, (-1, m * h))
        return h_flat, [h_flat, ops.reshape(c, (-1, m * h))]

    def get_config(self):
        return {
            **super().get_config(),
            "n_models": self.n_models,
            "units": self.units,
            "seeds": self.seeds,
            "masked": self.masked,
        }


@keras.saving.register_keras_serializable(package="lstmbook")
class SideBySideDense(keras.layers.Layer):
    """``n_models`` independent dense layers: ``(batch, M * H)`` -> ``(batch,
    M, outputs)``.

    Model ``m`` computes ``y^{(m)} = h^{(m)} V^{(m)} + d^{(m)}`` from its block
    ``h^{(m)}`` of ``H`` input columns (no activation: a regression read-out).

    Args:
        n_models: number of independent models ``M`` (>= 1).
        outputs: outputs per model.
        seeds: one integer per model (default ``0 .. M-1``); the kernel is
            Glorot-uniform with seed ``seed + 1``, the bias zero: the defaults
            of ``keras.layers.Dense``.

    Weights: ``kernel`` ``(M, H, outputs)``, ``bias`` ``(M, outputs)``.
    """

    def __init__(
        self,
        n_models: int,
        outputs: int = 1,
        seeds: Sequence[int] | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.seeds = _seeds(n_models, seeds)
        self.n_models = int(n_models)
        self.outputs = positive_int("outputs", outputs)

    def build(self, input_shape):
        self.inputs_per_model = _columns_per_model(
            input_shape[-1], self.n_models
        )
        self.kernel = self.add_weight(
            shape=(self.n_models, self.inputs_per_model, self.outputs),
            name="kernel",
            initializer=_per_model_initializer(
                lambda s: keras.initializers.GlorotUniform(seed=s + 1),
                self.seeds,
            ),
        )
        self.bias = self.add_weight(
            shape=(self.n_models, self.outputs),
            name="bias",
            initializer="zeros",
        )

    def call(self, inputs):
        x = ops.reshape(inputs, (-1, self.n_models, self.inputs_per_model))
        return ops.einsum("bmh,mho->bmo", x, self.kernel) + self.bias

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n_models, self.outputs)

    def get_config(self):
        return {
            **super().get_config(),
            "n_models": self.n_models,
            "outputs": self.outputs,
            "seeds": self.seeds,
        }


def summed_squared_error(y_true, y_pred):
    """Per-sample loss ``Σ_m Σ_k (y_true - y_pred)²`` over the model and output
    axes; NaN targets are skipped.

    Keras averages it over the batch, so the training loss is the *sum* of the
    models' mean squared errors: each model's weights get exactly the gradient
    of its own MSE. A NaN in ``y_true`` marks a target that model does not
    train on (e.g. a value missing in its copy of the data); it contributes
    neither loss nor gradient. ``y_true, y_pred: (batch, M, outputs)``.
    """
    y_true = ops.convert_to_tensor(y_true, dtype=y_pred.dtype)
    known = ops.logical_not(ops.isnan(y_true))
    error = ops.where(known, y_pred - ops.where(known, y_true, 0.0), 0.0)
    return ops.sum(ops.square(error), axis=(1, 2))


def stack_inputs(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """Concatenate ``M`` inputs ``(batch, time, features_m)`` into ``(batch,
    time, M * F)``.

    Every model gets ``F = max(features_m)`` columns; a model with fewer
    features is padded with zero columns *in front of* its last column (so that
    a masked model's step flag stays last). A zero input column changes
    nothing: it contributes nothing to ``x W``, and its weights get zero
    gradient.
    """
    arrays = [np.asarray(a, dtype=np.float32) for a in arrays]
    if not arrays:
        raise ValueError("need at least one input array")
    if (
        any(a.ndim != 3 for a in arrays)
        or len({a.shape[:2] for a in arrays}) != 1
    ):
        raise ValueError(
            "inputs must all be (batch, time, features) with the same batch "
            "and time, got "
            f"{[a.shape for a in arrays]}"
        )
    width = max(a.shape[2] for a in arrays)
    padded = [
        np.concatenate(
            [
                a[..., :-1],
                np.zeros(a.shape[:2] + (width - a.shape[2],), np.float32),
                a[..., -1:],
            ],
            axis=-1,
        )
        for a in arrays
    ]
    return np.concatenate(padded, axis=-1)


def build_side_by_side_regressor(
    n_models: int,
    units: int,
    features: int,
    *,
    outputs: int = 1,
    seeds: Sequence[int] | None = None,
    masked: Sequence[bool] | None = None,
    learning_rate: float = 1e-2,
) -> keras.Model:
    """``M`` independent ``LSTM(units) -> Dense(outputs)`` regressors as one
    compiled model.

    Args:
        n_models: ``M``.
        units: hidden units ``H`` of each LSTM.
        features: input columns ``F`` per model; the model input is ``(batch,
            time, M * F)`` (see :func:`stack_inputs`).
        outputs: outputs per model; the model returns ``(batch, M, outputs)``.
        seeds: initial-weight seed of each model (default ``0 .. M-1``).
        masked: per model, whether its last input column is a step flag (1 =
            use the step, 0 = skip it, carrying h and c) instead of a feature;
            see :class:`SideBySideLSTMCell`.
        learning_rate: Adam's learning rate.

    Returns:
        A compiled ``keras.Model`` ``RNN(SideBySideLSTMCell) ->
        SideBySideDense`` with loss :func:`summed_squared_error`; train it with
        targets of shape ``(batch, M, outputs)`` (e.g. ``np.repeat(y[:, None],
        M, axis=1)``), NaN where a model must not train on a sample.
    """
    seeds = _seeds(n_models, seeds)
    inputs = keras.Input((None, n_models * features))
    hidden = keras.layers.RNN(
        SideBySideLSTMCell(n_models, units, seeds, masked)
    )(inputs)
    model = keras.Model(
        inputs, SideBySideDense(n_models, outputs, seeds)(hidden)
    )
    model.compile(
        keras.optimizers.Adam(learning_rate), loss=summed_squared_error
    )
    return model


def fit_side_by_side(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    batch_size: int = 64,
    seed: int = 0,
) -> keras.callbacks.History:
    """Train ``model`` on ``(x, y)``, reshuffled every epoch with a seeded
    order, silently.

    The data go in as a ``tf.data`` pipeline of slices, shuffled with ``seed``:
    the same seed gives the same mini-batches. (NumPy arrays handed to ``fit``
    directly pass through a ``tf.data`` map for which TensorFlow 2.21 logs a
    harmless C++ error line with a timestamp; that line would make a notebook's
    output differ from run to run.)

    Args:
        model: e.g. from :func:`build_side_by_side_regressor`.
        x: ``(n, time, M * features)`` inputs.
        y: ``(n, M, outputs)`` targets (NaN = not trained on).
        epochs, batch_size: as in ``keras.Model.fit``.
        seed: seed of the shuffling.

    Returns:
        The ``History`` of ``model.fit``.
    """
    import tensorflow as tf

    data = tf.data.Dataset.from_tensor_slices(
        (np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.float32))
    )
    data = data.shuffle(
        len(x), seed=seed, reshuffle_each_iteration=True
    ).batch(batch_size)
    return model.fit(data, epochs=epochs, shuffle=False, verbose=0)


def predict_side_by_side(
    model: keras.Model, x: np.ndarray, batch_size: int = 1024
) -> np.ndarray:
    """``model(x)`` in chunks of ``batch_size``, as a NumPy array (no
    ``tf.data``, no logging)."""
    x = np.asarray(x, dtype=np.float32)
    chunks = [
        np.asarray(model(x[start : start + batch_size], training=False))
        for start in range(0, len(x), batch_size)
    ]
    return np.concatenate(chunks, axis=0)
