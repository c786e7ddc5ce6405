"""When Keras runs an LSTM or GRU through cuDNN's RNN routines, and how to
check a layer.

On a GPU with the TensorFlow backend, ``keras.layers.LSTM`` and
``keras.layers.GRU`` can replace their step-by-step loop (a few small kernels
launched per time step, driven from the graph) by a single call into NVIDIA's
cuDNN library, whose RNN routine runs the whole sequence with optimised kernels
(the input projections of all steps batched into one product, the element-wise
work of a step fused). Keras 3 takes that path only when **all** of these hold
(read from the installed Keras 3 source: ``keras/src/layers/rnn/lstm.py`` and
``gru.py``, methods ``inner_loop``, and
``keras/src/backend/tensorflow/rnn.py``, functions ``cudnn_ok``, ``lstm``,
``gru``):

1. ``activation`` is ``tanh`` (the default): the very function
   ``keras.activations.tanh``, ``keras.ops.tanh`` or ``tf.tanh``; Keras
   compares the function object, not its name;
2. ``recurrent_activation`` is ``sigmoid`` (the default), likewise
   ``keras.activations.sigmoid``, ``keras.ops.sigmoid`` or ``tf.sigmoid``;
3. ``recurrent_dropout == 0`` (plain ``dropout`` on the inputs is allowed:
   Keras applies it to the whole input sequence before the cuDNN call);
4. ``unroll=False`` (the default);
5. ``use_bias=True`` (the default);
6. for the GRU, ``reset_after=True`` (the default in Keras 3);
7. ``use_cudnn`` is ``"auto"`` (the default) or ``True``; with ``True`` and a
   condition above broken, the layer raises a ``ValueError`` instead of falling
   back;
8. a GPU is visible to TensorFlow (``tf.config.list_logical_devices("GPU")``);
9. a mask, if any, is *strictly right-padded* (every sequence is its valid
   steps followed by padding) and no sequence is fully masked. This is checked
   on the data, not on the layer, and it does **not** quietly fall back: inside
   ``model.fit`` / ``predict`` (graph mode) a left-padded or holed mask fails
   with an ``InvalidArgumentError`` ("You are passing a RNN mask that does not
   correspond to right-padded sequences, while using cuDNN..."); only an eager
   call catches it and runs the generic loop. Pad on the right, or pass
   ``use_cudnn=False``.

A layer on the cuDNN path cannot be XLA-compiled, so Keras switches
``jit_compile`` off for it.

The book's builders
(:mod:`lstmbook.chapters.article`, :mod:`lstmbook.keras_side.bridge`) use the
defaults and the book's padded data is right-padded, so the same code that runs
on a laptop's CPU takes the cuDNN path on a GPU. Conditions 1-7 are properties
of the layer and are checked by :func:`cudnn_compatible`; 8 depends on the
machine and 9 on the data. Conditions 1, 2, 5 and 6 say that the layer computes
the standard LSTM or GRU equations, which is also
what :mod:`lstmbook.keras_side.bridge` requires before it copies weights to or
from the NumPy side; both read them with the same inspection of the layer.

A custom cell such as :class:`lstmbook.keras_side.peephole.PeepholeLSTMCell`
can never use cuDNN: cuDNN's LSTM implements only the plain LSTM equations (no
peephole terms), and ``keras.layers.RNN(cell)`` has no cuDNN branch at all, so
it always runs the generic loop, on a GPU too. The same holds for
``keras.layers.SimpleRNN``.
"""

from __future__ import annotations

import keras

from lstmbook.keras_side.bridge import _equation_mismatches


def cudnn_compatible(layer: keras.layers.Layer) -> tuple[bool, list[str]]:
    """Whether a Keras layer meets the layer-side conditions of the cuDNN path.

    Args:
        layer: a Keras layer (``LSTM``, ``GRU``, or any other recurrent or
            non-recurrent layer).

    Returns:
        ``(ok, reasons)``: ``ok`` is True when conditions 1-7 of this module's
        docstring hold; ``reasons`` lists, in words, each condition that fails
        (empty when ``ok``). Whether a GPU is present (8) and whether masks are
        right-padded (9) are not checked here.
    """
    if isinstance(layer, keras.layers.RNN) and not isinstance(
        layer, (keras.layers.LSTM, keras.layers.GRU)
    ):
        cell = type(getattr(layer, "cell", None)).__name__
        return False, [
            f"a {type(layer).__name__}({cell}) layer has no cuDNN kernel; "
            "only LSTM and GRU"
        ]
    if not isinstance(layer, (keras.layers.LSTM, keras.layers.GRU)):
        return False, [f"{type(layer).__name__} is not an LSTM or GRU layer"]
    cell = layer.cell
    # conditions 1, 2, 5 and 6: the standard equations, inspected as the bridge
    # inspects them
    reasons = []
    for setting, expected, got in _equation_mismatches(layer):
        if isinstance(expected, bool):
            who = "the cuDNN GRU" if setting == "reset_after" else "cuDNN"
            reasons.append(f"{setting} is {got}, {who} needs {expected}")
        else:
            reasons.append(
                f"{setting} is {got}, cuDNN needs Keras's {expected}"
            )
    if cell.recurrent_dropout:
        reasons.append(
            f"recurrent_dropout is {cell.recurrent_dropout}, cuDNN needs 0"
        )
    if layer.unroll:
        reasons.append("unroll is True, cuDNN needs False")
    if layer.use_cudnn is False:
        reasons.append("use_cudnn is False")
    return not reasons, reasons
