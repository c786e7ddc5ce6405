"""Serves trends/02 (CNN + LSTM) and faq/02 (LSTM vs CNN): convolutions next to
LSTMs.

Receptive fields, sequence lengths, parameter counts, and models.

A 1-D convolution sees a window of the input; a stack of them sees a wider
window, the *receptive field*. For layers ``l = 1..L`` with kernel size
``k_l``, dilation ``d_l`` and stride ``s_l``, one output step of the stack
depends on

.. math::

    R = 1 + \\sum_{l=1}^{L} (k_l - 1)\\, d_l \\prod_{j<l} s_j

consecutive input steps (:func:`receptive_field`; pooling layers count as
convolutions with ``k = pool_size``, ``d = 1``). :func:`model_receptive_field`
reads the kernel sizes, dilations and strides from a Keras model's layers,
and :func:`influence_support` measures the same thing empirically, by
perturbing one input step at a time and watching the last output step.

Models (compiled Keras, integer labels, logits; the same compile settings as
:func:`lstmbook.keras_side.models.build_recurrent_classifier`):

- :func:`build_cnn_classifier`: a stack of ReLU ``Conv1D`` layers (optionally
  dilated and causal), read out by global max pooling over time
  (``readout="max"``) or by the last step (``readout="last"``), then Dense
  logits;
- :func:`build_conv_lstm_classifier`: a ``Conv1D`` front end with a stride (and
  optional max pooling) that shortens the sequence from ``T`` to about ``T /
  (stride * pool)`` steps, then an LSTM over the shorter sequence, then Dense
  logits.

Closed-form parameter counts: :func:`conv1d_param_count`,
:func:`cnn_classifier_param_count`, :func:`conv_lstm_param_count`; sequence
lengths after a layer: :func:`conv_output_length`.

What a window allows: :func:`motif_window_bayes` computes, exactly, the Bayes
ceiling of a classifier that sees only the last ``R`` steps
of :func:`lstmbook.data.motif_task` (the accuracy no model with receptive field
``R`` read at the last step can beat), and the rule that reaches it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import NamedTuple

import keras
import numpy as np

from lstmbook._checks import integer_at_least as check_int
from lstmbook.keras_side.models import make_optimizer
from lstmbook.scratch.params import dense_param_count, lstm_param_count

PADDINGS = ("valid", "causal", "same")
"""Padding modes of ``keras.layers.Conv1D`` that the functions here accept."""

READOUTS = ("max", "last")
"""How :func:`build_cnn_classifier` turns the conv features ``(batch, time,
F)`` into ``(batch, F)``."""


def _int_list(
    name: str, values: int | Sequence[int], length: int | None, minimum: int
) -> list[int]:
    if isinstance(values, (int, np.integer)) and not isinstance(values, bool):
        if length is None:
            raise ValueError(
                f"{name} must be a sequence of integers, got {values!r}"
            )
        values = [values] * length
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise ValueError(
            f"{name} must be an integer or a sequence of integers, got "
            f"{values!r}"
        )
    checked = [
        check_int(f"{name}[{i}]", v, minimum) for i, v in enumerate(values)
    ]
    if length is not None and len(checked) != length:
        raise ValueError(
            f"{name} must have {length} entries (one per layer), got "
            f"{len(checked)}"
        )
    return checked


def receptive_field(
    kernel_sizes: Sequence[int],
    dilations: int | Sequence[int] = 1,
    strides: int | Sequence[int] = 1,
) -> int:
    """Input steps that one output step of a stack of 1-D convolutions depends
    on.

    ``R = 1 + sum_l (k_l - 1) d_l prod_{j<l} s_j``: layer ``l`` widens the
    window by ``k_l - 1`` of its own input steps, ``d_l`` apart, and one of its
    input steps spans the product of the strides below it (the "jump") in the
    original input.

    Args:
        kernel_sizes: ``k_l`` for each layer, bottom first (at least one layer,
            each >= 1).
        dilations: ``d_l`` per layer, or one value for all (>= 1).
        strides: ``s_l`` per layer, or one value for all (>= 1).

    Returns:
        The receptive field ``R`` in input steps.

    Example: kernel 2 with dilations 1, 2, 4, 8 gives ``1 + 1 + 2 + 4 + 8 =
    16``.
    """
    kernels = _int_list("kernel_sizes", kernel_sizes, None, 1)
    if not kernels:
        raise ValueError("kernel_sizes must name at least one layer, got none")
    dils = _int_list("dilations", dilations, len(kernels), 1)
    steps = _int_list("strides", strides, len(kernels), 1)
    field, jump = 1, 1
    for k, d, s in zip(kernels, dils, steps, strict=True):
        field += (k - 1) * d * jump
        jump *= s
    return field


def conv_output_length(
    steps: int,
    kernel_size: int,
    *,
    stride: int = 1,
    dilation: int = 1,
    padding: str = "valid",
) -> int:
    """Length of the output of ``Conv1D`` (or ``MaxPooling1D``) on a sequence
    of ``steps``.

    ``"valid"``: ``floor((T - d (k - 1) - 1) / s) + 1`` (no padding, so the
    window must fit); ``"causal"`` and ``"same"``: ``ceil(T / s)`` (zeros
    padded on the left, or on both sides).

    Raises:
        ValueError: on a non-positive argument, an unknown padding, or a
            ``"valid"`` window longer than the sequence.
    """
    steps = check_int("steps", steps, 1)
    kernel_size = check_int("kernel_size", kernel_size, 1)
    stride = check_int("stride", stride, 1)
    dilation = check_int("dilation", dilation, 1)
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
    if padding != "valid":
        return math.ceil(steps / stride)
    span = dilation * (kernel_size - 1) + 1
    if span > steps:
        raise ValueError(
            f"a 'valid' window of {span} steps (kernel {kernel_size}, "
            f"dilation {dilation}) "
            f"does not fit a sequence of {steps} steps"
        )
    return (steps - span) // stride + 1


def conv1d_param_count(
    in_channels: int, filters: int, kernel_size: int, use_bias: bool = True
) -> int:
    """Trainable parameters of ``Conv1D``: ``k C F + F`` (kernel ``(k, C, F)``,
    one bias per filter).

    Dilation and stride change what the kernel reads, not its size.
    """
    c = check_int("in_channels", in_channels, 1)
    f = check_int("filters", filters, 1)
    k = check_int("kernel_size", kernel_size, 1)
    return k * c * f + (f if use_bias else 0)


def cnn_classifier_param_count(
    n_features: int, n_classes: int, filters: int, kernel_sizes: Sequence[int]
) -> int:
    """Parameters of :func:`build_cnn_classifier`: the conv layers, then
    ``Dense(F -> K)``."""
    kernels = _int_list("kernel_sizes", kernel_sizes, None, 1)
    if not kernels:
        raise ValueError("kernel_sizes must name at least one layer, got none")
    total, channels = 0, n_features
    for k in kernels:
        total += conv1d_param_count(channels, filters, k)
        channels = filters
    return total + dense_param_count(filters, n_classes)


def conv_lstm_param_count(
    n_features: int, n_classes: int, filters: int, kernel_size: int, units: int
) -> int:
    """Parameters of :func:`build_conv_lstm_classifier`: ``Conv1D``, ``LSTM(F
    -> H)``, ``Dense(H -> K)``.

    Pooling has no parameters.
    """
    return (
        conv1d_param_count(n_features, filters, kernel_size)
        + lstm_param_count(filters, units)
        + dense_param_count(units, n_classes)
    )


def _compile(
    model: keras.Model, optimizer, learning_rate: float, clipnorm
) -> keras.Model:
    model.compile(
        optimizer=make_optimizer(optimizer, learning_rate, clipnorm),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def _n_classes(n_classes: int) -> int:
    return check_int("n_classes", n_classes, 2)


def build_cnn_classifier(
    n_features: int,
    n_classes: int,
    *,
    filters: int = 16,
    kernel_sizes: Sequence[int] = (2, 2, 2, 2),
    dilations: int | Sequence[int] = 1,
    padding: str = "causal",
    readout: str = "last",
    steps: int | None = None,
    optimizer: str | keras.optimizers.Optimizer = "adam",
    learning_rate: float = 1e-2,
    clipnorm: float | None = None,
) -> keras.Model:
    """A compiled CNN classifier: ReLU ``Conv1D`` layers, a readout over time,
    Dense logits.

    With ``padding="causal"`` and dilations doubling from 1 (1, 2, 4, ...) this
    is the dilated causal stack of WaveNet and the TCN; with one layer,
    ``padding="valid"`` and ``readout="max"`` it is a motif detector (one
    filter bank slid over the sequence, the strongest match kept).

    Args:
        n_features: ``X``, the last dimension of the input ``(batch, time,
            X)``.
        n_classes: ``K`` (>= 2).
        filters: ``F``, filters per layer.
        kernel_sizes: kernel size of each layer, bottom first; its length is
            the depth.
        dilations: dilation per layer, or one for all.
        padding: one of :data:`PADDINGS`. ``"causal"`` pads zeros on the left,
            so every step has an output that sees only the past; ``"valid"``
            pads nothing (the output is shorter, and no step can tell the start
            of the sequence from zero padding).
        readout: ``"last"``: the features of the last output step (which see
            the last ``R`` input steps, ``R`` = :func:`receptive_field`);
            ``"max"``: global max pooling over all output steps
            (position-invariant: "does the pattern occur anywhere?").
        steps: the sequence length ``T``, or None for any length.
        optimizer, learning_rate, clipnorm:
            see :func:`lstmbook.keras_side.models.make_optimizer`.

    Returns:
        A model ``(batch, T, X) -> (batch, K)`` logits with
        ``SparseCategoricalCrossentropy(from_logits=True)`` and ``"accuracy"``;
        its layers are named ``conv_0``, ``conv_1``, ... , ``readout``,
        ``head``.
    """
    n_features = check_int("n_features", n_features, 1)
    n_classes = _n_classes(n_classes)
    filters = check_int("filters", filters, 1)
    kernels = _int_list("kernel_sizes", kernel_sizes, None, 1)
    if not kernels:
        raise ValueError("kernel_sizes must name at least one layer, got none")
    dils = _int_list("dilations", dilations, len(kernels), 1)
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
    if readout not in READOUTS:
        raise ValueError(f"readout must be one of {READOUTS}, got {readout!r}")
    if steps is not None:
        steps = check_int("steps", steps, 1)
        # A clear error here, not deep inside Keras, if a window does not fit.
        remaining = steps
        for k, d in zip(kernels, dils, strict=True):
            remaining = conv_output_length(
                remaining, k, dilation=d, padding=padding
            )
    inputs = keras.Input(shape=(steps, n_features), name="x")
    hidden = inputs
    for i, (k, d) in enumerate(zip(kernels, dils, strict=True)):
        hidden = keras.layers.Conv1D(
            filters,
            k,
            dilation_rate=d,
            padding=padding,
            activation="relu",
            name=f"conv_{i}",
        )(hidden)
    if readout == "max":
        hidden = keras.layers.GlobalMaxPooling1D(name="readout")(hidden)
    else:
        hidden = keras.layers.Lambda(lambda h: h[:, -1, :], name="readout")(
            hidden
        )
    outputs = keras.layers.Dense(n_classes, name="head")(hidden)
    model = keras.Model(inputs, outputs, name=f"cnn_{len(kernels)}x{filters}")
    return _compile(model, optimizer, learning_rate, clipnorm)


def build_conv_lstm_classifier(
    n_features: int,
    n_classes: int,
    *,
    filters: int = 16,
    kernel_size: int = 4,
    stride: int = 4,
    pool_size: int = 1,
    units: int = 16,
    steps: int | None = None,
    optimizer: str | keras.optimizers.Optimizer = "adam",
    learning_rate: float = 1e-2,
    clipnorm: float | None = None,
) -> keras.Model:
    """A compiled conv front end + LSTM classifier (the CLDNN / LRCN pattern,
    in one dimension).

    ``Conv1D(F, k, strides=stride, padding="same", relu)`` turns ``(batch, T,
    X)`` into ``(batch, ceil(T / stride), F)``; an optional
    ``MaxPooling1D(pool_size)`` divides the length again (``padding="same"``);
    the LSTM runs over the shorter sequence and its last state feeds Dense
    logits.

    Args:
        n_features: ``X``.
        n_classes: ``K`` (>= 2).
        filters: ``F``, the conv filters (the LSTM's input size).
        kernel_size: ``k`` (>= 1); ``k >= stride`` leaves no input step unread.
        stride: ``s``, the conv's stride (1: no shortening).
        pool_size: ``p``, max pooling after the conv (1: none).
        units: ``H``, the LSTM's units.
        steps: ``T``, or None for any length.
        optimizer, learning_rate, clipnorm:
            see :func:`lstmbook.keras_side.models.make_optimizer`.

    Returns:
        A model ``(batch, T, X) -> (batch, K)`` logits with the same loss and
        metric as :func:`build_cnn_classifier`; layers named ``conv``,
        (``pool``), ``lstm``, ``head``. Its parameter count
        is :func:`conv_lstm_param_count`.
    """
    n_features = check_int("n_features", n_features, 1)
    n_classes = _n_classes(n_classes)
    filters = check_int("filters", filters, 1)
    kernel_size = check_int("kernel_size", kernel_size, 1)
    stride = check_int("stride", stride, 1)
    pool_size = check_int("pool_size", pool_size, 1)
    units = check_int("units", units, 1)
    if steps is not None:
        steps = check_int("steps", steps, 1)
    inputs = keras.Input(shape=(steps, n_features), name="x")
    hidden = keras.layers.Conv1D(
        filters,
        kernel_size,
        strides=stride,
        padding="same",
        activation="relu",
        name="conv",
    )(inputs)
    if pool_size > 1:
        hidden = keras.layers.MaxPooling1D(
            pool_size, padding="same", name="pool"
        )(hidden)
    hidden = keras.layers.LSTM(units, name="lstm")(hidden)
    outputs = keras.layers.Dense(n_classes, name="head")(hidden)
    model = keras.Model(
        inputs, outputs, name=f"conv{stride}x{pool_size}_lstm_{units}"
    )
    return _compile(model, optimizer, learning_rate, clipnorm)


_POOLS = (keras.layers.MaxPooling1D, keras.layers.AveragePooling1D)


def model_receptive_field(model: keras.Model) -> int:
    """Receptive field of the ``Conv1D`` / pooling layers at the bottom of a
    Keras model.

    Reads ``kernel_size``, ``dilation_rate`` and ``strides`` (``pool_size`` and
    ``strides`` for ``MaxPooling1D`` / ``AveragePooling1D``) from each layer's
    configuration, bottom up, and stops at the first layer of any other kind
    after the input (a readout, an LSTM...). Returns :func:`receptive_field` of
    those layers: the input steps one step of their output sees.

    Raises:
        ValueError: if the model starts with no convolution or pooling layer.
    """
    kernels, dils, steps = [], [], []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        config = layer.get_config()
        if isinstance(layer, keras.layers.Conv1D):
            kernels.append(int(config["kernel_size"][0]))
            dils.append(int(config["dilation_rate"][0]))
            steps.append(int(config["strides"][0]))
        elif isinstance(layer, _POOLS):
            kernels.append(int(config["pool_size"][0]))
            dils.append(1)
            steps.append(int(config["strides"][0]))
        else:
            break
    if not kernels:
        raise ValueError(
            f"model {model.name!r} has no Conv1D or pooling layer at its "
            "bottom; its first "
            "layers are "
            f"{[type(layer).__name__ for layer in model.layers[:3]]}"
        )
    return receptive_field(kernels, dils, steps)


def influence_support(
    function: Callable[[np.ndarray], object],
    steps: int,
    n_features: int,
    *,
    seed: int = 0,
) -> np.ndarray:
    """Which input steps move the last output step? An empirical receptive
    field.

    Draws one random input ``(1, T, X)``, then ``T`` copies of it, copy ``t``
    with step ``t`` redrawn, and runs them through ``function`` in one batch.
    Step ``t`` is in the support if the last output step of copy ``t`` differs
    from that of the unperturbed input (by more than ``1e-6`` relative to its
    size). For a stack of convolutions with receptive field ``R`` and a generic
    (random) input and weights, the support is exactly the last ``R`` steps.

    Args:
        function: maps ``(batch, T, X)`` float32 to ``(batch, T', C)`` (a Keras
            model or layer stack; only the last output step is compared) or to
            ``(batch, C)``.
        steps: ``T`` (>= 1).
        n_features: ``X`` (>= 1).
        seed: seed of the ``numpy.random.default_rng`` that draws the inputs.

    Returns:
        ``(T,)`` bool: ``True`` where changing the input step changes the last
        output. ``T - argmax(support)`` is the measured receptive field when
        the support is the contiguous tail of the sequence.
    """
    steps = check_int("steps", steps, 1)
    n_features = check_int("n_features", n_features, 1)
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((1, steps, n_features)).astype(np.float32)
    batch = np.repeat(base, steps + 1, axis=0)
    batch[np.arange(steps), np.arange(steps)] = rng.standard_normal(
        (steps, n_features)
    )
    out = np.asarray(
        keras.ops.convert_to_numpy(function(batch)), dtype=np.float64
    )
    if out.ndim == 3:
        out = out[:, -1, :]
    if out.ndim != 2 or out.shape[0] != steps + 1:
        raise ValueError(
            "function must return (batch, T', C) or (batch, C) with batch = "
            f"{steps + 1}, "
            f"got shape {out.shape}"
        )
    change = np.abs(out[:steps] - out[steps]).max(axis=1)
    return change > 1e-6 * max(1.0, float(np.abs(out[steps]).max()))


class MotifWindowBayes(NamedTuple):
    """What a classifier that sees only the last ``R`` steps can do
    on :func:`motif_task`.

    Its fields:

    - ``accuracy``: the Bayes ceiling, exact (a fraction): the accuracy of the
      best possible classifier of the last ``R`` steps, with balanced labels;
    - ``says_motif``: bool array of shape ``(n_symbols,) * R``, indexed by the
      window's symbols oldest first: the Bayes rule (``True`` = "the motif is
      somewhere in the sequence");
    - ``window_rule_accuracy``: exact accuracy of the simple rule "yes if and
      only if the whole motif lies inside the window".
    """

    accuracy: Fraction
    says_motif: np.ndarray
    window_rule_accuracy: Fraction


def _motif_automaton(motif: Sequence[int], n_symbols: int) -> np.ndarray:
    """``(k, n_symbols)`` KMP transitions: matched-prefix length -> next one
    (``k`` = found)."""
    k = len(motif)
    delta = np.zeros((k, n_symbols), dtype=np.int64)
    for q in range(k):
        for a in range(n_symbols):
            text = list(motif[:q]) + [a]
            delta[q, a] = next(
                m
                for m in range(min(k, q + 1), -1, -1)
                if m == 0 or text[-m:] == list(motif[:m])
            )
    return delta


def motif_window_bayes(
    T: int, R: int, motif: Sequence[int] = (0, 1, 2, 3), n_symbols: int = 4
) -> MotifWindowBayes:
    """Bayes ceiling of a classifier that sees only the last ``R`` of ``T``
    steps of the motif task.

    The model of :func:`lstmbook.data.motif_task`, taken exactly: labels are
    balanced; a negative sequence is drawn uniformly from the sequences of
    length ``T`` that contain the motif nowhere; a positive one is such a
    sequence with the motif written over it at a start drawn uniformly from
    ``0 .. T - k``. (``motif_task`` reaches motif-free sequences by redrawing a
    symbol of every accidental occurrence rather than by rejection, which moves
    a little probability onto near-misses of the motif; a Monte-Carlo check on
    its draws agrees to about 0.002 for ``T = 16``.)

    Everything is counted exactly: a KMP automaton of the motif counts the
    motif-free sequences that end in each of the ``n_symbols ** R`` windows,
    which gives the windows' probabilities under label 0; under label 1 each
    start of the motif either leaves the window alone, or fixes the window
    positions it covers (their other symbols keep the label-0 marginal). The
    ceiling is ``sum_w max(P(w | 0), P(w | 1)) / 2``, and it is reached by the
    rule in ``says_motif``. Cost: about ``n_symbols ** R * (k + T)`` array
    operations (``R = 8``: a fraction of a second).

    Args:
        T: sequence length (>= len(motif)).
        R: steps the classifier sees, the last ``R`` (``1 <= R <= T``;
            ``n_symbols ** R`` at most ``2 ** 22``).
        motif: the pattern, symbol ids in ``[0, n_symbols)``, length >= 2.
        n_symbols: alphabet size (>= 2).
    """
    n_symbols = check_int("n_symbols", n_symbols, 2)
    pattern = [
        int(check_int(f"motif[{i}]", m, 0)) for i, m in enumerate(motif)
    ]
    if len(pattern) < 2 or max(pattern) >= n_symbols:
        raise ValueError(
            f"motif must be >= 2 symbol ids in [0, {n_symbols}), got "
            f"{list(motif)!r}"
        )
    k = len(pattern)
    T = check_int("T", T, k)
    R = check_int("R", R, 1)
    if R > T:
        raise ValueError(f"R must be at most T = {T}, got {R}")
    if n_symbols**R > 2**22:
        raise ValueError(
            f"n_symbols ** R = {n_symbols**R} windows is too many to enumerate"
        )
    delta = _motif_automaton(pattern, n_symbols)
    # motif-free prefixes of length T - R, by the automaton state they end in
    # (python ints)
    prefixes = [1] + [0] * (k - 1)
    for _ in range(T - R):
        following = [0] * k
        for q, count in enumerate(prefixes):
            for a in range(n_symbols):
                if delta[q, a] < k:
                    following[delta[q, a]] += count
        prefixes = following
    windows = (
        np.indices((n_symbols,) * R).reshape(R, -1).T
    )  # (n_symbols ** R, R), oldest first
    label0 = np.zeros(len(windows), dtype=object)
    for q, count in enumerate(prefixes):
        state, alive = (
            np.full(len(windows), q),
            np.ones(len(windows), dtype=bool),
        )
        for j in range(R):
            state = delta[np.minimum(state, k - 1), windows[:, j]]
            alive &= state < k
        label0 += count * alive.astype(np.int64)
    label0 = label0.reshape(
        (n_symbols,) * R
    )  # motif-free sequences ending in each window
    starts = T - k + 1
    label1 = np.zeros_like(
        label0
    )  # times `starts`: sum over the motif's starts
    inside = 0
    for s in range(starts):
        covered = [j - (T - R) for j in range(s, s + k) if j >= T - R]
        if not covered:
            label1 = label1 + label0
            continue
        inside += len(covered) == k
        fixed = label0.sum(axis=tuple(covered), keepdims=True)
        match = np.ones((1,) * R, dtype=bool)
        for j in covered:
            shape = [1] * R
            shape[j] = n_symbols
            match = match & (
                np.arange(n_symbols) == pattern[j + T - R - s]
            ).reshape(shape)
        label1 = label1 + np.where(match, fixed, 0)
    total = int(label0.sum())  # all motif-free sequences of length T
    says_motif = label1 > starts * label0
    best = int(np.maximum(starts * label0, label1).sum())
    return MotifWindowBayes(
        accuracy=Fraction(best, 2 * starts * total),
        says_motif=says_motif.astype(bool),
        window_rule_accuracy=Fraction(1, 2) + Fraction(inside, 2 * starts),
    )
