"""Serves code/01 (the article's example): the example as written, and the two
models it meant.

The source article's Keras example, reproduced as written, and the two models
it could have meant.

**As written.** :func:`generate_data`, :func:`build_lstm_model`
and :func:`train_lstm_model` are the article's ``lstm_example.py`` (its section
4) verbatim; :func:`run_article_script` is its ``if __name__ == '__main__':``
block. The article says the model has *two* LSTM layers; the code stacks
*three*. Run as written it fails before the first training step: the labels
have shape ``(32, 100)`` (one random number per time step) while the model
outputs ``(32, 10)`` (a softmax over 10 classes), and
``categorical_crossentropy`` needs both shapes equal. Even with matching shapes
the labels would be uniform noise: nothing to learn.

Where this copy departs from the article, and why:

- quotes are double, functions are two blank lines apart and lines longer
  than 79 characters are wrapped (the project's formatter), the Chinese
  comments carry an English translation in brackets, and the article's unused
  ``import tensorflow as tf`` is left out; the function bodies are otherwise
  token for token the article's;
- the ``__main__`` block is a function, with ``epochs`` an argument (the tests
  use 1, since the failure comes before any epoch) and a
  ``np.random.seed(seed)`` call the article lacks;
- nothing else was needed for Keras 3: ``from tensorflow.keras...`` imports
  resolve to Keras 3 in TensorFlow >= 2.16, and ``LSTM(..., input_shape=...)``
  still works, with a ``UserWarning`` that Keras 3 prefers a
  ``keras.Input(shape)`` first layer.

**Corrected.** Two readings of what the article intended, each with data that
has a signal:

(a) sequence classification, :func:`build_sequence_classifier`
    + :func:`make_classification_data`: the last hidden state feeds
    ``Dense(n_classes)`` logits; integer labels;
    ``SparseCategoricalCrossentropy(from_logits=True)``.
(b) sequence-to-sequence regression, :func:`build_sequence_regressor`
    + :func:`make_regression_data`: ``return_sequences=True`` and a ``Dense``
    applied at every step; mean squared error.

Both builders use Keras's default LSTM arguments, so on a GPU they run on cuDNN
(see :mod:`lstmbook.keras_side.cudnn`).
"""

from __future__ import annotations

import keras
import numpy as np
from tensorflow.keras.layers import LSTM, Dense
from tensorflow.keras.models import Sequential

# -----------------------------------------------------------------------------
# The article's code, verbatim.
# -----------------------------------------------------------------------------


# 生成随机数据 [generate random data]
def generate_data(batch_size, sequence_length, num_features):
    data = np.random.rand(batch_size, sequence_length, num_features)
    labels = np.random.rand(batch_size, sequence_length)
    return data, labels


# 定义 LSTM 模型 [define the LSTM model]
def build_lstm_model(input_shape, hidden_units, output_units):
    model = Sequential()
    model.add(
        LSTM(hidden_units, input_shape=input_shape, return_sequences=True)
    )
    model.add(LSTM(hidden_units, return_sequences=True))
    model.add(LSTM(hidden_units))
    model.add(Dense(output_units, activation="softmax"))
    return model


