"""A peephole LSTM cell for Keras 3, the twin of
``lstmbook.scratch.LSTM(peepholes=True)``.

Keras 3 ships no peephole LSTM (TensorFlow 1.x/2.x had
``tf.keras.experimental.PeepholeLSTMCell``). :class:`PeepholeLSTMCell` computes
one step and ``keras.layers.RNN(cell)`` runs the loop, the same split as
``keras.layers.LSTMCell`` / ``keras.layers.LSTM``. With ``z = x W + h_{t-1} U +
b`` split into the blocks i, f, c, o (the Keras layout):

.. math::

    i_t &= \\sigma(z_i + p_i \\odot c_{t-1}) \\\\
    f_t &= \\sigma(z_f + p_f \\odot c_{t-1}) \\\\
    g_t &= \\tanh(z_c) \\\\
    c_t &= f_t \\odot c_{t-1} + i_t \\odot g_t \\\\
    o_t &= \\sigma(z_o + p_o \\odot c_t)
        \\quad (\\text{or } p_o \\odot c_{t-1}) \\\\
    h_t &= o_t \\odot \\tanh(c_t)

``output_peephole="current"`` makes the output gate read ``c_t``, as in Gers,
Schraudolph & Schmidhuber (2002) and the old TensorFlow ``PeepholeLSTMCell``;
``"previous"`` makes it read ``c_{t-1}``, as the source article's equation
(3.1.3) writes it.

The peephole weights are diagonal: three vectors of length ``units``, so a
peephole layer has ``4 (H (X + H) + H) + 3 H`` parameters, *more* than a plain
LSTM. They start at zero, so a fresh peephole cell computes exactly what a
plain LSTM cell with the same other weights computes. The bias starts
as :class:`UnitForgetBias` (1 in the forget block, 0 elsewhere), the
initialiser of ``keras.layers.LSTM``; the side-by-side cells
of :mod:`lstmbook.keras_side.side_by_side` use it too.

No cuDNN: the fused GPU kernel implements only the plain LSTM equations, so
this cell always runs the generic step-by-step loop
(see :mod:`lstmbook.keras_side.cudnn`).
"""

from __future__ import annotations

import keras
from keras import ops

from lstmbook._checks import positive_int
from lstmbook.scratch.reference import OUTPUT_PEEPHOLES


@keras.saving.register_keras_serializable(package="lstmbook")
class UnitForgetBias(keras.initializers.Initializer):
    """LSTM bias initialiser: zeros, except 1 in the forget-gate block.

    What ``keras.layers.LSTM(unit_forget_bias=True)`` (the default) gives its
    bias, as an initialiser of its own for the book's Keras LSTM cells
    (:class:`PeepholeLSTMCell`,
    :class:`~lstmbook.keras_side.side_by_side.SideBySideLSTMCell`). A forget
    gate that starts near ``sigmoid(1) ≈ 0.73`` keeps most of the cell state
    from the first update on.

    The last axis of ``shape`` holds the four gate blocks ``i, f, c, o`` of
    ``H`` entries each (the Keras layout), so it must be ``4H``; every leading
    axis (such as the model axis of a side-by-side bias ``(M, 4H)``) repeats
    the same row. No randomness, hence no seed.

    Example:
        ``UnitForgetBias()((8,))`` is ``[0, 0, 1, 1, 0, 0, 0, 0]`` (``H = 2``).
    """

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if not shape or shape[-1] is None or shape[-1] % 4:
            raise ValueError(
                "the last axis of an LSTM bias holds 4 gate blocks, so its "
                "length must be a "
                f"multiple of 4, got shape {shape}"
            )
        units = shape[-1] // 4
        row = ops.concatenate(
            [
                ops.zeros((units,), dtype=dtype),
                ops.ones((units,), dtype=dtype),
                ops.zeros((2 * units,), dtype=dtype),
            ]
        )
        return ops.broadcast_to(row, shape)

    def get_config(self) -> dict:
        return {}


