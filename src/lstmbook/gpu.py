"""When Keras runs an LSTM or GRU on the fused cuDNN kernel, and how to check a layer.

On a GPU with the TensorFlow backend, ``keras.layers.LSTM`` and ``keras.layers.GRU`` replace
their step-by-step loop by one call into NVIDIA's cuDNN library, often an order of magnitude
faster. Keras 3 (``keras/src/layers/rnn/lstm.py``, ``gru.py`` and
``keras/src/backend/tensorflow/rnn.py``) takes that path only when **all** of these hold:

1. ``activation`` is ``tanh`` (the default);
2. ``recurrent_activation`` is ``sigmoid`` (the default);
3. ``recurrent_dropout == 0`` (plain ``dropout`` on the inputs is allowed);
4. ``unroll=False`` (the default);
5. ``use_bias=True`` (the default);
6. for the GRU, ``reset_after=True`` (the default in Keras 3);
7. ``use_cudnn`` is ``"auto"`` (the default) or ``True``;
8. a mask, if any, is *right-padded*: every sequence is its valid steps followed by padding
   (checked at run time; a left-padded mask or a fully masked sequence falls back to the
   generic loop);
9. a GPU is visible to TensorFlow.

The book's builders (:mod:`lstmbook.article`, :mod:`lstmbook.bridge`) use the defaults, so the
same code that runs on a laptop's CPU takes the cuDNN path on a GPU. Conditions 1-7 are
properties of the layer and are checked by :func:`cudnn_compatible`; 8 depends on the data and 9
on the machine.

A custom cell such as :class:`lstmbook.peephole.PeepholeLSTMCell` can never use cuDNN: the
kernel implements only the plain LSTM equations (no peephole terms), so ``keras.layers.RNN(cell)``
always runs the generic loop, on a GPU too.
"""

from __future__ import annotations

import keras

_TANH = ("tanh",)
_SIGMOID = ("sigmoid",)


def _activation_name(fn) -> str:
    return getattr(fn, "__name__", str(fn))


def cudnn_compatible(layer) -> tuple[bool, list[str]]:
    """Whether a Keras recurrent layer meets the layer-side conditions of the cuDNN path.

    Args:
        layer: a Keras layer (``LSTM``, ``GRU``, or any other recurrent or non-recurrent layer).

    Returns:
        ``(ok, reasons)``: ``ok`` is True when conditions 1-7 of this module's docstring hold;
        ``reasons`` lists, in words, each condition that fails (empty when ``ok``). Whether a GPU
        is present and whether masks are right-padded are not checked here.
    """
    if isinstance(layer, keras.layers.RNN) and not isinstance(
        layer, (keras.layers.LSTM, keras.layers.GRU)
    ):
        cell = type(getattr(layer, "cell", None)).__name__
        return False, [f"a generic keras.layers.RNN({cell}) has no cuDNN kernel; only LSTM and GRU"]
    if not isinstance(layer, (keras.layers.LSTM, keras.layers.GRU)):
        return False, [f"{type(layer).__name__} is not an LSTM or GRU layer"]
    cell = layer.cell
    reasons = []
    if _activation_name(cell.activation) not in _TANH:
        reasons.append(f"activation is {_activation_name(cell.activation)}, cuDNN needs tanh")
    if _activation_name(cell.recurrent_activation) not in _SIGMOID:
        reasons.append(
            f"recurrent_activation is {_activation_name(cell.recurrent_activation)}, "
            "cuDNN needs sigmoid"
        )
    if cell.recurrent_dropout:
        reasons.append(f"recurrent_dropout is {cell.recurrent_dropout}, cuDNN needs 0")
    if layer.unroll:
        reasons.append("unroll is True, cuDNN needs False")
    if not cell.use_bias:
        reasons.append("use_bias is False, cuDNN needs True")
    if isinstance(layer, keras.layers.GRU) and not cell.reset_after:
        reasons.append("reset_after is False, the cuDNN GRU needs True")
    if layer.use_cudnn is False:
        reasons.append("use_cudnn is False")
    return not reasons, reasons