# 训练 LSTM 模型 [train the LSTM model]
def train_lstm_model(model, data, labels, epochs, batch_size):
    model.compile(
        optimizer="adam",
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(data, labels, epochs=epochs, batch_size=batch_size)


def run_article_script(epochs: int = 10, seed: int = 0) -> None:
    """The article's ``if __name__ == '__main__':`` block, with its values
    (seeded, else verbatim).

    Raises:
        ValueError: always, as Keras rejects labels ``(32, 100)`` for outputs
            ``(32, 10)``.
    """
    np.random.seed(seed)  # the article leaves the global generator unseeded
    batch_size = 32
    sequence_length = 100
    num_features = 10
    hidden_units = 128
    output_units = 10

    data, labels = generate_data(batch_size, sequence_length, num_features)
    model = build_lstm_model(
        (sequence_length, num_features), hidden_units, output_units
    )
    train_lstm_model(model, data, labels, epochs, batch_size)


# -----------------------------------------------------------------------------
# Corrected models and data with a signal.
# -----------------------------------------------------------------------------


def build_sequence_classifier(
    input_shape: tuple[int | None, int],
    n_classes: int,
    units: int = 64,
    n_layers: int = 1,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """Reading (a): classify a whole sequence from the last hidden state.

    Args:
        input_shape: ``(time, features)``; ``time`` may be None.
        n_classes: number of classes ``K``.
        units: ``H`` of every LSTM layer.
        n_layers: stacked LSTM layers (all but the last return sequences).
        learning_rate: Adam's step size.

    Returns:
        A compiled model mapping ``(batch, time, features)`` to logits
        ``(batch, K)``, with loss
        ``SparseCategoricalCrossentropy(from_logits=True)`` on integer labels
        ``(batch,)``.
    """
    if n_layers < 1:
        raise ValueError(f"n_layers must be >= 1, got {n_layers}")
    layers = [keras.Input(shape=input_shape)]
    layers += [
        keras.layers.LSTM(units, return_sequences=k < n_layers - 1)
        for k in range(n_layers)
    ]
    layers.append(keras.layers.Dense(n_classes))
    model = keras.Sequential(layers)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def build_sequence_regressor(
    input_shape: tuple[int | None, int],
    n_outputs: int = 1,
    units: int = 64,
    n_layers: int = 1,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """Reading (b): one prediction per time step.

    Returns:
        A compiled model mapping ``(batch, time, features)`` to
        ``(batch, time, n_outputs)`` (every LSTM returns sequences; the
        ``Dense`` acts on each step), loss MSE.
    """
    if n_layers < 1:
        raise ValueError(f"n_layers must be >= 1, got {n_layers}")
    layers = [keras.Input(shape=input_shape)]
    layers += [
        keras.layers.LSTM(units, return_sequences=True)
        for _ in range(n_layers)
    ]
    layers.append(keras.layers.Dense(n_outputs))
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    return model


def make_classification_data(
    n: int,
    sequence_length: int = 100,
    num_features: int = 10,
    n_classes: int = 10,
    noise: float = 0.5,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Noisy oscillations whose frequency is the class: a signal only a
    sequence model can read.

    Sample ``k`` of class ``y`` is ``sin(2 pi (y + 1) t / T + phase)`` in every
    feature, each feature with its own random phase, plus Gaussian noise of
    standard deviation ``noise``: a single step says little, the class is in
    how the values evolve over time.

    Returns:
        x: ``(n, T, num_features)`` float32.
        y: ``(n,)`` int64 labels in ``0 .. n_classes - 1``.
    """
    if n < 1 or sequence_length < 2 or num_features < 1 or n_classes < 2:
        raise ValueError(
            "expected n >= 1, sequence_length >= 2, num_features >= 1, "
            "n_classes >= 2, got "
            f"n={n}, sequence_length={sequence_length}, "
            f"num_features={num_features}, "
            f"n_classes={n_classes}"
        )
    if 2 * n_classes >= sequence_length:
        raise ValueError(
            f"sequence_length must exceed 2 * n_classes = {2 * n_classes} so "
            "the highest "
            f"frequency is resolved, got {sequence_length}"
        )
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, size=n)
    t = np.arange(sequence_length) / sequence_length
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1, num_features))
    freq = (y + 1)[:, None, None]
    x = np.sin(2 * np.pi * freq * t[None, :, None] + phase)
    x += rng.normal(0.0, noise, size=x.shape)
    return x.astype(np.float32), y.astype(np.int64)


def make_regression_data(
    n: int,
    sequence_length: int = 100,
    num_features: int = 10,
    window: int = 5,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-step targets that need memory: the mean of feature 0 over the last
    ``window`` steps.

    Inputs are uniform on [0, 1) like the article's; the target at step ``t``
    is the mean of ``x[t - window + 1 .. t, 0]`` (fewer steps at the start).
    Predicting the overall mean gives the baseline MSE, about ``1 / (12
    window)``.

    Returns:
        x: ``(n, T, num_features)`` float32.
        y: ``(n, T, 1)`` float32.
    """
    if n < 1 or sequence_length < 1 or num_features < 1 or window < 1:
        raise ValueError(
            "expected positive n, sequence_length, num_features and window, "
            "got "
            f"n={n}, sequence_length={sequence_length}, "
            f"num_features={num_features}, "
            f"window={window}"
        )
    rng = np.random.default_rng(seed)
    x = rng.random((n, sequence_length, num_features))
    csum = np.cumsum(x[:, :, 0], axis=1)
    shifted = np.concatenate(
        [np.zeros((n, window)), csum[:, :-window]], axis=1
    )[:, :sequence_length]
    counts = np.minimum(np.arange(1, sequence_length + 1), window)
    y = (csum - shifted) / counts
    return x.astype(np.float32), y[:, :, None].astype(np.float32)