@keras.saving.register_keras_serializable(package="lstmbook")
class PeepholeLSTMCell(keras.layers.Layer):
    """One step of an LSTM with diagonal peephole connections, for
    ``keras.layers.RNN``.

    Args:
        units: ``H``, the size of ``h`` and ``c``.
        output_peephole: ``"current"`` (the output gate reads ``c_t``, Gers et
            al. 2002) or ``"previous"`` (it reads ``c_{t-1}``, as the source
            article writes it).
        kernel_initializer, recurrent_initializer, peephole_initializer:
            initialisers of the input kernel ``(X, 4H)``, the recurrent kernel
            ``(H, 4H)`` and the three peephole vectors ``(H,)``; the bias
            ``(4H,)`` starts as :class:`UnitForgetBias` (zero, with the forget
            block at 1).

    Weights (in this order, as ``get_weights()`` returns them): ``kernel``
    ``(X, 4H)``, ``recurrent_kernel`` ``(H, 4H)``, ``bias`` ``(4H,)``,
    ``peephole_i``, ``peephole_f``, ``peephole_o`` ``(H,)``: the layout of
    ``lstmbook.scratch.LSTM(peepholes=True)`` with ``params`` ``W, U, b, p_i,
    p_f, p_o``.

    Example:
        ``keras.layers.RNN(PeepholeLSTMCell(32), return_sequences=True)`` maps
        ``(batch, time, features)`` to ``(batch, time, 32)``.
    """

    def __init__(
        self,
        units: int,
        output_peephole: str = "current",
        kernel_initializer: str
        | keras.initializers.Initializer = "glorot_uniform",
        recurrent_initializer: str
        | keras.initializers.Initializer = "orthogonal",
        peephole_initializer: str | keras.initializers.Initializer = "zeros",
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        units = positive_int("units", units)
        if output_peephole not in OUTPUT_PEEPHOLES:
            raise ValueError(
                f"output_peephole must be one of {OUTPUT_PEEPHOLES}, got "
                f"{output_peephole!r}"
            )
        self.units = units
        self.output_peephole = output_peephole
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(
            recurrent_initializer
        )
        self.peephole_initializer = keras.initializers.get(
            peephole_initializer
        )
        self.state_size = [units, units]
        self.output_size = units

    def build(self, input_shape) -> None:
        features = input_shape[-1]
        units = self.units
        self.kernel = self.add_weight(
            shape=(features, 4 * units),
            initializer=self.kernel_initializer,
            name="kernel",
        )
        self.recurrent_kernel = self.add_weight(
            shape=(units, 4 * units),
            initializer=self.recurrent_initializer,
            name="recurrent_kernel",
        )
        self.bias = self.add_weight(
            shape=(4 * units,), initializer=UnitForgetBias(), name="bias"
        )
        self.peephole_i = self.add_weight(
            shape=(units,),
            initializer=self.peephole_initializer,
            name="peephole_i",
        )
        self.peephole_f = self.add_weight(
            shape=(units,),
            initializer=self.peephole_initializer,
            name="peephole_f",
        )
        self.peephole_o = self.add_weight(
            shape=(units,),
            initializer=self.peephole_initializer,
            name="peephole_o",
        )

    def call(self, inputs, states, training: bool = False):
        """One step: ``inputs`` ``(batch, X)``, ``states`` ``[h, c]`` each
        ``(batch, H)``."""
        h_prev, c_prev = states[0], states[1]
        z = (
            ops.matmul(inputs, self.kernel)
            + ops.matmul(h_prev, self.recurrent_kernel)
            + self.bias
        )
        z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)
        i = ops.sigmoid(z_i + self.peephole_i * c_prev)
        f = ops.sigmoid(z_f + self.peephole_f * c_prev)
        c = f * c_prev + i * ops.tanh(z_c)
        c_seen = c if self.output_peephole == "current" else c_prev
        o = ops.sigmoid(z_o + self.peephole_o * c_seen)
        h = o * ops.tanh(c)
        return h, [h, c]

    def get_initial_state(self, batch_size=None):
        return [
            ops.zeros((batch_size, self.units), dtype=self.compute_dtype)
            for _ in range(2)
        ]

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "output_peephole": self.output_peephole,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
                "recurrent_initializer": keras.initializers.serialize(
                    self.recurrent_initializer
                ),
                "peephole_initializer": keras.initializers.serialize(
                    self.peephole_initializer
                ),
            }
        )
        return config


# A layer factory, named like the layer it builds.
def PeepholeLSTM(  # noqa: N802
    units: int,
    output_peephole: str = "current",
    return_sequences: bool = False,
    **kwargs,
) -> keras.layers.RNN:
    """A peephole LSTM layer: ``keras.layers.RNN(PeepholeLSTMCell(units,
    output_peephole))``.

    Args:
        units: ``H``.
        output_peephole: ``"current"`` or ``"previous"``
            (see :class:`PeepholeLSTMCell`).
        return_sequences: return ``(batch, time, H)`` instead of the last step
            ``(batch, H)``.
        **kwargs: passed to ``keras.layers.RNN`` (``return_state``,
            ``go_backwards``, ``name``...).
    """
    return keras.layers.RNN(
        PeepholeLSTMCell(units, output_peephole=output_peephole),
        return_sequences=return_sequences,
        **kwargs,
    )
